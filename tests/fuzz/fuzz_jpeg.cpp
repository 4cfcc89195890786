// JPEG decoding (libjpeg-turbo behind dqt::decode_jpeg), then the core's preprocessing of what it
// returns; the same bytes also go through decode_image's format sniffing.
#include "fuzz_image_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dqfuzz::decode_and_preprocess(&dqt::decode_jpeg, data, size);
    dqfuzz::decode_and_preprocess(&dqt::decode_image, data, size);
    return 0;
}
