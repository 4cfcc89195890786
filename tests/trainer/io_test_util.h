// Helpers shared by the trainer I/O tests (test_data, test_eval, test_export, test_cli): a
// self-deleting temporary directory, raw file writers, and a small labelled synthetic dataset.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "test_support.h"
#include "dq/model.h"

namespace iotest {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/dqt-test-XXXXXX";
        char* p = mkdtemp(tmpl);
        path = p ? p : "/tmp";
    }
    ~TempDir() {
        if (path.rfind("/tmp/dqt-test-", 0) == 0) {
            std::string cmd = "rm -rf '" + path + "'";
            int r = std::system(cmd.c_str());
            (void)r;
        }
    }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return;
    if (!b.empty()) std::fwrite(b.data(), 1, b.size(), f);
    std::fclose(f);
}

inline std::vector<uint8_t> read_bytes(const std::string& path) { return dqtest::read_file(path); }

/// A .npy file: header for `descr` ('<f4', '|u1', ...) and `shape` ("(3, 2)"), then `data` as given.
inline std::vector<uint8_t> npy(const std::string& descr, const std::string& shape, const std::vector<uint8_t>& data) {
    std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    while ((10 + h.size() + 1) % 64 != 0) h += ' ';
    h += '\n';
    std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + char(h.size() & 0xff) + char(h.size() >> 8) + h;
    std::vector<uint8_t> v(bytes.begin(), bytes.end());
    v.insert(v.end(), data.begin(), data.end());
    return v;
}

template <class T>
std::vector<uint8_t> as_bytes(const std::vector<T>& v) {
    std::vector<uint8_t> b(v.size() * sizeof(T));
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

inline void put_be32(std::vector<uint8_t>& v, uint32_t x) {
    v.push_back(uint8_t(x >> 24));
    v.push_back(uint8_t(x >> 16));
    v.push_back(uint8_t(x >> 8));
    v.push_back(uint8_t(x));
}

/// Uncompressed idx3 u8 file bytes.
inline std::vector<uint8_t> idx3(const std::vector<uint8_t>& px, uint32_t n, uint32_t h, uint32_t w) {
    std::vector<uint8_t> v;
    put_be32(v, 0x00000803);
    put_be32(v, n);
    put_be32(v, h);
    put_be32(v, w);
    v.insert(v.end(), px.begin(), px.end());
    return v;
}

inline std::vector<uint8_t> idx1(const std::vector<uint8_t>& labels) {
    std::vector<uint8_t> v;
    put_be32(v, 0x00000801);
    put_be32(v, uint32_t(labels.size()));
    v.insert(v.end(), labels.begin(), labels.end());
    return v;
}

/// `classes` classes of `per_class` h×w u8 images: class c is a bright c-th block plus seeded noise,
/// so that L2 neighbours mostly share the label. Rows interleave the classes.
inline dqt::Dataset blobs(size_t classes, size_t per_class, uint32_t h, uint32_t w, uint64_t seed) {
    dqt::Dataset ds;
    ds.name = "blobs";
    ds.input.height = h;
    ds.input.width = w;
    ds.input.channels = 1;
    ds.n = classes * per_class;
    ds.dim = size_t(h) * w;
    dqt::SplitMix64 rng(seed);
    ds.pixels.resize(ds.n * ds.dim);
    ds.labels.resize(ds.n);
    for (size_t i = 0; i < ds.n; ++i) {
        size_t c = i % classes;
        ds.labels[i] = int32_t(c);
        for (size_t j = 0; j < ds.dim; ++j) {
            bool on = (j * classes / ds.dim) == c;
            double v = (on ? 170.0 : 40.0) + 60.0 * rng.normal();
            ds.pixels[i * ds.dim + j] = uint8_t(std::min(255.0, std::max(0.0, v)));
        }
    }
    ds.x.resize(ds.pixels.size());
    for (size_t i = 0; i < ds.x.size(); ++i) ds.x[i] = float(ds.pixels[i]) / 255.0f;
    return ds;
}

/// A small random model: input h×w×1, layers (h*w) -> 12 (relu) -> M*dsub (linear), K codewords per
/// subspace. Seeded; no training (tests of formats, encoding and search only need a valid model).
inline dq::Model tiny_model(uint32_t h, uint32_t w, uint32_t M, uint32_t K, uint32_t dsub, uint64_t seed) {
    dqt::SplitMix64 rng(seed);
    dq::Model m;
    m.input.height = h;
    m.input.width = w;
    m.input.channels = 1;
    const uint32_t dims[3] = {h * w, 12, M * dsub};
    for (int l = 0; l < 2; ++l) {
        dq::DenseLayer L;
        L.in = dims[l];
        L.out = dims[l + 1];
        L.act = l == 0 ? dq::Activation::relu : dq::Activation::linear;
        L.weight.resize(size_t(L.in) * L.out);
        L.bias.resize(L.out);
        for (float& v : L.weight) v = float(rng.normal() * 0.4);
        for (float& v : L.bias) v = float(rng.normal() * 0.1);
        m.layers.push_back(std::move(L));
    }
    m.M = M;
    m.K = K;
    m.dsub = dsub;
    m.codebooks.resize(size_t(M) * K * dsub);
    for (float& v : m.codebooks) v = float(rng.normal());
    m.meta_json = "{\"test\": true}";
    return m;
}

#ifdef DQ_TRAINER_BIN
/// What a run of the deepquan binary gave: exit status (128 + signal when killed), stdout, stderr.
struct Run {
    int status = -1;
    std::string out, err;
};

/// Runs `deepquan ARGS` (args are shell words, quoted by the caller) with stdout and stderr captured
/// in files of `dir` and no stdin.
inline Run run(const TempDir& dir, const std::string& args) {
    std::string cmd = std::string("'") + DQ_TRAINER_BIN + "' " + args + " > '" + (dir / "stdout") + "' 2> '" +
                      (dir / "stderr") + "' < /dev/null";
    int raw = std::system(cmd.c_str());
    Run r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    auto o = read_bytes(dir / "stdout"), e = read_bytes(dir / "stderr");
    r.out.assign(o.begin(), o.end());
    r.err.assign(e.begin(), e.end());
    return r;
}
#endif

}  // namespace iotest
