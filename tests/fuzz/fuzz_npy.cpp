// .npy images (u1, <f4, <f8) and labels (little-endian integers), plain and gzip-compressed.
#include "fuzz_util.h"
#include "readers.h"

namespace {
void read_all(const std::string& path) {
    try {
        auto r = dqt::open_npy_reader(path);
        dqfuzz::drain(*r);
    } catch (const dq::Error&) {
    }
    try {
        std::vector<int32_t> labels = dqt::read_npy_labels(path);
        (void)labels;
    } catch (const dq::Error&) {
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static dqfuzz::MemFile file;
    read_all(file.set(data, size));
    read_all(file.set(dqfuzz::gzip_bytes(data, size)));
    return 0;
}
