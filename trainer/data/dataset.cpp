#include "data/dataset.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

#include "dq/error.h"
#include "data/readers.h"

namespace dqt {

namespace {

bool is_dir(const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool is_file(const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The source tree this file was compiled from (CMake passes absolute paths, so __FILE__ is
// <root>/trainer/dataset.cpp): the last fallback for finding data/.
std::string source_root() {
    std::string f = __FILE__;
    for (int up = 0; up < 2; ++up) {
        size_t s = f.find_last_of('/');
        if (s == std::string::npos) return ".";
        f = f.substr(0, s);
    }
    return f.empty() ? "/" : f;
}

}  // namespace

std::string base_name_lower(const std::string& path) {
    size_t s = path.find_last_of('/');
    std::string b = s == std::string::npos ? path : path.substr(s + 1);
    for (char& c : b) c = char(std::tolower(static_cast<unsigned char>(c)));
    return b;
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

dq::InputSpec spec_for_flat(size_t d, bool u8) {
    dq::InputSpec spec;
    auto r = static_cast<uint32_t>(std::lround(std::sqrt(double(d))));
    if (size_t(r) * r == d) {
        spec.height = r;
        spec.width = r;
    } else {
        spec.height = 1;
        spec.width = static_cast<uint32_t>(d);
    }
    spec.channels = 1;
    spec.scale = u8 ? 1.0f / 255.0f : 1.0f;
    return spec;
}

std::unique_ptr<ImageReader> ImageReader::open(const std::string& path) {
    if (!is_file(path)) throw dq::Error("cannot open '" + path + "': no such file");
    std::string b = base_name_lower(path);
    if (ends_with(b, ".gz")) b = b.substr(0, b.size() - 3);
    if (ends_with(b, ".npy")) return open_npy_reader(path);
    if (ends_with(b, ".fvecs")) return open_vecs_reader(path, false);
    if (ends_with(b, ".bvecs")) return open_vecs_reader(path, true);
    if (ends_with(b, ".idx") || b.find("idx") != std::string::npos || ends_with(b, "-ubyte"))
        return open_idx_reader(path);
    throw dq::Error("'" + path +
                    "': unknown image format (expected .idx, *-idx3-ubyte, .npy, .fvecs or .bvecs, "
                    "optionally .gz)");
}

size_t ImageReader::read(size_t max_rows, std::vector<float>& x, std::vector<uint8_t>* pixels) {
    const size_t d = dim();
    // At most kMaxReadBytes of floats per call: a gzip file's header cannot be checked against the
    // file size, so a corrupt count or shape must fail at the end of the real data, not in an
    // allocation of what the header claims (found by fuzzing: 4096 rows of 2^24 values = 256 GiB).
    // Callers loop until 0, so returning fewer rows than asked is within the contract.
    constexpr size_t kMaxReadBytes = size_t(16) << 20;
    const size_t cap = std::max<size_t>(1, kMaxReadBytes / (d * sizeof(float)));
    size_t rows = std::min({max_rows, n_ - pos_, cap});
    x.resize(rows * d);
    if (pixels) pixels->clear();
    if (rows == 0) return 0;
    if (u8_) {
        std::vector<uint8_t> local;
        std::vector<uint8_t>& buf = pixels ? *pixels : local;
        buf.resize(rows * d);
        read_raw(rows, buf.data());
        for (size_t i = 0; i < rows * d; ++i) x[i] = float(buf[i]) * spec_.scale;
    } else {
        read_raw(rows, reinterpret_cast<uint8_t*>(x.data()));
        for (size_t i = 0; i < rows * d; ++i) {
            if (!std::isfinite(x[i]))
                throw dq::Error(dq::strformat("%s: row %zu, column %zu is %s (inputs must be finite)",
                                              path_.c_str(), pos_ + i / d, i % d,
                                              std::isnan(x[i]) ? "NaN" : "infinite"));
        }
    }
    pos_ += rows;
    return rows;
}

std::string data_dir() {
    if (const char* env = std::getenv("DQ_DATA_DIR"); env && *env) return env;
    if (is_dir("data")) return "data";
    return source_root() + "/data";
}

std::string sibling_labels_path(const std::string& images_path) {
    size_t s = images_path.find_last_of('/');
    std::string dir = s == std::string::npos ? "" : images_path.substr(0, s + 1);
    std::string base = s == std::string::npos ? images_path : images_path.substr(s + 1);
    auto replace = [](std::string str, const std::string& from, const std::string& to) {
        size_t p = str.find(from);
        if (p != std::string::npos) str.replace(p, from.size(), to);
        return str;
    };
    std::vector<std::string> candidates;
    if (base.find("images") != std::string::npos)
        candidates.push_back(replace(replace(base, "images", "labels"), "idx3", "idx1"));
    if (base.find("idx3") != std::string::npos) candidates.push_back(replace(base, "idx3", "idx1"));
    for (const auto& c : candidates)
        if (c != base && is_file(dir + c)) return dir + c;
    return "";
}

Dataset read_images(const std::string& path) {
    auto reader = ImageReader::open(path);
    Dataset ds;
    ds.name = path;
    ds.input = reader->input();
    ds.features = reader->is_features();
    ds.n = reader->size();
    ds.dim = reader->dim();
    // Chunked, so that a corrupt count in a compressed file fails at the end of the real data
    // rather than allocating what the header claims.
    std::vector<float> x;
    std::vector<uint8_t> px;
    while (reader->read(4096, x, reader->is_u8() ? &px : nullptr) > 0) {
        ds.x.insert(ds.x.end(), x.begin(), x.end());
        ds.pixels.insert(ds.pixels.end(), px.begin(), px.end());
    }
    return ds;
}

std::vector<int32_t> read_labels(const std::string& path, size_t expected_n) {
    if (!is_file(path)) throw dq::Error("cannot open labels '" + path + "': no such file");
    std::string b = base_name_lower(path);
    if (ends_with(b, ".gz")) b = b.substr(0, b.size() - 3);
    std::vector<int32_t> labels =
        ends_with(b, ".npy") ? read_npy_labels(path) : read_idx_labels(path);
    if (expected_n != 0 && labels.size() != expected_n)
        throw dq::Error(dq::strformat("%s: %zu labels for %zu images", path.c_str(), labels.size(),
                                      expected_n));
    return labels;
}

Dataset load_dataset(const std::string& name_or_path, const std::string& labels_path) {
    std::string images = name_or_path;
    std::string labels = labels_path;
    bool named = name_or_path == "mnist10k" || name_or_path == "fashion70k";
    if (named) {
        std::string dir = data_dir() + "/" + name_or_path;
        images = dir + "/images-idx3-ubyte.gz";
        if (labels.empty()) labels = dir + "/labels-idx1-ubyte.gz";
        if (!is_file(images))
            throw dq::Error("dataset " + name_or_path + ": '" + images +
                            "' not found (run `node scripts/prepare-data.mjs " + name_or_path +
                            "`, or set DQ_DATA_DIR)");
    } else if (!is_file(images)) {
        throw dq::Error("dataset '" + name_or_path +
                        "': no such file (expected mnist10k, fashion70k or a path)");
    }
    Dataset ds = read_images(images);
    if (named) ds.name = name_or_path;
    if (labels.empty()) labels = sibling_labels_path(images);
    if (!labels.empty()) ds.labels = read_labels(labels, ds.n);
    return ds;
}

}  // namespace dqt
