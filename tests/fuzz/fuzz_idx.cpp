// IDX images and labels (plain files, where the readers check sizes against the file size up front).
#include "fuzz_util.h"
#include "readers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static dqfuzz::MemFile file;
    const std::string& path = file.set(data, size);
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
    return 0;
}
