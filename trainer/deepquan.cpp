#include "deepquan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "atomic_file.h"
#include "autoencoder.h"
#include "dq/encoder.h"
#include "dq/pq.h"
#include "dq/error.h"
#include "dq/format.h"
#include "json.h"
#include "kmeans.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace dqt {

namespace {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ---- Settings: the config with every `automatic` knob resolved ---------------------------------

struct Settings {
    std::string variant;
    bool pretrain_only = false;
    bool quad = false;
    bool squared = false;
    bool reassign = false;
    bool fresh_epoch_z = false;
    bool r_mean = false;
    float s = 1, lambda = 0.1f, eta = 1, quad_weight = 0;
    std::string lr_schedule = "constant";
    float grad_clip = 0;
    int iterations = 0, pretrain_iterations = 0;
    size_t batch = 512, pretrain_batch = 256;
    std::string optimizer = "sgd";
    float lr = 0.01f, momentum = 0.9f;
    std::string pretrain_optimizer = "adam";
    bool pretrain_r_mean = false;
    float pretrain_lr = 1e-3f;
    float pretrain_noise = 0;
    float z_scale = 0;
    int kmeans_iters = 20;
    uint32_t M = 0, K = 256, dsub = 16;
    std::vector<uint32_t> hidden;
    uint64_t seed = 0;

    std::string json() const {
        JsonWriter j;
        j.begin_object();
        j.kv("variant", variant).kv("objective", pretrain_only ? "none" : quad ? "quad (Eq. 1)" : "triplet (Eq. 2)");
        j.kv("squared_distances", squared).kv("reassign_each_batch", reassign);
        j.kv("epoch_kmeans_on", fresh_epoch_z ? "re-encoded training set" : "the epoch's own forward passes");
        j.kv("r_mean_over_pixels", r_mean).kv("quad_weight", quad_weight);
        j.kv("s", s).kv("lambda", lambda).kv("eta", eta);
        j.kv("iterations", iterations).kv("batch", batch).kv("optimizer", optimizer).kv("lr", lr);
        j.kv("momentum", momentum).kv("lr_schedule", lr_schedule).kv("grad_clip", grad_clip);
        j.kv("pretrain_iterations", pretrain_iterations).kv("pretrain_batch", pretrain_batch);
        j.kv("pretrain_optimizer", pretrain_optimizer).kv("pretrain_lr", pretrain_lr);
        j.kv("pretrain_r_mean_over_pixels", pretrain_r_mean).kv("pretrain_noise", pretrain_noise);
        j.kv("z_scale", z_scale).kv("kmeans_iters", kmeans_iters);
        j.kv("M", M).kv("K", K).kv("dsub", dsub);
        j.key("hidden").array(hidden);
        j.kv("seed", seed);
        j.end_object();
        std::string out = j.str();
        while (!out.empty() && out.back() == '\n') out.pop_back();
        return out;
    }

    // Everything pretraining depends on besides the data, and nothing else: every variant with the
    // same key starts its alternating phase from the same autoencoder, so they can share a cached one.
    // The shortest decimal that reads back as exactly this float (0.001f prints as 0.001, not
    // 0.00100000005), so the key is readable and still tells any two values apart.
    static std::string exact(float v) {
        for (int digits = 6;; ++digits) {
            std::string t = dq::strformat("%.*g", digits, double(v));
            if (digits >= 9 || std::strtof(t.c_str(), nullptr) == v) return t;
        }
    }

