// .npy images (u1, <f4, <f8) and labels (little-endian integers), plain and gzip-compressed.
#include "fuzz_util.h"
#include "data/readers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static dqfuzz::MemFile file;
    dqfuzz::read_images_and_labels(file.set(data, size), dqt::open_npy_reader, dqt::read_npy_labels);
    dqfuzz::read_images_and_labels(file.set(dqfuzz::gzip_bytes(data, size)), dqt::open_npy_reader,
                                   dqt::read_npy_labels);
    return 0;
}
