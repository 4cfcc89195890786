#include "train/checkpoint.h"

#include <cstring>
#include <fstream>
#include <vector>

#include "dq/container.h"
#include "dq/error.h"
#include "util/atomic_file.h"

namespace dqt {

namespace {

// Layout versions of what the two files hold (the container has its own version in its header). A
// reader refuses any other, as it refuses the pre-container files (magics DQTSTAT* / DQTAENC*).
constexpr uint64_t kCheckpointLayout = 1;
constexpr uint64_t kAutoencoderLayout = 1;

// The bytes of `path`, or false when there is no such file (a fresh run). `what` names the kind in the
// errors; a file from before the container format gets a message of its own.
bool read_state_file(const std::string& path, const char* what, const char* old_magic, std::vector<uint8_t>& bytes) {
    if (path.empty() || !std::ifstream(path, std::ios::binary)) return false;
    bytes = read_file(path);
    DQ_CHECK(bytes.size() < 7 || std::memcmp(bytes.data(), old_magic, 7) != 0,
             "'%s' is %s written by an older version of deepquan (before 0.1's container format): delete it and run "
             "again",
             path.c_str(), what);
    return true;
}

// Container errors ("section ENCP: crc32 mismatch", "truncated: ...") with the file and what to do.
template <class F>
auto with_path(const std::string& path, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const dq::FormatError& e) {
        throw dq::Error(dq::strformat("'%s' is corrupt (%s): delete it and run again", path.c_str(), e.what()));
    }
}

void write_networks(dq::ContainerWriter& w, const Autoencoder& ae) {
    w.f32("ENCP", ae.encoder.params());
    w.f32("DECP", ae.decoder.params());
}

// Both networks' parameters, checked against the sizes of the network being trained.
void read_networks(const dq::ContainerReader& r, const std::string& path, Autoencoder& ae) {
    std::vector<float> pe = r.f32("ENCP"), pd = r.f32("DECP");
    DQ_CHECK(pe.size() == ae.encoder.num_params() && pd.size() == ae.decoder.num_params(),
             "'%s' holds networks of %zu + %zu parameters, this one has %zu + %zu", path.c_str(), pe.size(), pd.size(),
             ae.encoder.num_params(), ae.decoder.num_params());
    ae.encoder.params() = std::move(pe);
    ae.decoder.params() = std::move(pd);
}

// An optimizer's state under the four kinds "<p>KD" (sgd | adam), "<p>VL", "<p>AM", "<p>AV";
// its step count goes into the caller's STAT.
void write_optimizer(dq::ContainerWriter& w, const char* p, const Optimizer& o) {
    w.text((std::string(p) + "KD").c_str(), o.kind);
    w.f32((std::string(p) + "VL").c_str(), o.sgd.velocity);
    w.f32((std::string(p) + "AM").c_str(), o.adam.m);
    w.f32((std::string(p) + "AV").c_str(), o.adam.v);
}

void read_optimizer(const dq::ContainerReader& r, const char* p, Optimizer& o) {
    o.kind = r.text((std::string(p) + "KD").c_str());
    DQ_CHECK_FORMAT(o.kind == "sgd" || o.kind == "adam", "optimizer kind '%s'", o.kind.c_str());
    o.sgd.velocity = r.f32((std::string(p) + "VL").c_str());
    o.adam.m = r.f32((std::string(p) + "AM").c_str());
    o.adam.v = r.f32((std::string(p) + "AV").c_str());
}

std::vector<int32_t> to_i32(const std::vector<int>& v) { return std::vector<int32_t>(v.begin(), v.end()); }
std::vector<int> to_int(const std::vector<int32_t>& v) { return std::vector<int>(v.begin(), v.end()); }

void write_log(dq::ContainerWriter& w, const TrainLog& l) {
    w.i32("LPIT", to_i32(l.pretrain_iteration));
    w.f32("LPLS", l.pretrain_loss);
    w.f32("LJ__", l.J);
    w.f32("LR__", l.R);
    w.f32("LHNG", l.hinge_active);
    w.i32("LEIT", to_i32(l.epoch_iteration));
    w.f32("LCWD", l.codeword_distance);
    w.f32("LDST", l.distinct_codes);
    w.f32("LQER", l.quantization_error);
    w.f32("LZNM", l.z_norm);
    w.text("LMSG", l.message);
    w.text("LPCC", l.pretrained_cache);
}

void read_log(const dq::ContainerReader& r, TrainLog& l) {
    l.pretrain_iteration = to_int(r.i32("LPIT"));
    l.pretrain_loss = r.f32("LPLS");
    l.J = r.f32("LJ__");
    l.R = r.f32("LR__");
    l.hinge_active = r.f32("LHNG");
    l.epoch_iteration = to_int(r.i32("LEIT"));
    l.codeword_distance = r.f32("LCWD");
    l.distinct_codes = r.f32("LDST");
    l.quantization_error = r.f32("LQER");
    l.z_norm = r.f32("LZNM");
    l.message = r.text("LMSG");
    l.pretrained_cache = r.text("LPCC");
}

}  // namespace

