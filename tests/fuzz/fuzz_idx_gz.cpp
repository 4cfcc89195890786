// IDX through gzip: the input is the decompressed content. The compressed path cannot compare the
// header with the file size, so corrupt counts are only found while streaming; the stream is also
// read cut short (a truncated download) to reach the gzip error paths.
#include "fuzz_util.h"
#include "data/readers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static dqfuzz::MemFile file;
    std::vector<uint8_t> gz = dqfuzz::gzip_bytes(data, size);
    dqfuzz::read_images_and_labels(file.set(gz), dqt::open_idx_reader, dqt::read_idx_labels);
    dqfuzz::read_images_and_labels(file.set(gz.data(), gz.size() * 2 / 3), dqt::open_idx_reader,
                                   dqt::read_idx_labels);
    return 0;
}
