#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

#include "dq/encoder.h"
#include "dq/error.h"
#include "dq/fnv.h"
#include "dq/pq.h"
#include "data/standardize.h"
#include "nn/autoencoder.h"
#include "pq/kmeans.h"
#include "train/checkpoint.h"
#include "train/guards.h"
#include "train/quant_loss.h"
#include "train/train_state.h"
#include "util/json_writer.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace dqt {

namespace {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void gather(const Dataset& ds, const uint32_t* idx, size_t n, Mat& x) {
    x.resize(Eigen::Index(n), Eigen::Index(ds.dim));
    for (size_t i = 0; i < n; ++i) std::memcpy(x.row(Eigen::Index(i)).data(), ds.row(idx[i]), ds.dim * sizeof(float));
}

void shuffle(std::vector<uint32_t>& p, SplitMix64& rng) {
    for (size_t i = p.size(); i > 1; --i) std::swap(p[i - 1], p[size_t(rng.below(i))]);
}

class Trainer {
public:
    // A feature-vector set is standardized on its own statistics (data/standardize.h): the networks
    // train on the standardized copy, and every model this class builds carries the standardization,
    // so the core's Encoder computes the same first-layer input from the raw rows.
    Trainer(const TrainConfig& cfg, const Dataset& ds)
        : cfg_(cfg), raw_(ds), spec_(input_spec_of(ds)),
          owned_(spec_.standardized() ? standardized_copy(ds, spec_) : Dataset()),
          ds_(spec_.standardized() ? owned_ : ds), rc_(resolve_recipe(cfg, ds.n)) {}
    TrainResult run();

private:
    // Phases. Each resumes from s_.it (iterations done in the phase).
    void pretrain();
    void rescale_latent();
    void alternate();
    dq::Model finish();

    void epoch_start();
    void progress(const char* phase, int it, int total, int epoch, double loss, double J, double R, bool force);
    void save_checkpoint();
    uint64_t fingerprint() const;
    uint64_t data_fingerprint() const;
    dq::Model current_model() const;
    float scheduled_lr(int it) const;

    static dq::InputSpec input_spec_of(const Dataset& ds) {
        dq::InputSpec s = ds.input;
        if (ds.features && ds.n > 0 && ds.x.size() == ds.n * ds.dim && ds.dim == s.dim()) compute_standardization(ds, s);
        return s;
    }

