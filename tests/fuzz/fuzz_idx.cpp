// IDX images and labels (plain files, where the readers check sizes against the file size up front).
#include "fuzz_util.h"
#include "data/readers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static dqfuzz::MemFile file;
    dqfuzz::read_images_and_labels(file.set(data, size), dqt::open_idx_reader, dqt::read_idx_labels);
    return 0;
}