// STAT: layout, phase, iteration, epoch, random state, position in the epoch's order, epochs logged,
// the two Adam step counts. TIME: pretrain, alternate, K-means and encode seconds, then the run's time.
void save_checkpoint(const std::string& path, uint64_t fingerprint, const TrainState& st, double elapsed_seconds) {
    dq::ContainerWriter w;
    w.u64("STAT", {kCheckpointLayout, uint64_t(st.phase), uint64_t(st.it), uint64_t(st.epoch), st.rng.state,
                   uint64_t(st.perm_pos), uint64_t(st.log.epochs), uint64_t(st.opt_enc.adam.t),
                   uint64_t(st.opt_dec.adam.t)});
    write_networks(w, st.ae);
    write_optimizer(w, "OE", st.opt_enc);
    write_optimizer(w, "OD", st.opt_dec);
    w.u32("PERM", st.perm);
    w.f32("CDBK", st.codebooks);
    w.f32("ZLAT", st.z);
    w.u8("ZSEN", st.z_seen);
    write_log(w, st.log);
    w.f64("TIME", {st.log.pretrain_seconds, st.log.alternate_seconds, st.log.kmeans_seconds, st.log.encode_seconds,
                   elapsed_seconds});
    write_file_atomic(path, w.bytes(dq::StateFile::checkpoint, fingerprint));
}

bool load_checkpoint(const std::string& path, uint64_t fingerprint, TrainState& st) {
    std::vector<uint8_t> bytes;
    if (!read_state_file(path, "a training checkpoint", "DQTSTAT", bytes)) return false;
    return with_path(path, [&] {
        dq::ContainerReader r(dq::StateFile::checkpoint, bytes.data(), bytes.size());
        const std::vector<uint64_t> s = r.u64("STAT");
        DQ_CHECK_FORMAT(s.size() == 9 && s[0] == kCheckpointLayout, "checkpoint layout %llu, this deepquan reads %llu",
                        (unsigned long long)(s.empty() ? 0 : s[0]), (unsigned long long)kCheckpointLayout);
        DQ_CHECK(r.fingerprint() == fingerprint,
                 "checkpoint '%s' belongs to another configuration or dataset; remove it or drop --resume", path.c_str());
        DQ_CHECK_FORMAT(s[1] <= 2 && s[2] <= 1000000000 && s[3] <= 1000000000, "phase %llu, iteration %llu",
                        (unsigned long long)s[1], (unsigned long long)s[2]);
        st.phase = int(s[1]);
        st.it = int(s[2]);
        st.epoch = int(s[3]);
        st.rng.state = s[4];
        st.perm_pos = size_t(s[5]);
        st.log.epochs = int(s[6]);
        read_networks(r, path, st.ae);
        read_optimizer(r, "OE", st.opt_enc);
        read_optimizer(r, "OD", st.opt_dec);
        st.opt_enc.adam.t = int64_t(s[7]);
        st.opt_dec.adam.t = int64_t(s[8]);
        st.perm = r.u32("PERM");
        // An empty order is drawn anew by the phase that continues (the phase boundary clears it).
        DQ_CHECK_FORMAT(st.perm.empty() || st.perm_pos <= st.perm.size(), "position %zu in an order of %zu",
                        st.perm_pos, st.perm.size());
        st.codebooks = r.f32("CDBK");
        st.z = r.f32("ZLAT");
        st.z_seen = r.u8("ZSEN");
        read_log(r, st.log);
        const std::vector<double> t = r.f64("TIME");
        DQ_CHECK_FORMAT(t.size() == 5, "TIME holds %zu values, expected 5", t.size());
        st.log.pretrain_seconds = t[0];
        st.log.alternate_seconds = t[1];
        st.log.kmeans_seconds = t[2];
        st.log.encode_seconds = t[3];
        st.elapsed_before = t[4];
        return true;
    });
}

