// TEXMEX .fvecs / .bvecs: every vector is an i32 dimension d followed by d f32 / d u8 values.
#include <cstring>

#include "dq/error.h"
#include "data/readers.h"

namespace dqt {

namespace {

class VecsReader final : public ImageReader {
public:
    VecsReader(const std::string& path, bool bytes) : file_(path) {
        path_ = path;
        u8_ = bytes;
        features_ = !bytes;
        int32_t d = 0;
        file_.read_exact(&d, 4, "the first vector's dimension");
        if (d <= 0 || d > (1 << 24))
            throw dq::Error(dq::strformat("%s: first vector has dimension %d (expected 1 to 16777216)", path.c_str(), d));
        dim_ = static_cast<size_t>(d);
        const uint64_t rec = 4 + uint64_t(dim_) * (bytes ? 1 : 4);
        if (!file_.compressed()) {
            if (file_.disk_size() % rec != 0)
                throw dq::Error(dq::strformat("%s: truncated: file size %llu is not a multiple of the %llu-byte "
                                              "record of a %zu-dimensional vector",
                                              path.c_str(), static_cast<unsigned long long>(file_.disk_size()),
                                              static_cast<unsigned long long>(rec), dim_));
            n_ = file_.disk_size() / rec;
        } else {
            // A gzip stream has no size up front: count the records in a first pass.
            std::vector<uint8_t> buf(1 << 20);
            uint64_t total = 4;
            for (size_t got; (got = file_.read_some(buf.data(), buf.size())) > 0;) total += got;
            if (total % rec != 0)
                throw dq::Error(dq::strformat("%s: truncated: %llu bytes of data is not a multiple of the "
                                              "%llu-byte record of a %zu-dimensional vector",
                                              path.c_str(), static_cast<unsigned long long>(total),
                                              static_cast<unsigned long long>(rec), dim_));
            n_ = total / rec;
        }
        file_.rewind();
        spec_ = spec_for_flat(dim_, u8_);
    }

protected:
    void read_raw(size_t rows, uint8_t* dst) override {
        const size_t rb = row_bytes();
        for (size_t r = 0; r < rows; ++r) {
            int32_t d = 0;
            file_.read_exact(&d, 4, "a vector's dimension");
            if (d < 0 || size_t(d) != dim_)
                throw dq::Error(dq::strformat("%s: vector %zu has dimension %d, expected %zu", path_.c_str(),
                                              pos_ + r, d, dim_));
            file_.read_exact(dst + r * rb, rb, "a vector");
        }
    }

private:
    InFile file_;
    size_t dim_ = 0;
};

}  // namespace

std::unique_ptr<ImageReader> open_vecs_reader(const std::string& path, bool bytes) {
    return std::make_unique<VecsReader>(path, bytes);
}

}  // namespace dqt