    std::string pretrain_key() const {
        std::string h;
        for (uint32_t w : hidden) h += (h.empty() ? "" : "-") + std::to_string(w);
        std::string k = dq::strformat("seed %llu, hidden %s, latent %u, %d iterations of batch %zu, %s lr %s",
                                      (unsigned long long)seed, h.c_str(), M * dsub, pretrain_iterations,
                                      pretrain_batch, pretrain_optimizer.c_str(), exact(pretrain_lr).c_str());
        if (pretrain_optimizer == "sgd") k += " momentum " + exact(momentum);
        if (pretrain_r_mean) k += ", R averaged over pixels";
        if (pretrain_noise > 0) k += ", input dropout " + exact(pretrain_noise);
        return k;
    }
};

// The shipped variant's schedule and objective, chosen on validation queries drawn from the gallery
// (results/method-experiments.md); the test queries never took part.
// Alternating iterations by number of subspaces, where the validation curves peak (round 5 of
// results/method-experiments.md): 8 and 16 bits keep gaining up to about 800, 32 and 64 bits peak near
// 200 and then slowly lose. The codebooks move once per epoch, so a large training set needs a floor in
// epochs: fashion70k's 200 iterations are 1.5 epochs, one codebook update, and its validation curves
// still rise at 6 epochs at 16, 32 and 64 bits (round 6). mnist10k's peaks lie above the floor (200
// iterations are 11 epochs there), so the floor leaves them alone. The CLI raises fashion70k's floor to its
// own validated length (TrainConfig::min_epochs, cli_train.cpp).
constexpr int kOursMinEpochs = 6;
int ours_iterations(uint32_t M, size_t n, size_t batch, int min_epochs) {
    const int by_length = M <= 2 ? 800 : 200;
    const size_t floor = (size_t(min_epochs >= 0 ? min_epochs : kOursMinEpochs) * n + batch - 1) / batch;
    return int(std::min<size_t>(std::max<size_t>(by_length, floor), 1000000));
}
// Weight of R (Eq. 4). The paper's MNIST value, 1, measured against 0.5 / 0.25 / 0.1 / 0.05 / 0 after the
// denoising change (round 5): 0.1 is best at 8, 16, 32 and 64 bits (+1.6 to +3 validation MAP) and on
// fashion70k; 0 peaks within 100 iterations and then falls, as the paper's argument for R predicts.
constexpr float kOursEta = 0.1f;
constexpr float kOursQuadWeight = 0.0f;
constexpr float kOursAdamLr = 3e-4f;
// After pretraining z is rescaled so that its mean squared norm is 64 (RMS per dimension sqrt(64 / L):
// 1.41 / 1 / 0.71 at 16 / 32 / 64 bits; Adam pretraining leaves ~0.45). With squared distances the
// margin s and lambda act on ||z||^2-sized quantities, so the norm, not the per-dimension RMS, is what
// must stay fixed across bit lengths: a per-dimension RMS of 1 helped at 32 bits and hurt at 64.
constexpr double kOursZNorm2 = 64.0;
constexpr float kSgdPretrainLr = 0.05f;  // with R averaged over pixels
// Denoising pretraining for every variant (the pretraining is the shared first stage; the paper follows
// Xie et al. 2016, whose autoencoder is a stacked denoising one). Input dropout measured on validation
// queries (results/method-experiments.md, round 4): mnist10k is best at 0.6 and fashion70k at 0.2, and
// they lose at each other's value; 0.4 gains on both, so it is the default for other data. The CLI
// applies the two datasets' own values (cli_train.cpp).
constexpr float kPretrainNoise = 0.4f;

bool pick(Toggle t, bool automatic) { return t == Toggle::automatic ? automatic : t == Toggle::on; }

Settings resolve(const TrainConfig& c, size_t n) {
    static const char* const variants[] = {"deepquan", "paper", "quad", "wtps", "daepq"};
    bool known = false;
    for (const char* v : variants) known = known || c.variant == v;
    DQ_CHECK(known, "unknown variant '%s' (expected deepquan, paper, quad, wtps or daepq)", c.variant.c_str());
    DQ_CHECK(c.bits >= 8 && c.bits % 8 == 0 && c.bits <= 8 * 1024,
             "bits must be a positive multiple of 8 (8 bits per subspace), got %u", c.bits);
    DQ_CHECK(c.K == 256 || c.K == 16, "K must be 256 or 16, got %u", c.K);
    DQ_CHECK(c.dsub >= 1, "dsub must be at least 1");
    DQ_CHECK(c.iterations >= -1, "iterations must be >= 0 (or -1 for the variant's default), got %d", c.iterations);
    DQ_CHECK(c.batch >= 1 && c.pretrain_batch >= 1, "batch sizes must be >= 1");
    DQ_CHECK(std::isfinite(c.s) && std::isfinite(c.lambda) && std::isfinite(c.eta) && (c.eta >= 0 || c.eta == -1),
             "s, lambda and eta must be finite (eta >= 0, or -1 for automatic), got s = %g, lambda = %g, eta = %g", c.s,
             c.lambda, c.eta);
    DQ_CHECK(std::isfinite(c.lr) && (c.lr > 0 || c.lr == -1), "lr must be positive (or -1 for automatic), got %g", c.lr);
    DQ_CHECK(std::isfinite(c.grad_clip) && (c.grad_clip >= 0 || c.grad_clip == -1),
             "grad_clip must be >= 0 (or -1 for automatic), got %g", c.grad_clip);
    DQ_CHECK(std::isfinite(c.quad_weight) && (c.quad_weight >= 0 || c.quad_weight == -1),
             "quad_weight must be >= 0 (or -1 for automatic), got %g", c.quad_weight);
    DQ_CHECK(c.kmeans_iters >= 1, "kmeans_iters must be >= 1, got %d", c.kmeans_iters);
    Settings s;
    s.variant = c.variant;
    s.seed = c.seed;
    s.hidden = c.hidden;
    s.K = c.K;
    s.dsub = c.dsub;
    s.M = c.K == 256 ? c.bits / 8 : c.bits / 4;
    DQ_CHECK(n >= s.K, "training set has %zu images, fewer than the K = %u codewords of a subspace", n, s.K);
    const bool ours = c.variant == "deepquan";
    s.pretrain_only = c.variant == "daepq";
    s.quad = c.variant == "quad";
    s.s = c.s;
    s.lambda = c.lambda;
    s.eta = (c.variant == "quad" || c.variant == "wtps") ? 0.0f : c.eta >= 0 ? c.eta : ours ? kOursEta : 1.0f;
    s.iterations = s.pretrain_only ? 0 : c.iterations >= 0 ? c.iterations : ours ? ours_iterations(s.M, n, std::min(c.batch, n), c.min_epochs) : 3500;
    s.batch = std::min(c.batch, n);
    s.pretrain_batch = std::min(c.pretrain_batch, n);
    s.squared = pick(c.squared, ours);
    s.reassign = pick(c.reassign, false);
    s.fresh_epoch_z = pick(c.fresh_epoch_z, false);
    s.r_mean = pick(c.r_mean, !ours);
    s.quad_weight = s.quad ? 0.0f : c.quad_weight >= 0 ? c.quad_weight : ours ? kOursQuadWeight : 0.0f;
    s.lr_schedule = !c.lr_schedule.empty() ? c.lr_schedule : "constant";
    DQ_CHECK(s.lr_schedule == "constant" || s.lr_schedule == "cosine", "lr_schedule must be constant or cosine, got '%s'",
             s.lr_schedule.c_str());
    s.grad_clip = c.grad_clip >= 0 ? c.grad_clip : 0.0f;
    s.optimizer = !c.optimizer.empty() ? c.optimizer : ours ? "adam" : "sgd";
    DQ_CHECK(s.optimizer == "sgd" || s.optimizer == "adam", "optimizer must be sgd or adam, got '%s'",
             s.optimizer.c_str());
    s.lr = s.optimizer == "adam" ? (c.adam_lr > 0 ? c.adam_lr : c.lr > 0 ? c.lr : kOursAdamLr) : (c.lr > 0 ? c.lr : 0.01f);
    s.momentum = c.momentum;
    s.pretrain_optimizer = !c.pretrain_optimizer.empty() ? c.pretrain_optimizer : "adam";
    DQ_CHECK(s.pretrain_optimizer == "sgd" || s.pretrain_optimizer == "adam",
             "pretrain optimizer must be sgd or adam, got '%s'", s.pretrain_optimizer.c_str());
    // SGD pretraining averages R over pixels for the same reason as the SGD variants' r_mean: the summed R
    // is ~800x sharper, so an SGD step size meaningful for the mean diverges on the sum. Adam does not care.
    s.pretrain_r_mean = s.pretrain_optimizer == "sgd";
    s.pretrain_lr = c.pretrain_lr > 0 ? c.pretrain_lr : (s.pretrain_optimizer == "adam" ? 1e-3f : kSgdPretrainLr);
    s.pretrain_iterations = c.pretrain_iterations >= 0 ? c.pretrain_iterations : 4000;
    DQ_CHECK(c.pretrain_noise < 1, "pretrain noise must be in [0, 1), got %g", double(c.pretrain_noise));
    s.pretrain_noise = c.pretrain_noise >= 0 ? c.pretrain_noise : kPretrainNoise;
    s.z_scale = c.z_scale >= 0 ? c.z_scale : ours ? float(std::sqrt(kOursZNorm2 / double(s.M * s.dsub))) : 0.0f;
    s.kmeans_iters = c.kmeans_iters;
    return s;
}

// ---- Helpers over whole datasets ----------------------------------------------------------------

void gather(const Dataset& ds, const uint32_t* idx, size_t n, Mat& x) {
    x.resize(Eigen::Index(n), Eigen::Index(ds.dim));
    for (size_t i = 0; i < n; ++i) std::memcpy(x.row(Eigen::Index(i)).data(), ds.row(idx[i]), ds.dim * sizeof(float));
}

void shuffle(std::vector<uint32_t>& p, SplitMix64& rng) {
    for (size_t i = p.size(); i > 1; --i) std::swap(p[i - 1], p[size_t(rng.below(i))]);
}

bool all_finite(const float* p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (!std::isfinite(p[i])) return false;
    return true;
}

// Mean (plain) distance between the codewords of a subspace, averaged over subspaces: Fig. 2a.
double mean_codeword_distance(const std::vector<float>& cb, uint32_t M, uint32_t K, uint32_t dsub) {
    double total = 0;
    for (uint32_t m = 0; m < M; ++m) {
        const float* c = cb.data() + size_t(m) * K * dsub;
        double sum = 0;
        for (uint32_t a = 0; a < K; ++a)
            for (uint32_t b = a + 1; b < K; ++b) sum += std::sqrt(double(dq::l2sqr(c + a * dsub, c + b * dsub, dsub)));
        total += sum / (double(K) * (K - 1) / 2);
    }
    return total / M;
}

double distinct_fraction(const std::vector<uint8_t>& codes, size_t n, size_t M) {
    std::vector<uint64_t> h(n);
    for (size_t i = 0; i < n; ++i) {
        uint64_t x = 1469598103934665603ULL;
        for (size_t m = 0; m < M; ++m) x = (x ^ codes[i * M + m]) * 1099511628211ULL;
        h[i] = x;
    }
    std::sort(h.begin(), h.end());
    return double(std::unique(h.begin(), h.end()) - h.begin()) / double(n);
}

// How many distinct codes n images can take with M subspaces of K codewords: min(n, K^M). Training has
// collapsed when fewer than 1 % of that many are in use (DAE-PQ starts near the ceiling on every
// dataset we have); the image count alone is the wrong yardstick: 8-bit codes on 69,000 images can
// never number more than 256, 0.37 % of them.
double code_ceiling(size_t n, size_t K, size_t M) { return std::min(double(n), std::pow(double(K), double(M))); }
bool too_few_codes(double distinct_fraction, size_t n, double ceiling) {
    return distinct_fraction * double(n) < 0.01 * ceiling;
}

double mean_sq_norm(const std::vector<float>& z, size_t n, size_t L) {
    double s = 0;
    for (size_t i = 0; i < n * L; ++i) s += double(z[i]) * z[i];
    return s / double(n);
}

// ---- Checkpoint bytes ---------------------------------------------------------------------------

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

// 4: the epoch's latent vectors and which images they cover; 3: CRC-sealed, log has pretrained_cache
constexpr char kCkptMagic[8] = {'D', 'Q', 'T', 'S', 'T', 'A', 'T', '5'};
// 2: CRC-sealed, keyed by the pretraining settings and data, carries the random state
constexpr char kAeMagic[8] = {'D', 'Q', 'T', 'A', 'E', 'N', 'C', '2'};

uint64_t fnv(const void* data, size_t n, uint64_t h = 1469598103934665603ULL) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

// ---- The trainer --------------------------------------------------------------------------------

class Trainer {
public:
    Trainer(const TrainConfig& cfg, const Dataset& ds) : cfg_(cfg), ds_(ds), st_(resolve(cfg, ds.n)), rng_(0) {}
    TrainResult run();

private:
    // Phases. Each resumes from it_ (iterations done in the phase).
    void pretrain();
    void rescale_latent();
    void alternate();
    dq::Model finish();

