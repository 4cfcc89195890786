// IDX through gzip: the input is the decompressed content. The compressed path cannot compare the
// header with the file size, so corrupt counts are only found while streaming; the stream is also
// read cut short (a truncated download) to reach the gzip error paths.
#include "fuzz_util.h"
#include "readers.h"

namespace {
void read_all(const std::string& path) {
    try {
        auto r = dqt::open_idx_reader(path);
        dqfuzz::drain(*r);
    } catch (const dq::Error&) {
    }
    try {
        std::vector<int32_t> labels = dqt::read_idx_labels(path);
        (void)labels;
    } catch (const dq::Error&) {
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static dqfuzz::MemFile file;
    std::vector<uint8_t> gz = dqfuzz::gzip_bytes(data, size);
    read_all(file.set(gz));
    read_all(file.set(gz.data(), gz.size() * 2 / 3));
    return 0;
}
