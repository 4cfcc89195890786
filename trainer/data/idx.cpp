// IDX files (the MNIST distribution format): magic 0x0000 | type | ndim, ndim big-endian u32
// dimensions, then the data in big-endian C order.
#include <zlib.h>

#include <cstring>

#include "dq/error.h"
#include "data/readers.h"

namespace dqt {

namespace {

constexpr uint8_t kU8 = 0x08, kI8 = 0x09, kI32 = 0x0C, kF32 = 0x0D;

uint32_t be32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

struct IdxHeader {
    uint8_t type = 0;
    std::vector<uint32_t> dims;
    size_t header_bytes = 0;
};

IdxHeader read_header(InFile& f) {
    uint8_t m[4];
    f.read_exact(m, 4, "IDX magic");
    if (m[0] != 0 || m[1] != 0)
        throw dq::Error(dq::strformat("%s: not an IDX file (magic bytes %02x %02x, expected 00 00)",
                                      f.path().c_str(), m[0], m[1]));
    IdxHeader h;
    h.type = m[2];
    if (m[3] < 1 || m[3] > 4)
        throw dq::Error(dq::strformat("%s: IDX has %d dimensions (expected 1 to 4)", f.path().c_str(), m[3]));
    uint8_t d[16];
    f.read_exact(d, 4u * m[3], "IDX dimensions");
    for (int i = 0; i < m[3]; ++i) h.dims.push_back(be32(d + 4 * i));
    h.header_bytes = 4 + 4u * m[3];
    return h;
}

size_t type_size(uint8_t t) {
    switch (t) {
        case kU8: case kI8: return 1;
        case 0x0B: return 2;
        case kI32: case kF32: return 4;
        case 0x0E: return 8;
        default: return 0;
    }
}

class IdxReader final : public ImageReader {
public:
    explicit IdxReader(const std::string& path) : file_(path) {
        path_ = path;
        IdxHeader h = read_header(file_);
        if (h.type != kU8 && h.type != kF32)
            throw dq::Error(dq::strformat("%s: IDX data type 0x%02x not supported for images (u8 0x08 or "
                                          "f32 0x0D)", path.c_str(), h.type));
        if (h.dims.size() < 2)
            throw dq::Error(path + ": IDX file is 1-D (a labels file?), expected images (n, h, w)");
        u8_ = h.type == kU8;
        n_ = h.dims[0];
        uint64_t d = 1;
        for (size_t i = 1; i < h.dims.size(); ++i) {
            if (h.dims[i] == 0)
                throw dq::Error(dq::strformat("%s: IDX dimension %zu is 0", path.c_str(), i));
            d *= h.dims[i];
            if (d > (1u << 24))
                throw dq::Error(dq::strformat("%s: more than 16777216 values per image (dimensions %u x %u ...)",
                                              path.c_str(), h.dims[1], h.dims.size() > 2 ? h.dims[2] : 1u));
        }
        if (h.dims.size() == 2) {
            spec_ = spec_for_flat(h.dims[1], u8_);
        } else {
            spec_.height = h.dims[1];
            spec_.width = h.dims[2];
            spec_.channels = h.dims.size() == 4 ? h.dims[3] : 1;
            spec_.scale = u8_ ? 1.0f / 255.0f : 1.0f;
        }
        if (n_ == 0) throw dq::Error(path + ": IDX file holds 0 images");
        if (!file_.compressed()) {
            uint64_t need = h.header_bytes + uint64_t(n_) * row_bytes();
            if (file_.disk_size() < need)
                throw dq::Error(dq::strformat("%s: truncated: %zu images of %zu bytes need %llu bytes, file has %llu",
                                              path.c_str(), n_, row_bytes(),
                                              static_cast<unsigned long long>(need),
                                              static_cast<unsigned long long>(file_.disk_size())));
            if (file_.disk_size() > need)
                throw dq::Error(dq::strformat("%s: %llu unexpected bytes after the last of %zu images",
                                              path.c_str(),
                                              static_cast<unsigned long long>(file_.disk_size() - need), n_));
        }
    }

protected:
    void read_raw(size_t rows, uint8_t* dst) override {
        size_t bytes = rows * row_bytes();
        size_t got = file_.read_some(dst, bytes);
        if (got != bytes)
            throw dq::Error(dq::strformat("%s: truncated: image %zu of %zu is incomplete (the data ends "
                                          "%zu bytes into this read of %zu)",
                                          path_.c_str(), pos_ + got / row_bytes(), n_, got, bytes));
        if (!u8_) {
            for (size_t i = 0; i < bytes; i += 4) {
                std::swap(dst[i], dst[i + 3]);
                std::swap(dst[i + 1], dst[i + 2]);
            }
        }
        if (pos_ + rows == n_ && !file_.at_end())
            throw dq::Error(dq::strformat("%s: unexpected data after the last of %zu images", path_.c_str(), n_));
    }

private:
    InFile file_;
};

void put_be32(uint8_t* p, uint32_t v) {
    p[0] = uint8_t(v >> 24);
    p[1] = uint8_t(v >> 16);
    p[2] = uint8_t(v >> 8);
    p[3] = uint8_t(v);
}

std::vector<uint8_t> gzip(const std::vector<uint8_t>& raw) {
    z_stream zs;
    std::memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw dq::Error("gzip: deflateInit2 failed");
    std::vector<uint8_t> out(deflateBound(&zs, raw.size()) + 64);
    zs.next_in = const_cast<Bytef*>(raw.data());
    zs.avail_in = static_cast<uInt>(raw.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    int r = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (r != Z_STREAM_END) throw dq::Error("gzip: deflate did not finish");
    out.resize(zs.total_out);
    return out;
}

}  // namespace

std::unique_ptr<ImageReader> open_idx_reader(const std::string& path) {
    return std::make_unique<IdxReader>(path);
}

std::vector<int32_t> read_idx_labels(const std::string& path) {
    InFile f(path);
    IdxHeader h = read_header(f);
    if (h.dims.size() != 1)
        throw dq::Error(dq::strformat("%s: labels IDX has %zu dimensions, expected 1", path.c_str(), h.dims.size()));
    if (h.type != kU8 && h.type != kI8 && h.type != kI32)
        throw dq::Error(dq::strformat("%s: IDX label type 0x%02x not supported (u8, i8 or i32)", path.c_str(), h.type));
    size_t n = h.dims[0], es = type_size(h.type);
    if (!f.compressed() && f.disk_size() != h.header_bytes + uint64_t(n) * es)
        throw dq::Error(dq::strformat("%s: %s: %zu labels need %llu bytes, file has %llu", path.c_str(),
                                      f.disk_size() < h.header_bytes + uint64_t(n) * es ? "truncated" : "size mismatch",
                                      n, static_cast<unsigned long long>(h.header_bytes + uint64_t(n) * es),
                                      static_cast<unsigned long long>(f.disk_size())));
    std::vector<uint8_t> raw = f.read_exact_vector(n * es, "labels");
    if (!f.at_end()) throw dq::Error(dq::strformat("%s: unexpected data after the last of %zu labels", path.c_str(), n));
    std::vector<int32_t> labels(n);
    for (size_t i = 0; i < n; ++i) {
        if (h.type == kU8) labels[i] = raw[i];
        else if (h.type == kI8) labels[i] = static_cast<int8_t>(raw[i]);
        else labels[i] = static_cast<int32_t>(be32(&raw[4 * i]));
    }
    return labels;
}

std::vector<uint8_t> idx_images_gz(const uint8_t* pixels, size_t n, uint32_t h, uint32_t w) {
    std::vector<uint8_t> raw(16 + n * h * w);
    put_be32(&raw[0], 0x00000803);
    put_be32(&raw[4], static_cast<uint32_t>(n));
    put_be32(&raw[8], h);
    put_be32(&raw[12], w);
    if (n) std::memcpy(&raw[16], pixels, n * h * w);
    return gzip(raw);
}

std::vector<uint8_t> idx_labels_gz(const int32_t* labels, size_t n) {
    std::vector<uint8_t> raw(8 + n);
    put_be32(&raw[0], 0x00000801);
    put_be32(&raw[4], static_cast<uint32_t>(n));
    for (size_t i = 0; i < n; ++i) {
        DQ_CHECK(labels[i] >= 0 && labels[i] <= 255, "IDX labels: label %d of item %zu is outside [0, 255]",
                 labels[i], i);
        raw[8 + i] = static_cast<uint8_t>(labels[i]);
    }
    return gzip(raw);
}

}  // namespace dqt