    void epoch_start();
    void check_guards();
    void progress(const char* phase, int it, int total, int epoch, double loss, double J, double R, bool force);
    void save_checkpoint();
    bool load_checkpoint();
    bool load_pretrained();
    void save_pretrained();
    uint64_t fingerprint() const;
    uint64_t data_fingerprint() const;
    dq::Model current_model() const;
    float scheduled_lr(int it) const;

    const TrainConfig& cfg_;
    const Dataset& ds_;
    Settings st_;
    Autoencoder ae_;
    Optimizer opt_enc_, opt_dec_;
    SplitMix64 rng_;
    TrainLog log_;

    int phase_ = 0;   // 0 pretrain, 1 alternating, 2 done
    int it_ = 0;      // iterations done in the current phase
    int epoch_ = 0;   // epochs started in the current phase
    std::vector<uint32_t> perm_;
    size_t perm_pos_ = 0;
    std::vector<float> codebooks_;   // M × K × dsub (empty before the first K-means)
    std::vector<uint8_t> assign_;    // n × M, this epoch's K-means assignment
    std::vector<float> z_;           // n × L: the latent vectors the next K-means runs on
    std::vector<uint8_t> z_seen_;    // n: 1 where z_ holds the image's z from this epoch's forward pass
    double t_start_ = 0, elapsed_before_ = 0;
    int last_ckpt_it_ = 0, last_snapshot_it_ = -1;
    double t_pre_iter_ = 0, t_alt_iter_ = 0;
    double ae_mean_baseline_ = 0;
};

uint64_t Trainer::data_fingerprint() const {
    uint64_t h = fnv(&ds_.n, sizeof ds_.n);
    h = fnv(&ds_.dim, sizeof ds_.dim, h);
    return fnv(ds_.x.data(), ds_.x.size() * sizeof(float), h);
}

uint64_t Trainer::fingerprint() const {
    std::string s = st_.json();
    const uint64_t d = data_fingerprint();
    return fnv(&d, sizeof d, fnv(s.data(), s.size()));
}

void Trainer::save_checkpoint() {
    if (cfg_.checkpoint_path.empty()) return;
    Writer w;
    w.b.insert(w.b.end(), kCkptMagic, kCkptMagic + 8);
    w.pod(fingerprint());
    w.pod(phase_);
    w.pod(it_);
    w.pod(epoch_);
    w.vec(ae_.encoder.params());
    w.vec(ae_.decoder.params());
    write_optimizer(w, opt_enc_);
    write_optimizer(w, opt_dec_);
    w.pod(rng_.state);
    w.vec(perm_);
    w.pod(uint64_t(perm_pos_));
    w.vec(codebooks_);
    w.vec(z_);
    w.vec(z_seen_);
    write_log(w, log_);
    w.pod(elapsed_before_ + (now_seconds() - t_start_));
    w.pod(ae_mean_baseline_);
    w.seal();
    write_file_atomic(cfg_.checkpoint_path, w.b);
    last_ckpt_it_ = it_;
}

bool Trainer::load_checkpoint() {
    if (!cfg_.resume) return false;
    std::vector<uint8_t> bytes;
    size_t pos = 0;
    if (!read_tagged(cfg_.checkpoint_path, kCkptMagic, "a DeepQuan training checkpoint", bytes, pos)) return false;
    Reader r{bytes, pos, cfg_.checkpoint_path};
    DQ_CHECK(r.pod<uint64_t>() == fingerprint(),
             "checkpoint '%s' belongs to another configuration or dataset; remove it or drop --resume",
             cfg_.checkpoint_path.c_str());
    phase_ = r.pod<int>();
    it_ = r.pod<int>();
    epoch_ = r.pod<int>();
    read_networks(r, ae_);
    read_optimizer(r, opt_enc_);
    read_optimizer(r, opt_dec_);
    rng_.state = r.pod<uint64_t>();
    perm_ = r.vec<uint32_t>();
    perm_pos_ = size_t(r.pod<uint64_t>());
    codebooks_ = r.vec<float>();
    z_ = r.vec<float>();
    z_seen_ = r.vec<uint8_t>();
    read_log(r, log_);
    elapsed_before_ = r.pod<double>();
    ae_mean_baseline_ = r.pod<double>();
    last_ckpt_it_ = it_;
    return true;
}

// The cache holds the autoencoder and the random state right after pretraining, so a run that loads
// it continues exactly as if it had pretrained itself (tests/e2e: byte-identical outputs). A file
// from other settings or another training set is refused, never silently used or overwritten.
bool Trainer::load_pretrained() {
    std::vector<uint8_t> bytes;
    size_t pos = 0;
    if (!read_tagged(cfg_.pretrained_path, kAeMagic, "a pretrained DeepQuan autoencoder", bytes, pos)) return false;
    Reader r{bytes, pos, cfg_.pretrained_path};
    const std::string key = r.str(), want = st_.pretrain_key();
    DQ_CHECK(key == want,
             "'%s' holds an autoencoder pretrained with other settings (%s; this run: %s): delete it or pass "
             "another --pretrained path",
             cfg_.pretrained_path.c_str(), key.c_str(), want.c_str());
    DQ_CHECK(r.pod<uint64_t>() == data_fingerprint(),
             "'%s' holds an autoencoder pretrained on another training set (this run: %zu images of dimension %zu): "
             "delete it or pass another --pretrained path",
             cfg_.pretrained_path.c_str(), ds_.n, ds_.dim);
    rng_.state = r.pod<uint64_t>();
    read_networks(r, ae_);
    log_.pretrain_iteration = r.vec<int>();
    log_.pretrain_loss = r.vec<float>();
    log_.pretrain_seconds = r.pod<double>();
    DQ_CHECK(r.pos == bytes.size(), "'%s' is corrupt: %zu bytes after its last field", cfg_.pretrained_path.c_str(),
             bytes.size() - r.pos);
    log_.pretrained_cache = "loaded";
    return true;
}

void Trainer::save_pretrained() {
    if (cfg_.pretrained_path.empty()) return;
    Writer w;
    w.b.insert(w.b.end(), kAeMagic, kAeMagic + 8);
    w.str(st_.pretrain_key());
    w.pod(data_fingerprint());
    w.pod(rng_.state);
    w.vec(ae_.encoder.params());
    w.vec(ae_.decoder.params());
    w.vec(log_.pretrain_iteration);
    w.vec(log_.pretrain_loss);
    w.pod(log_.pretrain_seconds);
    w.seal();
    write_file_atomic(cfg_.pretrained_path, w.b);
    log_.pretrained_cache = "written";
}

void Trainer::progress(const char* phase, int it, int total, int epoch, double loss, double J, double R, bool force) {
    if (!cfg_.on_progress) return;
    if (!force && (cfg_.progress_every <= 0 || it % cfg_.progress_every != 0)) return;
    TrainProgress p;
    p.phase = phase;
    p.iteration = it;
    p.total = total;
    p.epoch = epoch;
    p.loss = loss;
    p.J = J;
    p.R = R;
    p.elapsed_seconds = elapsed_before_ + (now_seconds() - t_start_);
    // Alternating iterations cost about 3x a pretraining one (twice the batch, plus K-means) until measured.
    const double tp = t_pre_iter_ > 0 ? t_pre_iter_ : 0.05;
    const double ta = t_alt_iter_ > 0 ? t_alt_iter_ : 3 * tp;
    const int pre_left = phase_ == 0 ? st_.pretrain_iterations - it : 0;
    const int alt_left = phase_ == 0 ? st_.iterations : st_.iterations - it;
    p.eta_seconds = std::max(0, pre_left) * tp + std::max(0, alt_left) * ta;
    cfg_.on_progress(p);
}

void Trainer::pretrain() {
    const size_t n = ds_.n, B = st_.pretrain_batch;
    if (perm_.size() != n) {
        perm_.resize(n);
        for (size_t i = 0; i < n; ++i) perm_[i] = uint32_t(i);
        shuffle(perm_, rng_);
        perm_pos_ = 0;
    }
    Mat x, xin, gx, dz;
    MlpCache ce, cd;
    std::vector<float> genc(ae_.encoder.num_params()), gdec(ae_.decoder.num_params());
    const double t0 = now_seconds();
    const int it0 = it_;
    double ema = 0;
    while (it_ < st_.pretrain_iterations) {
        if (perm_pos_ + B > n) {
            shuffle(perm_, rng_);
            perm_pos_ = 0;
        }
        gather(ds_, perm_.data() + perm_pos_, B, x);
        perm_pos_ += B;
        // Denoising (Xie et al. 2016, whose architecture the paper follows): the mask is seeded by the
        // iteration, not drawn from rng_, so the shuffles do not depend on it and a resume redraws it.
        if (st_.pretrain_noise > 0)
            drop_inputs(x, st_.pretrain_noise, st_.seed ^ 0x64726f70ULL ^ (uint64_t(it_) * 0xd1b54a32d192ed03ULL), xin);
        const Mat& z = ae_.encoder.forward(st_.pretrain_noise > 0 ? xin : x, ce);
        const Mat& xh = ae_.decoder.forward(z, cd);
        const double R = mse_loss(xh, x, &gx);  // logged as the sum over pixels whichever is optimised
        if (st_.pretrain_r_mean) gx *= float(1.0 / double(ds_.dim));
        DQ_CHECK(std::isfinite(R), "pretraining diverged: reconstruction loss is %g at iteration %d (lr %g, %s)", R, it_,
                 st_.pretrain_lr, st_.pretrain_optimizer.c_str());
        ae_.decoder.backward(cd, gx, gdec.data(), &dz);
        ae_.encoder.backward(ce, dz, genc.data(), nullptr);
        opt_enc_.step(ae_.encoder.params().data(), genc.data(), genc.size());
        opt_dec_.step(ae_.decoder.params().data(), gdec.data(), gdec.size());
        ++it_;
        ema = it_ - it0 == 1 ? R : 0.98 * ema + 0.02 * R;
        t_pre_iter_ = (now_seconds() - t0) / (it_ - it0);
        if (cfg_.progress_every > 0 && it_ % cfg_.progress_every == 0) {
            log_.pretrain_iteration.push_back(it_);
            log_.pretrain_loss.push_back(float(R));
        }
        progress("pretrain", it_, st_.pretrain_iterations, int(it_ * B / n), ema, 0, R, it_ == st_.pretrain_iterations);
        if (cfg_.checkpoint_every > 0 && it_ - last_ckpt_it_ >= cfg_.checkpoint_every && it_ < st_.pretrain_iterations)
            save_checkpoint();
    }
    log_.pretrain_seconds += now_seconds() - t0;
}

// z -> a z with a chosen so the RMS of z per dimension is z_scale; the decoder's first layer takes
// W / a, so the autoencoder computes the same function.
void Trainer::rescale_latent() {
    if (st_.z_scale <= 0) return;
    const size_t n = ds_.n, L = ae_.latent_dim();
    std::vector<float> z(n * L);  // not z_: the phase-boundary checkpoint then carries no stale latents
    ae_.encoder.predict(ds_.x.data(), n, z.data());
    const double rms = std::sqrt(mean_sq_norm(z, n, L) / double(L));
    DQ_CHECK(rms > 0 && std::isfinite(rms), "the latent vectors are all zero after pretraining (rms %g)", rms);
    const float a = float(st_.z_scale / rms);
    const size_t last = ae_.encoder.layers().size() - 1;
    const LayerSpec& s = ae_.encoder.layers()[last];
    float* p = ae_.encoder.params().data();
    for (size_t i = 0; i < size_t(s.out) * s.in + s.out; ++i) p[ae_.encoder.w_offset(last) + i] *= a;
    const LayerSpec& d = ae_.decoder.layers()[0];
    float* q = ae_.decoder.params().data() + ae_.decoder.w_offset(0);
    for (size_t i = 0; i < size_t(d.out) * d.in; ++i) q[i] /= a;
}

dq::Model Trainer::current_model() const {
    std::vector<float> cb = codebooks_;
    if (cb.empty()) cb.assign(size_t(st_.M) * st_.K * st_.dsub, 0.0f);
    return ae_.to_model(ds_.input, st_.M, st_.K, std::move(cb), "{}");
}

// K-means on the current z (warm-started from the previous codebooks), the epoch's statistics and
// guards, the snapshot hook, and the epoch's order of the training set.
void Trainer::epoch_start() {
    const size_t n = ds_.n, L = ae_.latent_dim();
    const double te = now_seconds();
    if (z_seen_.size() != n || st_.fresh_epoch_z) z_seen_.assign(n, 0);
    std::vector<uint32_t> stale;
    for (size_t i = 0; i < n; ++i)
        if (!z_seen_[i]) stale.push_back(uint32_t(i));
    z_.resize(n * L);
    if (stale.size() == n) {
        ae_.encoder.predict(ds_.x.data(), n, z_.data());
    } else if (!stale.empty()) {
        Mat x;
        gather(ds_, stale.data(), stale.size(), x);
        std::vector<float> zs(stale.size() * L);
        ae_.encoder.predict(x.data(), stale.size(), zs.data());
        for (size_t j = 0; j < stale.size(); ++j)
            std::copy(zs.begin() + j * L, zs.begin() + (j + 1) * L, z_.begin() + size_t(stale[j]) * L);
    }
    std::fill(z_seen_.begin(), z_seen_.end(), 0);
    log_.encode_seconds += now_seconds() - te;
    DQ_CHECK(all_finite(z_.data(), z_.size()), "training diverged: non-finite latent vectors at iteration %d (epoch %d)",
             it_, epoch_);
    const double t0 = now_seconds();
    const bool first = codebooks_.empty();
    double qerror = 0;
    codebooks_ = train_pq_codebooks(z_.data(), n, st_.M, st_.dsub, st_.K, st_.kmeans_iters,
                                    st_.seed + 7919 * uint64_t(epoch_ + 1), &assign_,
                                    first ? nullptr : codebooks_.data(), &qerror);
    log_.kmeans_seconds += now_seconds() - t0;
    log_.epoch_iteration.push_back(it_);
    log_.codeword_distance.push_back(float(mean_codeword_distance(codebooks_, st_.M, st_.K, st_.dsub)));
    log_.distinct_codes.push_back(float(distinct_fraction(assign_, n, st_.M)));
    log_.quantization_error.push_back(float(qerror));
    log_.z_norm.push_back(float(mean_sq_norm(z_, n, L)));
    check_guards();
    if (cfg_.on_snapshot && cfg_.snapshot_every > 0 &&
        (last_snapshot_it_ < 0 || it_ - last_snapshot_it_ >= cfg_.snapshot_every)) {
        last_snapshot_it_ = it_;
        cfg_.on_snapshot(it_, epoch_, current_model());
    }
    if (perm_.size() != n) {
        perm_.resize(n);
        for (size_t i = 0; i < n; ++i) perm_[i] = uint32_t(i);
    }
    shuffle(perm_, rng_);
    perm_pos_ = 0;
    ++epoch_;
}

void Trainer::check_guards() {
    const size_t e = log_.distinct_codes.size() - 1;
    const float distinct = log_.distinct_codes[e];
    const float spread = log_.codeword_distance[e], spread0 = log_.codeword_distance[0];
    // A quantizer whose codes no longer tell images apart, or codewords that merged into a point.
    const double ceiling = code_ceiling(ds_.n, st_.K, st_.M);
    if (too_few_codes(distinct, ds_.n, ceiling) || !(spread > 1e-3f * spread0))
        throw dq::Error(dq::strformat(
            "training collapsed at iteration %d (epoch %d): %.2f%% distinct codes among %zu images (%.1f%% at the "
            "start; at most %.0f can differ), mean codeword distance %.4g (%.4g at the start); no model written%s",
            it_, epoch_, 100.0 * distinct, ds_.n, 100.0 * log_.distinct_codes[0], ceiling, spread, spread0,
            st_.variant == "deepquan" ? "" : " (variant 'deepquan' is built to avoid this)"));
}

// A function of the iteration alone, so a resumed run takes the same steps.
float Trainer::scheduled_lr(int it) const {
    if (st_.lr_schedule != "cosine" || st_.iterations <= 0) return st_.lr;
    const double pi = 3.14159265358979323846;
    return float(0.5 * double(st_.lr) * (1.0 + std::cos(pi * double(it) / double(st_.iterations))));
}

void Trainer::alternate() {
    const size_t n = ds_.n, B = st_.batch, L = ae_.latent_dim(), M = st_.M, K = st_.K, ds = st_.dsub;
    const int per_epoch = int(std::max<size_t>(1, n / B));
    QuantLoss ql;
    ql.quad = st_.quad;
    ql.squared = st_.squared;
    ql.s = st_.s;
    ql.lambda = st_.lambda;
    ql.quad_weight = st_.quad_weight;
    Mat x, z_b, pos, neg, gz, gx, dzr;
    MlpCache ce, cd;
    std::vector<float> genc(ae_.encoder.num_params()), gdec(ae_.decoder.num_params());
    std::vector<uint32_t> a(M);
    const double t0 = now_seconds();
    const int it0 = it_;
    double ema = 0;
    while (it_ < st_.iterations) {
        if (it_ % per_epoch == 0) {
            if (it_ > 0 && cfg_.checkpoint_every > 0 && it_ - last_ckpt_it_ >= cfg_.checkpoint_every) save_checkpoint();
            epoch_start();
        }
        const uint32_t* idx = perm_.data() + perm_pos_;
        perm_pos_ += B;
        gather(ds_, idx, B, x);
        const Mat& z = ae_.encoder.forward(x, ce);
        // Kept for the next epoch's K-means (unless fresh_epoch_z): at most one epoch old by then, and
        // free, where re-encoding every image each epoch cost 15 % of an alternating iteration.
        for (size_t i = 0; i < B; ++i) {
            std::memcpy(z_.data() + size_t(idx[i]) * L, z.row(Eigen::Index(i)).data(), L * sizeof(float));
            z_seen_[idx[i]] = 1;
        }
        pos.resize(Eigen::Index(B), Eigen::Index(L));
        neg.resize(Eigen::Index(B), Eigen::Index(L));
        for (size_t i = 0; i < B; ++i) {
            for (size_t m = 0; m < M; ++m) {
                uint32_t c = assign_[size_t(idx[i]) * M + m];
                if (st_.reassign) {
                    const float* zi = z.row(Eigen::Index(i)).data() + m * ds;
                    float best = std::numeric_limits<float>::infinity();
                    for (uint32_t k = 0; k < K; ++k) {
                        float d = dq::l2sqr(zi, codebooks_.data() + (m * K + k) * ds, ds);
                        if (d < best) {
                            best = d;
                            c = k;
                        }
                    }
                }
                // One unassigned codeword drawn uniformly: r in [0, K-1) skipping c.
                uint32_t r = uint32_t(rng_.below(K - 1));
                if (r >= c) ++r;
                std::memcpy(pos.row(Eigen::Index(i)).data() + m * ds, codebooks_.data() + (m * K + c) * ds,
                            ds * sizeof(float));
                std::memcpy(neg.row(Eigen::Index(i)).data() + m * ds, codebooks_.data() + (m * K + r) * ds,
                            ds * sizeof(float));
            }
        }
        double active = 0;
        const double J = ql(z, pos, neg, &gz, &active);
        double R = 0;
        if (st_.eta > 0) {
            const Mat& xh = ae_.decoder.forward(z, cd);
            R = mse_loss(xh, x, &gx);
            if (st_.r_mean) {
                R /= double(ds_.dim);
                gx *= float(1.0 / double(ds_.dim));
            }
            ae_.decoder.backward(cd, gx, gdec.data(), &dzr);
            gz += st_.eta * dzr;
        }
        const double loss = J + st_.eta * R;
        DQ_CHECK(std::isfinite(loss), "training diverged: loss is %g (J %g, R %g) at iteration %d (epoch %d)", loss, J, R,
                 it_, epoch_);
        ae_.encoder.backward(ce, gz, genc.data(), nullptr);
        if (st_.grad_clip > 0) {
            // One global norm over both networks, summed in a fixed order (deterministic).
            double g2 = 0;
            for (float v : genc) g2 += double(v) * v;
            if (st_.eta > 0)
                for (float v : gdec) g2 += double(v) * v;
            const double gn = std::sqrt(g2);
            if (gn > st_.grad_clip) {
                const float a = float(st_.grad_clip / gn);
                for (float& v : genc) v *= a;
                for (float& v : gdec) v *= a;
            }
        }
        const float lr = scheduled_lr(it_);
        opt_enc_.set_lr(lr);
        opt_dec_.set_lr(lr);
        opt_enc_.step(ae_.encoder.params().data(), genc.data(), genc.size());
        if (st_.eta > 0) opt_dec_.step(ae_.decoder.params().data(), gdec.data(), gdec.size());
        log_.J.push_back(float(J));
        log_.R.push_back(float(R));
        log_.hinge_active.push_back(float(active));
        ++it_;
        ema = it_ - it0 == 1 ? loss : 0.95 * ema + 0.05 * loss;
        t_alt_iter_ = (now_seconds() - t0) / (it_ - it0);
        progress("alternate", it_, st_.iterations, epoch_, ema, J, R, it_ == st_.iterations);
    }
    log_.alternate_seconds += now_seconds() - t0;
    log_.epochs = epoch_;
}

// Final codebooks: K-means on z computed by the core's encoder (the exact forward pass export and the
// browser use), warm-started from the training codebooks when there are any.
dq::Model Trainer::finish() {
    const size_t n = ds_.n, L = ae_.latent_dim();
    dq::Model m = current_model();
    dq::Encoder enc(m);
    z_.resize(n * L);
    enc.forward(ds_.x.data(), n, z_.data());
    DQ_CHECK(all_finite(z_.data(), z_.size()), "training diverged: the final encoder gives non-finite latent vectors");
    const bool warm = !codebooks_.empty();
    std::vector<uint8_t> codes;
    m.codebooks = train_pq_codebooks(z_.data(), n, st_.M, st_.dsub, st_.K, std::max(st_.kmeans_iters, 25),
                                     st_.seed + 104729, &codes, warm ? codebooks_.data() : nullptr);
    const double distinct = distinct_fraction(codes, n, st_.M), ceiling = code_ceiling(n, st_.K, st_.M);
    DQ_CHECK(!too_few_codes(distinct, n, ceiling),
             "training collapsed: the final codes take %.2f%% distinct values among %zu images (at most %.0f can differ)",
             100.0 * distinct, n, ceiling);
    JsonWriter j;
    j.begin_object();
    j.kv("trainer", "deepquan " DQ_VERSION).kv("dataset", ds_.name).kv("train_images", ds_.n);
    j.key("settings").raw(st_.json());
    j.kv("alternating_iterations", log_.iterations_run).kv("epochs", log_.epochs);
    j.end_object();
    m.meta_json = j.str();
    while (!m.meta_json.empty() && m.meta_json.back() == '\n') m.meta_json.pop_back();
    m.validate();
    return m;
}

TrainResult Trainer::run() {
    DQ_CHECK(ds_.n > 0 && ds_.dim > 0 && ds_.x.size() == ds_.n * ds_.dim,
             "training set is empty or inconsistent (%zu images of dimension %zu, %zu values)", ds_.n, ds_.dim,
             ds_.x.size());
    t_start_ = now_seconds();
    log_.variant = st_.variant;
    log_.settings_json = st_.json();
    ae_ = Autoencoder(uint32_t(ds_.dim), st_.hidden, st_.M * st_.dsub);
    ae_.init(st_.seed);
    rng_ = SplitMix64(st_.seed ^ 0x7261696eULL);
    opt_enc_.kind = opt_dec_.kind = st_.pretrain_optimizer;
    opt_enc_.set_lr(st_.pretrain_lr);
    opt_dec_.set_lr(st_.pretrain_lr);
    opt_enc_.sgd.momentum = opt_dec_.sgd.momentum = st_.momentum;

    const bool resumed = load_checkpoint();
    if (phase_ == 0) {
        if (!resumed && load_pretrained()) {
            it_ = st_.pretrain_iterations;
        } else {
            pretrain();
            save_pretrained();
        }
        // Guard: an autoencoder that outputs the mean image has learned nothing the codes could use.
        {
            const size_t n = std::min<size_t>(ds_.n, 2048);
            std::vector<uint32_t> idx(n);
            for (size_t i = 0; i < n; ++i) idx[i] = uint32_t(i * (ds_.n / n));
            Mat x;
            gather(ds_, idx.data(), n, x);
            Eigen::RowVectorXf mean = x.colwise().mean();
            double base = 0;
            for (Eigen::Index i = 0; i < x.rows(); ++i) base += (x.row(i) - mean).squaredNorm();
            base /= double(n);
            MlpCache ce, cd;
            const double R = mse_loss(ae_.decoder.forward(ae_.encoder.forward(x, ce), cd), x, nullptr);
            DQ_CHECK(std::isfinite(R), "pretraining diverged: reconstruction loss is %g", R);
            DQ_CHECK(base <= 0 || R < 0.9 * base,
                     "pretraining did not learn: reconstruction error %.4g is %.0f%% of the mean image's %.4g after %d "
                     "iterations (lr %g, %s); no model written",
                     R, 100.0 * R / base, base, st_.pretrain_iterations, st_.pretrain_lr, st_.pretrain_optimizer.c_str());
        }
        rescale_latent();
        phase_ = 1;
        it_ = 0;
        epoch_ = 0;
        perm_.clear();
        opt_enc_ = Optimizer();
        opt_dec_ = Optimizer();
        opt_enc_.kind = opt_dec_.kind = st_.optimizer;
        opt_enc_.set_lr(st_.lr);
        opt_dec_.set_lr(st_.lr);
        opt_enc_.sgd.momentum = opt_dec_.sgd.momentum = st_.momentum;
        last_ckpt_it_ = 0;
        if (st_.iterations > 0) save_checkpoint();
    }
    if (phase_ == 1) {
        alternate();
        log_.iterations_run = it_;
        phase_ = 2;
    }
    TrainResult r;
    r.model = finish();
    log_.total_seconds = elapsed_before_ + (now_seconds() - t_start_);
    const int pre = st_.pretrain_iterations;
    log_.seconds_per_pretrain_iteration = pre > 0 ? log_.pretrain_seconds / pre : 0;
    log_.seconds_per_iteration = log_.iterations_run > 0 ? log_.alternate_seconds / log_.iterations_run : 0;
    r.log = log_;
    return r;
}

}  // namespace

