#include "train/checkpoint.h"

#include <cstring>
#include <fstream>
#include <vector>

#include "dq/error.h"
#include "dq/format.h"
#include "util/atomic_file.h"

namespace dqt {

namespace {

struct Writer {
    std::vector<uint8_t> b;
    template <class T>
    void pod(const T& v) {
        const uint8_t* p = reinterpret_cast<const uint8_t*>(&v);
        b.insert(b.end(), p, p + sizeof(T));
    }
    template <class T>
    void vec(const std::vector<T>& v) {
        pod(uint64_t(v.size()));
        const uint8_t* p = reinterpret_cast<const uint8_t*>(v.data());
        b.insert(b.end(), p, p + v.size() * sizeof(T));
    }
    void str(const std::string& s) {
        pod(uint64_t(s.size()));
        b.insert(b.end(), s.begin(), s.end());
    }
    // Appends the CRC-32 of everything written so far; read_tagged checks it, so a flipped byte in
    // stored weights is refused instead of silently trained on.
    void seal() { pod(dq::crc32(b.data(), b.size())); }
};

struct Reader {
    const std::vector<uint8_t>& b;
    size_t pos = 0;
    std::string path;
    void need(size_t n) {
        DQ_CHECK(n <= b.size() - pos, "'%s' is truncated: needs %zu bytes at offset %zu, %zu left",
                 path.c_str(), n, pos, b.size() - pos);
    }
    template <class T>
    T pod() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, b.data() + pos, sizeof(T));
        pos += sizeof(T);
        return v;
    }
    template <class T>
    std::vector<T> vec() {
        uint64_t n = pod<uint64_t>();
        DQ_CHECK(n <= (b.size() - pos) / sizeof(T), "'%s' is corrupt: a vector of %llu elements at offset %zu",
                 path.c_str(), (unsigned long long)n, pos);
        std::vector<T> v(n);
        if (n) std::memcpy(v.data(), b.data() + pos, n * sizeof(T));  // data() of an empty vector may be null
        pos += n * sizeof(T);
        return v;
    }
    std::string str() {
        auto v = vec<char>();
        return std::string(v.begin(), v.end());
    }
};

// The bytes of a checkpoint-style file (8-byte magic, then Writer fields, then Writer::seal's CRC),
// without the CRC and with pos just past the magic; false when there is no such file (a fresh run).
// `what` names the kind of file in the error.
bool read_tagged(const std::string& path, const char* magic, const char* what, std::vector<uint8_t>& bytes,
                 size_t& pos) {
    if (path.empty() || !std::ifstream(path, std::ios::binary)) return false;
    bytes = read_file(path);
    DQ_CHECK(bytes.size() >= 12 && std::memcmp(bytes.data(), magic, 8) == 0,
             "'%s' is not %s of this version of deepquan", path.c_str(), what);
    uint32_t stored;
    std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
    bytes.resize(bytes.size() - 4);
    DQ_CHECK(stored == dq::crc32(bytes.data(), bytes.size()),
             "'%s' is corrupt (checksum mismatch): delete it and run again", path.c_str());
    pos = 8;
    return true;
}

// Both networks' parameters, checked against the sizes of the network being trained.
void read_networks(Reader& r, Autoencoder& ae) {
    std::vector<float> pe = r.vec<float>(), pd = r.vec<float>();
    DQ_CHECK(pe.size() == ae.encoder.num_params() && pd.size() == ae.decoder.num_params(),
             "'%s' holds networks of %zu + %zu parameters, this one has %zu + %zu", r.path.c_str(), pe.size(),
             pd.size(), ae.encoder.num_params(), ae.decoder.num_params());
    ae.encoder.params() = std::move(pe);
    ae.decoder.params() = std::move(pd);
}

void write_optimizer(Writer& w, const Optimizer& o) {
    w.str(o.kind);
    w.vec(o.sgd.velocity);
    w.vec(o.adam.m);
    w.vec(o.adam.v);
    w.pod(o.adam.t);
}

void read_optimizer(Reader& r, Optimizer& o) {
    o.kind = r.str();
    o.sgd.velocity = r.vec<float>();
    o.adam.m = r.vec<float>();
    o.adam.v = r.vec<float>();
    o.adam.t = r.pod<int64_t>();
}

void write_log(Writer& w, const TrainLog& l) {
    w.vec(l.pretrain_iteration);
    w.vec(l.pretrain_loss);
    w.vec(l.J);
    w.vec(l.R);
    w.vec(l.hinge_active);
    w.vec(l.epoch_iteration);
    w.vec(l.codeword_distance);
    w.vec(l.distinct_codes);
    w.vec(l.quantization_error);
    w.vec(l.z_norm);
    w.pod(l.epochs);
    w.pod(l.pretrain_seconds);
    w.pod(l.alternate_seconds);
    w.pod(l.kmeans_seconds);
    w.pod(l.encode_seconds);
    w.str(l.message);
    w.str(l.pretrained_cache);
}

