// TEXMEX .fvecs and .bvecs (the same bytes read as both), plain and gzip-compressed.
#include "fuzz_util.h"
#include "data/readers.h"

namespace {
void read_all(const std::string& path) {
    for (bool bytes : {false, true})
        dqfuzz::expect_ok_or_error([&] { dqfuzz::drain(*dqt::open_vecs_reader(path, bytes)); });
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static dqfuzz::MemFile file;
    read_all(file.set(data, size));
    read_all(file.set(dqfuzz::gzip_bytes(data, size)));
    return 0;
}