double QuantLoss::operator()(const Mat& z, const Mat& pos, const Mat& neg, Mat* grad, double* active) const {
    DQ_CHECK(z.rows() == pos.rows() && z.rows() == neg.rows() && z.cols() == pos.cols() && z.cols() == neg.cols(),
             "quantization loss: z, C+ and C- must have the same shape (%ld x %ld, %ld x %ld, %ld x %ld)", long(z.rows()),
             long(z.cols()), long(pos.rows()), long(pos.cols()), long(neg.rows()), long(neg.cols()));
    const Eigen::Index n = z.rows();
    const Mat dp = z - pos, dn = z - neg;
    if (grad) grad->setZero(n, z.cols());
    double total = 0;
    size_t on = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        const double p2 = dp.row(i).squaredNorm();
        if (quad) {
            total += p2;
            ++on;
            if (grad) grad->row(i) = (2.0f / float(n)) * dp.row(i);
            continue;
        }
        if (quad_weight > 0) {
            total += double(quad_weight) * p2;
            if (grad) grad->row(i) = (2.0f * quad_weight / float(n)) * dp.row(i);
        }
        const double n2 = dn.row(i).squaredNorm();
        const double dpos = squared ? p2 : std::sqrt(p2), dneg = squared ? n2 : std::sqrt(n2);
        const double h = double(s) - (double(lambda) * dneg - dpos);
        if (h <= 0) continue;
        total += h;
        ++on;
        if (!grad) continue;
        // d/dz [d(z, c)] = 2 (z - c) squared, (z - c) / ||z - c|| plain (0 where the norm is 0).
        const double gp = squared ? 2.0 : (dpos > 0 ? 1.0 / dpos : 0.0);
        const double gn = squared ? 2.0 : (dneg > 0 ? 1.0 / dneg : 0.0);
        grad->row(i) += (float(gp / double(n)) * dp.row(i)) - (float(double(lambda) * gn / double(n)) * dn.row(i));
    }
    if (active) *active = n > 0 ? double(on) / double(n) : 0.0;
    return n > 0 ? total / double(n) : 0.0;
}