    const TrainConfig& cfg_;
    const Dataset& raw_;             // the rows as given (what the exported model is fed)
    const dq::InputSpec spec_;       // raw_.input plus the standardization of a feature-vector set
    const Dataset owned_;            // the standardized copy, when there is one
    const Dataset& ds_;              // what the networks train on: owned_ or raw_
    Recipe rc_;
    TrainState s_;                   // everything a checkpoint carries
    std::vector<uint8_t> assign_;    // n × M, this epoch's K-means assignment (recomputed on resume)
    double t_start_ = 0;
    int last_ckpt_it_ = 0, last_snapshot_it_ = -1;
    double t_pre_iter_ = 0, t_alt_iter_ = 0;
};

uint64_t Trainer::data_fingerprint() const {
    uint64_t h = dq::fnv1a(&ds_.n, sizeof ds_.n);
    h = dq::fnv1a(&ds_.dim, sizeof ds_.dim, h);
    return dq::fnv1a(ds_.x.data(), ds_.x.size() * sizeof(float), h);
}

uint64_t Trainer::fingerprint() const {
    const std::string s = rc_.json();
    const uint64_t d = data_fingerprint();
    return dq::fnv1a(&d, sizeof d, dq::fnv1a(s.data(), s.size()));
}

void Trainer::save_checkpoint() {
    if (cfg_.checkpoint_path.empty()) return;
    dqt::save_checkpoint(cfg_.checkpoint_path, fingerprint(), s_, s_.elapsed_before + (now_seconds() - t_start_));
    last_ckpt_it_ = s_.it;
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
    p.elapsed_seconds = s_.elapsed_before + (now_seconds() - t_start_);
    // Alternating iterations cost about 3x a pretraining one (twice the batch, plus K-means) until measured.
    const double tp = t_pre_iter_ > 0 ? t_pre_iter_ : 0.05;
    const double ta = t_alt_iter_ > 0 ? t_alt_iter_ : 3 * tp;
    const int pre_left = s_.phase == 0 ? rc_.pretrain_iterations - it : 0;
    const int alt_left = s_.phase == 0 ? rc_.iterations : rc_.iterations - it;
    p.eta_seconds = std::max(0, pre_left) * tp + std::max(0, alt_left) * ta;
    cfg_.on_progress(p);
}

void Trainer::pretrain() {
    const size_t n = ds_.n, B = rc_.pretrain_batch;
    if (s_.perm.size() != n) {
        s_.perm.resize(n);
        for (size_t i = 0; i < n; ++i) s_.perm[i] = uint32_t(i);
        shuffle(s_.perm, s_.rng);
        s_.perm_pos = 0;
    }
    Mat x, xin, gx, dz;
    MlpCache ce, cd;
    std::vector<float> genc(s_.ae.encoder.num_params()), gdec(s_.ae.decoder.num_params());
    const double t0 = now_seconds();
    const int it0 = s_.it;
    double ema = 0;
    while (s_.it < rc_.pretrain_iterations) {
        if (s_.perm_pos + B > n) {
            shuffle(s_.perm, s_.rng);
            s_.perm_pos = 0;
        }
        gather(ds_, s_.perm.data() + s_.perm_pos, B, x);
        s_.perm_pos += B;
        // Denoising (Xie et al. 2016, whose architecture the paper follows): the mask is seeded by the
        // iteration, not drawn from s_.rng, so the shuffles do not depend on it and a resume redraws it.
        if (rc_.pretrain_noise > 0)
            drop_inputs(x, rc_.pretrain_noise, rc_.seed ^ 0x64726f70ULL ^ (uint64_t(s_.it) * 0xd1b54a32d192ed03ULL), xin);
        const Mat& z = s_.ae.encoder.forward(rc_.pretrain_noise > 0 ? xin : x, ce);
        const Mat& xh = s_.ae.decoder.forward(z, cd);
        const double R = mse_loss(xh, x, &gx);  // logged as the sum over pixels whichever is optimised
        if (rc_.pretrain_r_mean) gx *= float(1.0 / double(ds_.dim));
        DQ_CHECK(std::isfinite(R), "pretraining diverged: reconstruction loss is %g at iteration %d (lr %g, %s)", R, s_.it,
                 rc_.pretrain_lr, rc_.pretrain_optimizer.c_str());
        s_.ae.decoder.backward(cd, gx, gdec.data(), &dz);
        s_.ae.encoder.backward(ce, dz, genc.data(), nullptr);
        s_.opt_enc.step(s_.ae.encoder.params().data(), genc.data(), genc.size());
        s_.opt_dec.step(s_.ae.decoder.params().data(), gdec.data(), gdec.size());
        ++s_.it;
        ema = s_.it - it0 == 1 ? R : 0.98 * ema + 0.02 * R;
        t_pre_iter_ = (now_seconds() - t0) / (s_.it - it0);
        if (cfg_.progress_every > 0 && s_.it % cfg_.progress_every == 0) {
            s_.log.pretrain_iteration.push_back(s_.it);
            s_.log.pretrain_loss.push_back(float(R));
        }
        progress("pretrain", s_.it, rc_.pretrain_iterations, int(s_.it * B / n), ema, 0, R, s_.it == rc_.pretrain_iterations);
        if (cfg_.checkpoint_every > 0 && s_.it - last_ckpt_it_ >= cfg_.checkpoint_every && s_.it < rc_.pretrain_iterations)
            save_checkpoint();
    }
    s_.log.pretrain_seconds += now_seconds() - t0;
}

// z -> a z with a chosen so the RMS of z per dimension is z_scale; the decoder's first layer takes
// W / a, so the autoencoder computes the same function.
void Trainer::rescale_latent() {
    if (rc_.z_scale <= 0) return;
    const size_t n = ds_.n, L = s_.ae.latent_dim();
    std::vector<float> z(n * L);  // not s_.z: the phase-boundary checkpoint then carries no stale latents
    s_.ae.encoder.predict(ds_.x.data(), n, z.data());
    const double rms = std::sqrt(mean_sq_norm(z, n, L) / double(L));
    DQ_CHECK(rms > 0 && std::isfinite(rms), "the latent vectors are all zero after pretraining (rms %g)", rms);
    const float a = float(rc_.z_scale / rms);
    const size_t last = s_.ae.encoder.layers().size() - 1;
    const LayerSpec& s = s_.ae.encoder.layers()[last];
    float* p = s_.ae.encoder.params().data();
    for (size_t i = 0; i < size_t(s.out) * s.in + s.out; ++i) p[s_.ae.encoder.w_offset(last) + i] *= a;
    const LayerSpec& d = s_.ae.decoder.layers()[0];
    float* q = s_.ae.decoder.params().data() + s_.ae.decoder.w_offset(0);
    for (size_t i = 0; i < size_t(d.out) * d.in; ++i) q[i] /= a;
}

dq::Model Trainer::current_model() const {
    std::vector<float> cb = s_.codebooks;
    if (cb.empty()) cb.assign(size_t(rc_.M) * rc_.K * rc_.dsub, 0.0f);
    return s_.ae.to_model(spec_, rc_.M, rc_.K, std::move(cb), "{}");
}

// K-means on the current z (warm-started from the previous codebooks), the epoch's statistics and
// guards, the snapshot hook, and the epoch's order of the training set.
void Trainer::epoch_start() {
    const size_t n = ds_.n, L = s_.ae.latent_dim();
    const double te = now_seconds();
    if (s_.z_seen.size() != n || rc_.fresh_epoch_z) s_.z_seen.assign(n, 0);
    std::vector<uint32_t> stale;
    for (size_t i = 0; i < n; ++i)
        if (!s_.z_seen[i]) stale.push_back(uint32_t(i));
    s_.z.resize(n * L);
    if (stale.size() == n) {
        s_.ae.encoder.predict(ds_.x.data(), n, s_.z.data());
    } else if (!stale.empty()) {
        Mat x;
        gather(ds_, stale.data(), stale.size(), x);
        std::vector<float> zs(stale.size() * L);
        s_.ae.encoder.predict(x.data(), stale.size(), zs.data());
        for (size_t j = 0; j < stale.size(); ++j)
            std::copy(zs.begin() + j * L, zs.begin() + (j + 1) * L, s_.z.begin() + size_t(stale[j]) * L);
    }
    std::fill(s_.z_seen.begin(), s_.z_seen.end(), 0);
    s_.log.encode_seconds += now_seconds() - te;
    DQ_CHECK(all_finite(s_.z.data(), s_.z.size()), "training diverged: non-finite latent vectors at iteration %d (epoch %d)",
             s_.it, s_.epoch);
    const double t0 = now_seconds();
    const bool first = s_.codebooks.empty();
    double qerror = 0;
    s_.codebooks = train_pq_codebooks(s_.z.data(), n, rc_.M, rc_.dsub, rc_.K, rc_.kmeans_iters,
                                    rc_.seed + 7919 * uint64_t(s_.epoch + 1), &assign_,
                                    first ? nullptr : s_.codebooks.data(), &qerror);
    s_.log.kmeans_seconds += now_seconds() - t0;
    s_.log.epoch_iteration.push_back(s_.it);
    s_.log.codeword_distance.push_back(float(mean_codeword_distance(s_.codebooks, rc_.M, rc_.K, rc_.dsub)));
    s_.log.distinct_codes.push_back(float(distinct_fraction(assign_, n, rc_.M)));
    s_.log.quantization_error.push_back(float(qerror));
    s_.log.z_norm.push_back(float(mean_sq_norm(s_.z, n, L)));
    check_epoch(s_.log.distinct_codes, s_.log.codeword_distance, ds_.n, rc_.K, rc_.M, s_.it, s_.epoch,
                rc_.variant == Variant::deepquan);
    if (cfg_.on_snapshot && cfg_.snapshot_every > 0 &&
        (last_snapshot_it_ < 0 || s_.it - last_snapshot_it_ >= cfg_.snapshot_every)) {
        last_snapshot_it_ = s_.it;
        cfg_.on_snapshot(s_.it, s_.epoch, current_model());
    }
    if (s_.perm.size() != n) {
        s_.perm.resize(n);
        for (size_t i = 0; i < n; ++i) s_.perm[i] = uint32_t(i);
    }
    shuffle(s_.perm, s_.rng);
    s_.perm_pos = 0;
    ++s_.epoch;
}

// A function of the iteration alone, so a resumed run takes the same steps.
float Trainer::scheduled_lr(int it) const {
    if (rc_.lr_schedule != "cosine" || rc_.iterations <= 0) return rc_.lr;
    const double pi = 3.14159265358979323846;
    return float(0.5 * double(rc_.lr) * (1.0 + std::cos(pi * double(it) / double(rc_.iterations))));
}

void Trainer::alternate() {
    const size_t n = ds_.n, B = rc_.batch, L = s_.ae.latent_dim(), M = rc_.M, K = rc_.K, ds = rc_.dsub;
    const int per_epoch = int(std::max<size_t>(1, n / B));
    QuantLoss ql;
    ql.quad = rc_.quad;
    ql.squared = rc_.squared;
    ql.s = rc_.s;
    ql.lambda = rc_.lambda;
    ql.quad_weight = rc_.quad_weight;
    Mat x, z_b, pos, neg, gz, gx, dzr;
    MlpCache ce, cd;
    std::vector<float> genc(s_.ae.encoder.num_params()), gdec(s_.ae.decoder.num_params());
    std::vector<uint32_t> a(M);
    const double t0 = now_seconds();
    const int it0 = s_.it;
    double ema = 0;
    while (s_.it < rc_.iterations) {
        if (s_.it % per_epoch == 0) {
            if (s_.it > 0 && cfg_.checkpoint_every > 0 && s_.it - last_ckpt_it_ >= cfg_.checkpoint_every) save_checkpoint();
            epoch_start();
        }
        const uint32_t* idx = s_.perm.data() + s_.perm_pos;
        s_.perm_pos += B;
        gather(ds_, idx, B, x);
        const Mat& z = s_.ae.encoder.forward(x, ce);
        // Kept for the next epoch's K-means (unless fresh_epoch_z): at most one epoch old by then, and
        // free, where re-encoding every image each epoch cost 15 % of an alternating iteration.
        for (size_t i = 0; i < B; ++i) {
            std::memcpy(s_.z.data() + size_t(idx[i]) * L, z.row(Eigen::Index(i)).data(), L * sizeof(float));
            s_.z_seen[idx[i]] = 1;
        }
        pos.resize(Eigen::Index(B), Eigen::Index(L));
        neg.resize(Eigen::Index(B), Eigen::Index(L));
        for (size_t i = 0; i < B; ++i) {
            for (size_t m = 0; m < M; ++m) {
                uint32_t c = assign_[size_t(idx[i]) * M + m];
                if (rc_.reassign) {
                    const float* zi = z.row(Eigen::Index(i)).data() + m * ds;
                    float best = std::numeric_limits<float>::infinity();
                    for (uint32_t k = 0; k < K; ++k) {
                        float d = dq::l2sqr(zi, s_.codebooks.data() + (m * K + k) * ds, ds);
                        if (d < best) {
                            best = d;
                            c = k;
                        }
                    }
                }
                const uint32_t r = draw_unassigned(s_.rng, uint32_t(K), c);
                std::memcpy(pos.row(Eigen::Index(i)).data() + m * ds, s_.codebooks.data() + (m * K + c) * ds,
                            ds * sizeof(float));
                std::memcpy(neg.row(Eigen::Index(i)).data() + m * ds, s_.codebooks.data() + (m * K + r) * ds,
                            ds * sizeof(float));
            }
        }
        double active = 0;
        const double J = ql(z, pos, neg, &gz, &active);
        double R = 0;
        if (rc_.eta > 0) {
            const Mat& xh = s_.ae.decoder.forward(z, cd);
            R = mse_loss(xh, x, &gx);
            if (rc_.r_mean) {
                R /= double(ds_.dim);
                gx *= float(1.0 / double(ds_.dim));
            }
            s_.ae.decoder.backward(cd, gx, gdec.data(), &dzr);
            gz += rc_.eta * dzr;
        }
        const double loss = J + rc_.eta * R;
        DQ_CHECK(std::isfinite(loss), "training diverged: loss is %g (J %g, R %g) at iteration %d (epoch %d)", loss, J, R,
                 s_.it, s_.epoch);
        s_.ae.encoder.backward(ce, gz, genc.data(), nullptr);
        if (rc_.grad_clip > 0) {
            // One global norm over both networks, summed in a fixed order (deterministic).
            double g2 = 0;
            for (float v : genc) g2 += double(v) * v;
            if (rc_.eta > 0)
                for (float v : gdec) g2 += double(v) * v;
            const double gn = std::sqrt(g2);
            if (gn > rc_.grad_clip) {
                const float a = float(rc_.grad_clip / gn);
                for (float& v : genc) v *= a;
                for (float& v : gdec) v *= a;
            }
        }
        const float lr = scheduled_lr(s_.it);
        s_.opt_enc.set_lr(lr);
        s_.opt_dec.set_lr(lr);
        s_.opt_enc.step(s_.ae.encoder.params().data(), genc.data(), genc.size());
        if (rc_.eta > 0) s_.opt_dec.step(s_.ae.decoder.params().data(), gdec.data(), gdec.size());
        s_.log.J.push_back(float(J));
        s_.log.R.push_back(float(R));
        s_.log.hinge_active.push_back(float(active));
        ++s_.it;
        ema = s_.it - it0 == 1 ? loss : 0.95 * ema + 0.05 * loss;
        t_alt_iter_ = (now_seconds() - t0) / (s_.it - it0);
        progress("alternate", s_.it, rc_.iterations, s_.epoch, ema, J, R, s_.it == rc_.iterations);
    }
    s_.log.alternate_seconds += now_seconds() - t0;
    s_.log.epochs = s_.epoch;
}

// Final codebooks: K-means on z computed by the core's encoder (the exact forward pass export and the
// browser use), warm-started from the training codebooks when there are any.
dq::Model Trainer::finish() {
    const size_t n = ds_.n, L = s_.ae.latent_dim();
    dq::Model m = current_model();
    dq::Encoder enc(m);   // standardizes raw_ itself: the same bits as ds_ through the networks' input
    s_.z.resize(n * L);
    enc.forward(raw_.x.data(), n, s_.z.data());
    DQ_CHECK(all_finite(s_.z.data(), s_.z.size()), "training diverged: the final encoder gives non-finite latent vectors");
    const bool warm = !s_.codebooks.empty();
    std::vector<uint8_t> codes;
    m.codebooks = train_pq_codebooks(s_.z.data(), n, rc_.M, rc_.dsub, rc_.K, std::max(rc_.kmeans_iters, 25),
                                     rc_.seed + 104729, &codes, warm ? s_.codebooks.data() : nullptr);
    check_final_codes(codes, n, rc_.K, rc_.M);
    JsonWriter j;
    j.begin_object();
    j.kv("trainer", "deepquan " DQ_VERSION).kv("dataset", ds_.name).kv("train_images", ds_.n);
    if (spec_.standardized()) j.kv("input", "features, standardized per dimension on the training set");
    j.key("settings").raw(rc_.json());
    j.kv("alternating_iterations", s_.log.iterations_run).kv("epochs", s_.log.epochs);
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
    s_.log.variant = variant_name(rc_.variant);
    s_.log.settings_json = rc_.json();
    s_.ae = Autoencoder(uint32_t(ds_.dim), rc_.hidden, rc_.M * rc_.dsub);
    s_.ae.init(rc_.seed);
    s_.rng = SplitMix64(rc_.seed ^ 0x7261696eULL);
    s_.opt_enc.kind = s_.opt_dec.kind = rc_.pretrain_optimizer;
    s_.opt_enc.set_lr(rc_.pretrain_lr);
    s_.opt_dec.set_lr(rc_.pretrain_lr);
    s_.opt_enc.sgd.momentum = s_.opt_dec.sgd.momentum = rc_.momentum;

    const bool resumed = cfg_.resume && load_checkpoint(cfg_.checkpoint_path, fingerprint(), s_);
    last_ckpt_it_ = s_.it;
    if (s_.phase == 0) {
        if (!resumed && !cfg_.pretrained_path.empty() &&
            load_pretrained(cfg_.pretrained_path, rc_.pretrain_key(), data_fingerprint(), ds_.n, ds_.dim, s_)) {
            s_.log.pretrained_cache = "loaded";
            s_.it = rc_.pretrain_iterations;
        } else {
            pretrain();
            if (!cfg_.pretrained_path.empty()) {
                save_pretrained(cfg_.pretrained_path, rc_.pretrain_key(), data_fingerprint(), s_);
                s_.log.pretrained_cache = "written";
            }
        }
        check_reconstruction_learned(s_.ae, ds_, rc_.pretrain_iterations,
                                     dq::strformat("lr %g, %s", rc_.pretrain_lr, rc_.pretrain_optimizer.c_str()));
        rescale_latent();
        s_.phase = 1;
        s_.it = 0;
        s_.epoch = 0;
        s_.perm.clear();
        s_.opt_enc = Optimizer();
        s_.opt_dec = Optimizer();
        s_.opt_enc.kind = s_.opt_dec.kind = rc_.optimizer;
        s_.opt_enc.set_lr(rc_.lr);
        s_.opt_dec.set_lr(rc_.lr);
        s_.opt_enc.sgd.momentum = s_.opt_dec.sgd.momentum = rc_.momentum;
        last_ckpt_it_ = 0;
        if (rc_.iterations > 0) save_checkpoint();
    }
    if (s_.phase == 1) {
        alternate();
        s_.log.iterations_run = s_.it;
        s_.phase = 2;
    }
    TrainResult r;
    r.model = finish();
    s_.log.total_seconds = s_.elapsed_before + (now_seconds() - t_start_);
    const int pre = rc_.pretrain_iterations;
    s_.log.seconds_per_pretrain_iteration = pre > 0 ? s_.log.pretrain_seconds / pre : 0;
    s_.log.seconds_per_iteration = s_.log.iterations_run > 0 ? s_.log.alternate_seconds / s_.log.iterations_run : 0;
    r.log = s_.log;
    return r;
}

}  // namespace

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

}  // namespace dqt
