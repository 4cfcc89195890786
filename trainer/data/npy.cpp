// NumPy .npy files: "\x93NUMPY", version, header length, a Python-dict header
// {'descr': '<f4', 'fortran_order': False, 'shape': (n, h, w)}, then the C-order data.
#include <cctype>
#include <cmath>
#include <climits>
#include <cstring>
#include <limits>

#include "dq/error.h"
#include "data/readers.h"

namespace dqt {

namespace {

struct NpyHeader {
    std::string descr;
    bool fortran = false;
    std::vector<uint64_t> shape;
    uint64_t header_bytes = 0;
};

std::string dict_value(const std::string& h, const std::string& key, const std::string& path) {
    size_t k = h.find("'" + key + "'");
    if (k == std::string::npos) k = h.find("\"" + key + "\"");
    if (k == std::string::npos) throw dq::Error(path + ": .npy header has no '" + key + "' field");
    size_t colon = h.find(':', k);
    if (colon == std::string::npos) throw dq::Error(path + ": malformed .npy header near '" + key + "'");
    size_t v = colon + 1;
    while (v < h.size() && std::isspace(static_cast<unsigned char>(h[v]))) ++v;
    if (v >= h.size()) throw dq::Error(path + ": malformed .npy header near '" + key + "'");
    if (h[v] == '\'' || h[v] == '"') {
        size_t e = h.find(h[v], v + 1);
        if (e == std::string::npos) throw dq::Error(path + ": malformed .npy header: unterminated string");
        return h.substr(v + 1, e - v - 1);
    }
    if (h[v] == '(') {
        size_t e = h.find(')', v);
        if (e == std::string::npos) throw dq::Error(path + ": malformed .npy header: unterminated shape");
        return h.substr(v + 1, e - v - 1);
    }
    size_t e = v;
    while (e < h.size() && (std::isalnum(static_cast<unsigned char>(h[e])) || h[e] == '_')) ++e;
    return h.substr(v, e - v);
}

NpyHeader read_header(InFile& f) {
    uint8_t pre[10];
    f.read_exact(pre, 10, ".npy preamble");
    if (std::memcmp(pre, "\x93NUMPY", 6) != 0) throw dq::Error(f.path() + ": not a .npy file (bad magic)");
    uint8_t major = pre[6];
    uint64_t hlen = 0, pre_len = 10;
    if (major == 1) {
        hlen = pre[8] | (uint32_t(pre[9]) << 8);
    } else if (major == 2 || major == 3) {
        uint8_t more[2];
        f.read_exact(more, 2, ".npy header length");
        hlen = pre[8] | (uint32_t(pre[9]) << 8) | (uint32_t(more[0]) << 16) | (uint32_t(more[1]) << 24);
        pre_len = 12;
    } else {
        throw dq::Error(dq::strformat("%s: unsupported .npy version %d.%d", f.path().c_str(), major, pre[7]));
    }
    if (hlen > (1u << 20))
        throw dq::Error(dq::strformat("%s: .npy header length %llu is implausible", f.path().c_str(),
                                      static_cast<unsigned long long>(hlen)));
    std::string h(hlen, '\0');
    f.read_exact(&h[0], hlen, ".npy header");
    NpyHeader out;
    out.header_bytes = pre_len + hlen;
    out.descr = dict_value(h, "descr", f.path());
    std::string fo = dict_value(h, "fortran_order", f.path());
    if (fo != "False" && fo != "True") throw dq::Error(f.path() + ": bad fortran_order '" + fo + "'");
    out.fortran = fo == "True";
    std::string shape = dict_value(h, "shape", f.path());
    size_t p = 0;
    while (p < shape.size()) {
        while (p < shape.size() && (std::isspace(static_cast<unsigned char>(shape[p])) || shape[p] == ',')) ++p;
        if (p >= shape.size()) break;
        if (!std::isdigit(static_cast<unsigned char>(shape[p])))
            throw dq::Error(f.path() + ": bad .npy shape '(" + shape + ")'");
        uint64_t v = 0;
        while (p < shape.size() && std::isdigit(static_cast<unsigned char>(shape[p]))) {
            if (v > (uint64_t(1) << 40)) throw dq::Error(f.path() + ": .npy dimension too large in '(" + shape + ")'");
            v = v * 10 + uint64_t(shape[p++] - '0');
        }
        out.shape.push_back(v);
    }
    if (out.fortran) throw dq::Error(f.path() + ": Fortran-order .npy arrays are not supported (save with C order)");
    return out;
}

size_t descr_size(const std::string& d) {
    if (d.size() < 3) return 0;
    return static_cast<size_t>(std::atoi(d.c_str() + 2));
}

void check_size(InFile& f, const NpyHeader& h, uint64_t data_bytes, const char* what) {
    if (f.compressed()) return;
    uint64_t need = h.header_bytes + data_bytes;
    if (f.disk_size() < need)
        throw dq::Error(dq::strformat("%s: truncated: %s need %llu bytes, file has %llu", f.path().c_str(), what,
                                      static_cast<unsigned long long>(need),
                                      static_cast<unsigned long long>(f.disk_size())));
    if (f.disk_size() > need)
        throw dq::Error(dq::strformat("%s: %llu unexpected bytes after the %s", f.path().c_str(),
                                      static_cast<unsigned long long>(f.disk_size() - need), what));
}

class NpyReader final : public ImageReader {
public:
    explicit NpyReader(const std::string& path) : file_(path) {
        path_ = path;
        NpyHeader h = read_header(file_);
        const std::string& d = h.descr;
        if (d == "|u1" || d == "<u1" || d == "u1") {
            u8_ = true;
        } else if (d == "<f4" || d == "<f8") {
            u8_ = false;
            features_ = true;
            f64_ = d == "<f8";
        } else {
            throw dq::Error(path + ": .npy dtype '" + d + "' not supported for images (uint8, <f4 or <f8)");
        }
        if (h.shape.size() < 2 || h.shape.size() > 4)
            throw dq::Error(dq::strformat("%s: .npy array has %zu dimensions, expected 2 (n, d), 3 (n, h, w) or 4 (n, h, w, c)",
                                          path.c_str(), h.shape.size()));
        uint64_t dim = 1;
        for (size_t i = 1; i < h.shape.size(); ++i) {
            if (h.shape[i] == 0) throw dq::Error(dq::strformat("%s: .npy dimension %zu is 0", path.c_str(), i));
            dim *= h.shape[i];
            if (dim > (1u << 24)) throw dq::Error(path + ": more than 16777216 values per image");
        }
        n_ = h.shape[0];
        if (n_ == 0) throw dq::Error(path + ": .npy array holds 0 images");
        if (h.shape.size() == 2) {
            spec_ = spec_for_flat(dim, u8_);
        } else {
            spec_.height = static_cast<uint32_t>(h.shape[1]);
            spec_.width = static_cast<uint32_t>(h.shape[2]);
            spec_.channels = h.shape.size() == 4 ? static_cast<uint32_t>(h.shape[3]) : 1;
            spec_.scale = u8_ ? 1.0f / 255.0f : 1.0f;
        }
        check_size(file_, h, uint64_t(n_) * dim * (u8_ ? 1 : f64_ ? 8 : 4), "images");
    }

protected:
    void read_raw(size_t rows, uint8_t* dst) override {
        size_t values = rows * dim();
        size_t es = u8_ ? 1 : f64_ ? 8 : 4;
        size_t bytes = values * es;
        size_t got;
        if (f64_) {
            std::vector<double> tmp(values);
            got = file_.read_some(tmp.data(), bytes);
            auto* out = reinterpret_cast<float*>(dst);
            for (size_t i = 0; i < values; ++i) {
                double v = tmp[i];
                out[i] = std::isfinite(v) && std::abs(v) > double(std::numeric_limits<float>::max())
                             ? float(v > 0 ? INFINITY : -INFINITY)
                             : static_cast<float>(v);
            }
        } else {
            got = file_.read_some(dst, bytes);
        }
        if (got != bytes)
            throw dq::Error(dq::strformat("%s: truncated: image %zu of %zu is incomplete", path_.c_str(),
                                          pos_ + got / (dim() * es), n_));
        if (pos_ + rows == n_ && !file_.at_end())
            throw dq::Error(dq::strformat("%s: unexpected data after the last of %zu images", path_.c_str(), n_));
    }

private:
    InFile file_;
    bool f64_ = false;
};

}  // namespace

std::unique_ptr<ImageReader> open_npy_reader(const std::string& path) {
    return std::make_unique<NpyReader>(path);
}

std::vector<int32_t> read_npy_labels(const std::string& path) {
    InFile f(path);
    NpyHeader h = read_header(f);
    if (h.shape.size() != 1 && !(h.shape.size() == 2 && h.shape[1] == 1))
        throw dq::Error(dq::strformat("%s: labels .npy has %zu dimensions, expected 1", path.c_str(), h.shape.size()));
    const std::string& d = h.descr;
    bool ok_kind = d.size() == 3 && (d[0] == '<' || d[0] == '|') && (d[1] == 'i' || d[1] == 'u');
    size_t es = descr_size(d);
    if (!ok_kind || (es != 1 && es != 2 && es != 4 && es != 8))
        throw dq::Error(path + ": labels .npy dtype '" + d + "' not supported (little-endian integers)");
    size_t n = h.shape[0];
    check_size(f, h, uint64_t(n) * es, "labels");
    std::vector<uint8_t> raw = f.read_exact_vector(n * es, "labels");
    if (!f.at_end()) throw dq::Error(dq::strformat("%s: unexpected data after the last of %zu labels", path.c_str(), n));
    bool sgn = d[1] == 'i';
    std::vector<int32_t> labels(n);
    for (size_t i = 0; i < n; ++i) {
        const uint8_t* p = &raw[i * es];
        uint64_t u = 0;
        for (size_t b = 0; b < es; ++b) u |= uint64_t(p[b]) << (8 * b);
        int64_t v;
        if (sgn && es < 8 && (u >> (8 * es - 1)) & 1) v = int64_t(u | (~uint64_t(0) << (8 * es)));
        else v = int64_t(u);
        if ((!sgn && u > uint64_t(INT32_MAX)) || v < INT32_MIN || v > INT32_MAX)
            throw dq::Error(dq::strformat("%s: label %zu does not fit in 32 bits", path.c_str(), i));
        labels[i] = static_cast<int32_t>(v);
    }
    return labels;
}

}  // namespace dqt