TrainResult train_deepquan(const TrainConfig& cfg, const Dataset& train_set) {
#ifdef _OPENMP
    const int saved = omp_get_max_threads();
    if (cfg.threads > 0) omp_set_num_threads(cfg.threads);
    struct Restore {
        int n;
        ~Restore() { omp_set_num_threads(n); }
    } restore{saved};
#endif
    Trainer t(cfg, train_set);
    return t.run();
}

std::string train_log_json(const TrainLog& l) {
    JsonWriter j;
    j.begin_object();
    j.kv("variant", l.variant);
    j.key("settings").raw(l.settings_json.empty() ? "{}" : l.settings_json);
    j.kv("epochs", l.epochs).kv("iterations_run", l.iterations_run);
    j.kv("pretrain_seconds", l.pretrain_seconds).kv("alternate_seconds", l.alternate_seconds);
    j.kv("kmeans_seconds", l.kmeans_seconds).kv("encode_seconds", l.encode_seconds).kv("seconds_per_pretrain_iteration", l.seconds_per_pretrain_iteration);
    j.kv("seconds_per_iteration", l.seconds_per_iteration).kv("total_seconds", l.total_seconds);
    j.kv("message", l.message).kv("pretrained_cache", l.pretrained_cache);
    j.key("pretrain_iteration").array(l.pretrain_iteration);
    j.key("pretrain_loss").array(l.pretrain_loss);
    j.key("J").array(l.J);
    j.key("R").array(l.R);
    j.key("hinge_active").array(l.hinge_active);
    j.key("epoch_iteration").array(l.epoch_iteration);
    j.key("codeword_distance").array(l.codeword_distance);
    j.key("distinct_codes").array(l.distinct_codes);
    j.key("quantization_error").array(l.quantization_error);
    j.key("z_norm").array(l.z_norm);
    j.end_object();
    return j.str();
}

}  // namespace dqt
