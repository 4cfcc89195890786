// PNG decoding (libpng behind dqt::decode_png), then the core's preprocessing of what it returns.
#include "fuzz_image_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dqfuzz::decode_and_preprocess(&dqt::decode_png, data, size);
    return 0;
}