void read_log(Reader& r, TrainLog& l) {
    l.pretrain_iteration = r.vec<int>();
    l.pretrain_loss = r.vec<float>();
    l.J = r.vec<float>();
    l.R = r.vec<float>();
    l.hinge_active = r.vec<float>();
    l.epoch_iteration = r.vec<int>();
    l.codeword_distance = r.vec<float>();
    l.distinct_codes = r.vec<float>();
    l.quantization_error = r.vec<float>();
    l.z_norm = r.vec<float>();
    l.epochs = r.pod<int>();
    l.pretrain_seconds = r.pod<double>();
    l.alternate_seconds = r.pod<double>();
    l.kmeans_seconds = r.pod<double>();
    l.encode_seconds = r.pod<double>();
    l.message = r.str();
    l.pretrained_cache = r.str();
}

// 6: ae_mean_baseline (never set) dropped; 5: the epoch's latent vectors and which images they cover;
// 3: CRC-sealed, log has pretrained_cache
constexpr char kCkptMagic[8] = {'D', 'Q', 'T', 'S', 'T', 'A', 'T', '6'};
// 2: CRC-sealed, keyed by the pretraining settings and data, carries the random state
constexpr char kAeMagic[8] = {'D', 'Q', 'T', 'A', 'E', 'N', 'C', '2'};

}  // namespace

void save_checkpoint(const std::string& path, uint64_t fingerprint, const TrainState& st, double elapsed_seconds) {
    Writer w;
    w.b.insert(w.b.end(), kCkptMagic, kCkptMagic + 8);
    w.pod(fingerprint);
    w.pod(st.phase);
    w.pod(st.it);
    w.pod(st.epoch);
    w.vec(st.ae.encoder.params());
    w.vec(st.ae.decoder.params());
    write_optimizer(w, st.opt_enc);
    write_optimizer(w, st.opt_dec);
    w.pod(st.rng.state);
    w.vec(st.perm);
    w.pod(uint64_t(st.perm_pos));
    w.vec(st.codebooks);
    w.vec(st.z);
    w.vec(st.z_seen);
    write_log(w, st.log);
    w.pod(elapsed_seconds);
    w.seal();
    write_file_atomic(path, w.b);
}

bool load_checkpoint(const std::string& path, uint64_t fingerprint, TrainState& st) {
    std::vector<uint8_t> bytes;
    size_t pos = 0;
    if (!read_tagged(path, kCkptMagic, "a DeepQuan training checkpoint", bytes, pos)) return false;
    Reader r{bytes, pos, path};
    DQ_CHECK(r.pod<uint64_t>() == fingerprint,
             "checkpoint '%s' belongs to another configuration or dataset; remove it or drop --resume", path.c_str());
    st.phase = r.pod<int>();
    st.it = r.pod<int>();
    st.epoch = r.pod<int>();
    read_networks(r, st.ae);
    read_optimizer(r, st.opt_enc);
    read_optimizer(r, st.opt_dec);
    st.rng.state = r.pod<uint64_t>();
    st.perm = r.vec<uint32_t>();
    st.perm_pos = size_t(r.pod<uint64_t>());
    st.codebooks = r.vec<float>();
    st.z = r.vec<float>();
    st.z_seen = r.vec<uint8_t>();
    read_log(r, st.log);
    st.elapsed_before = r.pod<double>();
    return true;
}

// The cache holds the autoencoder and the random state right after pretraining, so a run that loads
// it continues exactly as if it had pretrained itself (tests/e2e: byte-identical outputs). A file
// from other settings or another training set is refused, never silently used or overwritten.
bool load_pretrained(const std::string& path, const std::string& want, uint64_t data_fingerprint, size_t n,
                     size_t dim, TrainState& st) {
    std::vector<uint8_t> bytes;
    size_t pos = 0;
    if (!read_tagged(path, kAeMagic, "a pretrained DeepQuan autoencoder", bytes, pos)) return false;
    Reader r{bytes, pos, path};
    const std::string key = r.str();
    DQ_CHECK(key == want,
             "'%s' holds an autoencoder pretrained with other settings (%s; this run: %s): delete it or pass "
             "another --pretrained path",
             path.c_str(), key.c_str(), want.c_str());
    DQ_CHECK(r.pod<uint64_t>() == data_fingerprint,
             "'%s' holds an autoencoder pretrained on another training set (this run: %zu images of dimension %zu): "
             "delete it or pass another --pretrained path",
             path.c_str(), n, dim);
    st.rng.state = r.pod<uint64_t>();
    read_networks(r, st.ae);
    st.log.pretrain_iteration = r.vec<int>();
    st.log.pretrain_loss = r.vec<float>();
    st.log.pretrain_seconds = r.pod<double>();
    DQ_CHECK(r.pos == bytes.size(), "'%s' is corrupt: %zu bytes after its last field", path.c_str(), bytes.size() - r.pos);
    return true;
}

void save_pretrained(const std::string& path, const std::string& key, uint64_t data_fingerprint,
                     const TrainState& st) {
    Writer w;
    w.b.insert(w.b.end(), kAeMagic, kAeMagic + 8);
    w.str(key);
    w.pod(data_fingerprint);
    w.pod(st.rng.state);
    w.vec(st.ae.encoder.params());
    w.vec(st.ae.decoder.params());
    w.vec(st.log.pretrain_iteration);
    w.vec(st.log.pretrain_loss);
    w.pod(st.log.pretrain_seconds);
    w.seal();
    write_file_atomic(path, w.b);
}

}  // namespace dqt