// The cache holds the autoencoder and the random state right after pretraining, so a run that loads
// it continues exactly as if it had pretrained itself (tests/e2e: byte-identical outputs). A file
// from other settings or another training set is refused, never silently used or overwritten.
// Header fingerprint: the data's. KEY_: the pretraining settings. STAT: layout, random state.
bool load_pretrained(const std::string& path, const std::string& want, uint64_t data_fingerprint, size_t n,
                     size_t dim, TrainState& st) {
    std::vector<uint8_t> bytes;
    if (!read_state_file(path, "a pretrained autoencoder", "DQTAENC", bytes)) return false;
    return with_path(path, [&] {
        dq::ContainerReader r(dq::StateFile::autoencoder, bytes.data(), bytes.size());
        const std::vector<uint64_t> s = r.u64("STAT");
        DQ_CHECK_FORMAT(s.size() == 2 && s[0] == kAutoencoderLayout, "autoencoder layout %llu, this deepquan reads %llu",
                        (unsigned long long)(s.empty() ? 0 : s[0]), (unsigned long long)kAutoencoderLayout);
        const std::string key = r.text("KEY_");
        DQ_CHECK(key == want,
                 "'%s' holds an autoencoder pretrained with other settings (%s; this run: %s): delete it or pass "
                 "another --pretrained path",
                 path.c_str(), key.c_str(), want.c_str());
        DQ_CHECK(r.fingerprint() == data_fingerprint,
                 "'%s' holds an autoencoder pretrained on another training set (this run: %zu images of dimension "
                 "%zu): delete it or pass another --pretrained path",
                 path.c_str(), n, dim);
        st.rng.state = s[1];
        read_networks(r, path, st.ae);
        st.log.pretrain_iteration = to_int(r.i32("LPIT"));
        st.log.pretrain_loss = r.f32("LPLS");
        const std::vector<double> t = r.f64("TIME");
        DQ_CHECK_FORMAT(t.size() == 1, "TIME holds %zu values, expected 1", t.size());
        st.log.pretrain_seconds = t[0];
        return true;
    });
}

void save_pretrained(const std::string& path, const std::string& key, uint64_t data_fingerprint,
                     const TrainState& st) {
    dq::ContainerWriter w;
    w.u64("STAT", {kAutoencoderLayout, st.rng.state});
    w.text("KEY_", key);
    write_networks(w, st.ae);
    w.i32("LPIT", to_i32(st.log.pretrain_iteration));
    w.f32("LPLS", st.log.pretrain_loss);
    w.f64("TIME", {st.log.pretrain_seconds});
    write_file_atomic(path, w.bytes(dq::StateFile::autoencoder, data_fingerprint));
}

}  // namespace dqt
