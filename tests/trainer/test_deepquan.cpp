// DeepQuan training on tiny synthetic data: the quantization losses' gradients against finite
// differences, the logs, bit-identical models for 1 and 2 threads, resume after an interruption
// ending identical to an uninterrupted run, and every guard's message.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

#include "train/quant_loss.h"
#include "train/trainer.h"
#include "data/standardize.h"
#include "dq/encoder.h"
#include "dq/format.h"
#include "dq/pq.h"
#include "test_support.h"

using Catch::Matchers::Contains;
using dqt::Mat;

namespace {

// n images of 4 × 4 pixels in [0,1]: 8 prototypes plus noise.
dqt::Dataset tiny_dataset(size_t n, uint64_t seed, size_t prototypes = 8, double noise = 0.08) {
    dqt::SplitMix64 rng(seed);
    dqt::Dataset ds;
    ds.name = "tiny";
    ds.input.height = 4;
    ds.input.width = 4;
    ds.n = n;
    ds.dim = 16;
    std::vector<float> proto(prototypes * 16);
    for (float& v : proto) v = float(rng.uniform());
    ds.x.resize(n * 16);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < 16; ++j) {
            double v = proto[(i % prototypes) * 16 + j] + noise * rng.normal();
            ds.x[i * 16 + j] = float(std::min(1.0, std::max(0.0, v)));
        }
    return ds;
}

dqt::TrainConfig tiny_config() {
    dqt::TrainConfig c;
    c.bits = 8;
    c.K = 16;           // 4-bit codes: M = 2 subspaces
    c.dsub = 4;         // L = 8
    c.hidden = {24, 20};
    c.pretrain_iterations = 80;
    c.pretrain_lr = 0.01f;
    c.pretrain_batch = 64;
    c.iterations = 30;
    c.batch = 64;       // 5 iterations per epoch on 320 images
    c.kmeans_iters = 5;
    c.progress_every = 1;
    c.seed = 3;
    // 20-unit networks on a few hundred synthetic images learn too slowly under the default 40 % input
    // dropout for the pretraining guard; the denoising path has its own test below.
    c.pretrain_noise = 0;
    return c;
}

struct TempFile {
    std::string path;
    explicit TempFile(const std::string& name) : path("/tmp/dqt-method-" + std::to_string(::getpid()) + "-" + name) {
        std::remove(path.c_str());
    }
    ~TempFile() { std::remove(path.c_str()); }
};

bool same_model(const dq::Model& a, const dq::Model& b) {
    if (a.layers.size() != b.layers.size() || a.codebooks != b.codebooks || a.M != b.M) return false;
    for (size_t l = 0; l < a.layers.size(); ++l)
        if (a.layers[l].weight != b.layers[l].weight || a.layers[l].bias != b.layers[l].bias) return false;
    return true;
}

Mat random_mat(Eigen::Index r, Eigen::Index c, uint64_t seed) {
    dqt::SplitMix64 rng(seed);
    Mat m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = float(rng.normal());
    return m;
}


}  // namespace

TEST_CASE("quantization losses: values and gradients against finite differences", "[deepquan]") {
    const Eigen::Index n = 6, L = 8;
    Mat z = random_mat(n, L, 1), pos = random_mat(n, L, 2), neg = random_mat(n, L, 3);
    // 0 plain triplet, 1 squared triplet, 2 quad, 3 squared triplet + 0.5 quad (the mixed objective).
    for (int variant = 0; variant < 4; ++variant) {
        dqt::QuantLoss ql;
        ql.quad = variant == 2;
        ql.squared = variant == 1 || variant == 3;
        ql.quad_weight = variant == 3 ? 0.5f : 0.0f;
        ql.s = 2.0f;
        ql.lambda = 0.3f;
        Mat g;
        double active = -1;
        const double value = ql(z, pos, neg, &g, &active);
        // Reference value, row by row in double.
        double ref = 0;
        int on = 0;
        for (Eigen::Index i = 0; i < n; ++i) {
            double p2 = (z.row(i) - pos.row(i)).cast<double>().squaredNorm();
            double n2 = (z.row(i) - neg.row(i)).cast<double>().squaredNorm();
            if (ql.quad) {
                ref += p2;
                ++on;
                continue;
            }
            ref += ql.quad_weight * p2;
            double dp = ql.squared ? p2 : std::sqrt(p2), dn = ql.squared ? n2 : std::sqrt(n2);
            double h = 2.0 - (0.3 * dn - dp);
            if (h > 0) ref += h, ++on;
        }
        CHECK(value == Approx(ref / n).epsilon(1e-5));
        CHECK(active == Approx(double(on) / n));
        CHECK(on > 0);
        const float h = 1e-3f;
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < L; ++j) {
                Mat zp = z, zm = z;
                zp(i, j) += h;
                zm(i, j) -= h;
                const double fd = (ql(zp, pos, neg, nullptr, nullptr) - ql(zm, pos, neg, nullptr, nullptr)) / (2.0 * h);
                INFO("variant " << variant << " row " << i << " col " << j);
                CHECK(std::abs(fd - g(i, j)) < 1e-3 + 1e-3 * std::abs(fd));
            }
    }
    // A satisfied margin: no loss, no gradient, hinge inactive.
    dqt::QuantLoss ql;
    Mat zz = Mat::Zero(1, 2), p = Mat::Zero(1, 2), far(1, 2), g;
    far << 100, 0;
    double active = -1;
    CHECK(ql(zz, p, far, &g, &active) == 0.0);
    CHECK(active == 0.0);
    CHECK(g.isZero());
    CHECK_THROWS_WITH(ql(zz, p, Mat::Zero(2, 2), nullptr, nullptr), Contains("same shape"));
}

// Eq. 2's C- must be a codeword the image is not assigned to: with 4-bit codes there are only 15 to
// draw from, so an off-by-one in the skip would hand the loss its own positive 1 time in 16.
TEST_CASE("C- is drawn uniformly among the K - 1 unassigned codewords (K = 16 and 256)", "[deepquan]") {
    for (uint32_t K : {16u, 256u}) {
        for (uint32_t c : {0u, 1u, K / 2, K - 2, K - 1}) {
            INFO("K " << K << " assigned " << c);
            dqt::SplitMix64 rng(K * 1000 + c), same(K * 1000 + c);
            std::vector<int> hits(K, 0);
            const int draws = int(K) * 60;
            for (int i = 0; i < draws; ++i) {
                const uint32_t r = dqt::draw_unassigned(rng, K, c);
                REQUIRE(r < K);
                REQUIRE(r != c);
                // One below(K - 1) per draw, mapped around c: the sequence earlier runs consumed.
                const uint32_t b = uint32_t(same.below(K - 1));
                CHECK(r == (b >= c ? b + 1 : b));
                ++hits[r];
            }
            CHECK(hits[c] == 0);
            for (uint32_t k = 0; k < K; ++k)
                if (k != c) CHECK(hits[k] > 20);  // 60 expected: every other codeword is drawn
        }
    }
    dqt::SplitMix64 rng(1);
    CHECK_THROWS_WITH(dqt::draw_unassigned(rng, 16, 16), Contains("K = 16, assigned codeword 16"));
    CHECK_THROWS_WITH(dqt::draw_unassigned(rng, 1, 0), Contains("no unassigned codeword"));
}

TEST_CASE("a tiny run trains, logs every iteration and epoch, and exports a valid model", "[deepquan]") {
    dqt::Dataset ds = tiny_dataset(320, 1);
    dqt::TrainConfig c = tiny_config();
    int calls = 0, last_alt = 0;
    c.on_progress = [&](const dqt::TrainProgress& p) {
        ++calls;
        if (p.phase == "alternate") last_alt = p.iteration;
        CHECK(std::isfinite(p.loss));
        CHECK(p.eta_seconds >= 0);
    };
    dqt::TrainResult r = dqt::train_deepquan(c, ds);
    const dqt::TrainLog& l = r.log;
    CHECK(calls == 80 + 30);
    CHECK(last_alt == 30);
    CHECK(l.variant == "deepquan");
    CHECK(l.J.size() == 30);
    CHECK(l.R.size() == 30);
    CHECK(l.hinge_active.size() == 30);
    CHECK(l.epochs == 6);
    CHECK(l.iterations_run == 30);
    CHECK(l.epoch_iteration == std::vector<int>{0, 5, 10, 15, 20, 25});
    CHECK(l.codeword_distance.size() == 6);
    CHECK(l.pretrain_loss.size() == 80);
    CHECK(l.pretrain_loss.back() < l.pretrain_loss.front());
    for (float a : l.hinge_active) CHECK((a >= 0 && a <= 1));
    for (float d : l.distinct_codes) CHECK((d > 0 && d <= 1));
    CHECK(l.total_seconds > 0);
    CHECK_THAT(l.settings_json, Contains("\"squared_distances\": true"));

    const dq::Model& m = r.model;
    REQUIRE_NOTHROW(m.validate());
    CHECK(m.M == 2);
    CHECK(m.K == 16);
    CHECK(m.dsub == 4);
    REQUIRE(m.layers.size() == 3);
    CHECK(m.layers[0].in == 16);
    CHECK(m.layers[0].out == 24);
    CHECK(m.layers[2].act == dq::Activation::linear);
    CHECK_THAT(m.meta_json, Contains("\"variant\": \"deepquan\""));
    // The codebooks were fit on the core encoder's z: no codeword is left without a training image.
    dq::Encoder enc(m);
    std::vector<float> z(ds.n * 8);
    enc.forward(ds.x.data(), ds.n, z.data());
    dq::ProductQuantizer pq(m.M, m.K, m.dsub, m.codebooks);
    std::vector<uint8_t> codes(ds.n * 2);
    pq.encode(z.data(), ds.n, codes.data());
    std::vector<int> used(32, 0);
    for (size_t i = 0; i < ds.n; ++i) used[codes[i * 2]] = used[16 + codes[i * 2 + 1]] = 1;
    CHECK(std::count(used.begin(), used.end(), 1) == 32);
    CHECK_THAT(dqt::train_log_json(l), Contains("\"codeword_distance\": ["));
}

TEST_CASE("variants: paper uses plain norms, quad and wtps drop R, daepq only pretrains", "[deepquan]") {
    dqt::Dataset ds = tiny_dataset(320, 2);
    dqt::TrainConfig c = tiny_config();
    c.iterations = 10;
    c.variant = dqt::Variant::paper;
    dqt::TrainResult paper = dqt::train_deepquan(c, ds);
    CHECK_THAT(paper.log.settings_json, Contains("\"squared_distances\": false"));
    CHECK_THAT(paper.log.settings_json, Contains("\"optimizer\": \"sgd\""));
    CHECK_THAT(paper.log.settings_json, Contains("\"eta\": 1,"));
    c.variant = dqt::Variant::quad;
    dqt::TrainResult quad = dqt::train_deepquan(c, ds);
    for (float a : quad.log.hinge_active) CHECK(a == 1.0f);
    for (float R : quad.log.R) CHECK(R == 0.0f);
    CHECK_THAT(quad.log.settings_json, Contains("\"eta\": 0"));
    c.variant = dqt::Variant::wtps;
    CHECK_THAT(dqt::train_deepquan(c, ds).log.settings_json, Contains("\"eta\": 0"));
    // The shipped variant's own η and length (validated; round 5): 800 iterations up to two subspaces, 200 beyond.
    c.variant = dqt::Variant::deepquan;
    c.iterations.reset();
    c.progress_every = 0;
    dqt::TrainResult ours = dqt::train_deepquan(c, ds);
    CHECK_THAT(ours.log.settings_json, Contains("\"eta\": 0.1000000015,"));
    CHECK(ours.log.iterations_run == 800);  // 8 bits of 4-bit codes: M = 2
    c.bits = 16;                             // M = 4
    CHECK(dqt::train_deepquan(c, ds).log.iterations_run == 200);
    // ... and at least 6 epochs, so a large training set still sees several codebook updates: at batch 7
    // six epochs of these 320 images are 1920 / 7 = 274.3 iterations, rounded up.
    c.batch = 7;
    const size_t six_epochs = (6 * ds.n + 6) / 7;
    REQUIRE(six_epochs == 275);
    REQUIRE(six_epochs > 200);
    CHECK(size_t(dqt::train_deepquan(c, ds).log.iterations_run) == six_epochs);
    // A dataset's own floor (the CLI gives fashion70k 16 epochs): 16 * 320 / 7 = 731.4, rounded up.
    c.min_epochs = 16;
    CHECK(dqt::train_deepquan(c, ds).log.iterations_run == 732);
    c.min_epochs.reset();
    c.batch = tiny_config().batch;
    c.bits = 8;
    c.eta = 0.5f;
    CHECK_THAT(dqt::train_deepquan(c, ds).log.settings_json, Contains("\"eta\": 0.5,"));
    c.eta.reset();
    c.iterations = 10;
    c.variant = dqt::Variant::daepq;
    dqt::TrainResult dae = dqt::train_deepquan(c, ds);
    CHECK(dae.log.J.empty());
    CHECK(dae.log.iterations_run == 0);
    CHECK_NOTHROW(dae.model.validate());
}

// 4-bit codes are not a special path of the loop: K comes from the request and M = bits / 4, odd M included
// (12 bits: 3 subspaces, a half-filled last byte in a Faiss export).
TEST_CASE("every variant trains 4-bit codes: K = 16, M = bits / 4, odd M included", "[deepquan]") {
    dqt::Dataset ds = tiny_dataset(320, 9);
    dqt::TrainConfig c = tiny_config();
    c.bits = 12;
    c.iterations = 10;
    c.progress_every = 0;
    for (dqt::Variant v : dqt::kVariants) {
        INFO(dqt::variant_name(v));
        c.variant = v;
        const dqt::TrainResult r = dqt::train_deepquan(c, ds);
        REQUIRE_NOTHROW(r.model.validate());
        CHECK(r.model.M == 3);
        CHECK(r.model.K == 16);
        CHECK(r.model.latent_dim() == 12);
        CHECK_THAT(r.log.settings_json, Contains("\"M\": 3,") && Contains("\"K\": 16,"));
        CHECK_THAT(r.model.meta_json, Contains("\"K\": 16"));
        // The core encodes with the trained codebooks into codes below 16, and at least 2 of 16 are used
        // in every subspace (the collapse guard's floor is far above that; this checks K reached PQ).
        dq::Encoder enc(r.model);
        std::vector<float> z(ds.n * 12);
        enc.forward(ds.x.data(), ds.n, z.data());
        dq::ProductQuantizer pq(r.model.M, r.model.K, r.model.dsub, r.model.codebooks);
        std::vector<uint8_t> codes(ds.n * 3);
        pq.encode(z.data(), ds.n, codes.data());
        for (uint32_t m = 0; m < 3; ++m) {
            std::vector<int> used(16, 0);
            for (size_t i = 0; i < ds.n; ++i) {
                REQUIRE(codes[i * 3 + m] < 16);
                used[codes[i * 3 + m]] = 1;
            }
            CHECK(std::count(used.begin(), used.end(), 1) >= 2);
        }
    }
}

TEST_CASE("deepquan rescales z to a fixed mean squared norm (or RMS z_scale); others keep it", "[deepquan]") {
    dqt::Dataset ds = tiny_dataset(320, 2);
    dqt::TrainConfig c = tiny_config();
    c.iterations = 0;  // the returned encoder is the rescaled pretrained one
    auto rms = [&](const dq::Model& m) {
        dq::Encoder enc(m);
        std::vector<float> z(ds.n * m.latent_dim());
        enc.forward(ds.x.data(), ds.n, z.data());
        double s2 = 0;
        for (float v : z) s2 += double(v) * v;
        return std::sqrt(s2 / double(z.size()));
    };
    dqt::TrainResult ours = dqt::train_deepquan(c, ds);
    const double automatic = std::sqrt(64.0 / 8.0);  // mean ||z||^2 = 64 over L = 8 dimensions
    CHECK(std::abs(rms(ours.model) - automatic) < 1e-3 * automatic);
    c.z_scale = 0.25f;
    CHECK(std::abs(rms(dqt::train_deepquan(c, ds).model) - 0.25) < 1e-3);
    c.z_scale.reset();
    c.variant = dqt::Variant::daepq;
    dqt::TrainResult dae = dqt::train_deepquan(c, ds);
    CHECK_THAT(dae.log.settings_json, Contains("\"z_scale\": 0"));
    c.variant = dqt::Variant::deepquan;
    c.z_scale = 0;  // keep: whatever pretraining left, as daepq must
    CHECK(rms(dae.model) == Approx(rms(dqt::train_deepquan(c, ds).model)).epsilon(1e-6));
}

TEST_CASE("SGD pretraining averages R over pixels, logs it summed, and learns at its default lr", "[deepquan]") {
    dqt::Dataset ds = tiny_dataset(320, 2);
    dqt::TrainConfig c = tiny_config();
    c.variant = dqt::Variant::daepq;
    c.pretrain_optimizer = "sgd";
    c.pretrain_lr.reset();
    c.pretrain_iterations = 300;
    dqt::TrainResult r = dqt::train_deepquan(c, ds);  // the "did not learn" guard throws otherwise
    CHECK_THAT(r.log.settings_json, Contains("\"pretrain_r_mean_over_pixels\": true"));
    CHECK_THAT(r.log.settings_json, Contains("\"pretrain_lr\": 0.05"));
    REQUIRE(r.log.pretrain_loss.size() >= 2);
    CHECK(r.log.pretrain_loss.back() < r.log.pretrain_loss.front());
    c.pretrain_optimizer = "adam";
    CHECK_THAT(dqt::train_deepquan(c, ds).log.settings_json, Contains("\"pretrain_r_mean_over_pixels\": false"));
}

TEST_CASE("same seed gives a bit-identical model for 1 and 2 threads", "[deepquan]") {
    dqt::Dataset ds = tiny_dataset(320, 4);
    dqt::TrainConfig c = tiny_config();
    c.progress_every = 0;
    c.threads = 1;
    dqt::TrainResult a = dqt::train_deepquan(c, ds);
    c.threads = 2;
    dqt::TrainResult b = dqt::train_deepquan(c, ds);
    CHECK(same_model(a.model, b.model));
    CHECK(a.log.J == b.log.J);
    c.seed = 4;
    CHECK(!same_model(a.model, dqt::train_deepquan(c, ds).model));
}

TEST_CASE("denoising pretraining: default on, its own model, the same for any thread count and after a resume", "[deepquan]") {
    dqt::Dataset ds = tiny_dataset(320, 8);
    dqt::TrainConfig c = tiny_config();
    c.progress_every = 0;
    c.pretrain_noise = 0;
    const dqt::TrainResult plain = dqt::train_deepquan(c, ds);
    CHECK_THAT(plain.log.settings_json, Contains("\"pretrain_noise\": 0,"));
    c.pretrain_noise.reset();
    CHECK_THAT(dqt::train_deepquan(c, ds).log.settings_json, Contains("\"pretrain_noise\": 0.4"));
    c.pretrain_noise = 0.2f;
    c.threads = 1;
    const dqt::TrainResult one = dqt::train_deepquan(c, ds);
    CHECK_THAT(one.log.settings_json, Contains("\"pretrain_noise\": 0.2"));
    CHECK(!same_model(plain.model, one.model));
    c.threads = 2;
    CHECK(same_model(one.model, dqt::train_deepquan(c, ds).model));
    TempFile ckpt("ckpt-noise");
    dqt::TrainConfig k = c;
    k.checkpoint_path = ckpt.path;
    k.checkpoint_every = 5;
    k.progress_every = 1;
    k.on_progress = [](const dqt::TrainProgress& p) {
        if (p.phase == "pretrain" && p.iteration == 37) throw std::runtime_error("simulated interrupt");
    };
    CHECK_THROWS_WITH(dqt::train_deepquan(k, ds), "simulated interrupt");
    k.on_progress = nullptr;
    k.resume = true;
    CHECK(same_model(one.model, dqt::train_deepquan(k, ds).model));
    c.pretrain_noise = 1.0f;
    CHECK_THROWS_WITH(dqt::train_deepquan(c, ds), "pretrain noise must be in [0, 1), got 1");
}

TEST_CASE("each epoch's K-means runs on the z of the epoch's own forward passes, or on all re-encoded", "[deepquan]") {
    dqt::Dataset ds = tiny_dataset(330, 6);  // 5 batches of 64 per epoch: 10 images left out each time
    dqt::TrainConfig c = tiny_config();
    c.progress_every = 0;
    c.fresh_epoch_z = true;
    const dqt::TrainResult fresh = dqt::train_deepquan(c, ds);
    CHECK_THAT(fresh.log.settings_json, Contains("\"epoch_kmeans_on\": \"re-encoded training set\""));
    c.fresh_epoch_z.reset();
    const dqt::TrainResult reuse = dqt::train_deepquan(c, ds);
    CHECK_THAT(reuse.log.settings_json, Contains("\"epoch_kmeans_on\": \"the epoch's own forward passes\""));
    // The first epoch encodes everything either way; from the second the z differ (older by up to an epoch).
    REQUIRE(reuse.log.J.size() == 30);
    REQUIRE(fresh.log.J.size() == 30);
    CHECK(std::vector<float>(reuse.log.J.begin(), reuse.log.J.begin() + 5) ==
          std::vector<float>(fresh.log.J.begin(), fresh.log.J.begin() + 5));
    CHECK(!same_model(fresh.model, reuse.model));
    // With a step too small to move any weight the forward passes' z are the current z (to rounding), so
    // the K-means must give every image the same codewords either way, hence the same loss at every
    // iteration: z stored under the wrong image, or the left-out images missed, would change the positives.
    c.adam_lr = 1e-30f;
    c.fresh_epoch_z = true;
    const dqt::TrainResult still_fresh = dqt::train_deepquan(c, ds);
    c.fresh_epoch_z = false;
    const dqt::TrainResult still_reuse = dqt::train_deepquan(c, ds);
    REQUIRE(still_reuse.log.J.size() == still_fresh.log.J.size());
    for (size_t i = 0; i < still_fresh.log.J.size(); ++i) {
        INFO("iteration " << i);
        CHECK(still_reuse.log.J[i] == Approx(still_fresh.log.J[i]).epsilon(1e-4));
    }
    REQUIRE(still_reuse.log.quantization_error.size() == 6);
    for (size_t e = 0; e < 6; ++e)
        CHECK(still_reuse.log.quantization_error[e] == Approx(still_fresh.log.quantization_error[e]).epsilon(1e-4));
}

TEST_CASE("resume after an interruption ends identical to an uninterrupted run", "[deepquan]") {
    dqt::Dataset ds = tiny_dataset(320, 5);
    dqt::TrainConfig c = tiny_config();
    dqt::TrainResult whole = dqt::train_deepquan(c, ds);
    for (const char* phase : {"pretrain", "alternate"}) {
        TempFile ckpt(std::string("ckpt-") + phase);
        dqt::TrainConfig k = tiny_config();
        k.checkpoint_path = ckpt.path;
        k.checkpoint_every = 5;
        const int stop_at = std::string(phase) == "pretrain" ? 37 : 23;
        k.on_progress = [&](const dqt::TrainProgress& p) {
            if (p.phase == phase && p.iteration == stop_at) throw std::runtime_error("simulated interrupt");
        };
        CHECK_THROWS_WITH(dqt::train_deepquan(k, ds), "simulated interrupt");
        k.on_progress = nullptr;
        k.resume = true;
        dqt::TrainResult resumed = dqt::train_deepquan(k, ds);
        INFO("interrupted in " << phase);
        CHECK(same_model(whole.model, resumed.model));
        CHECK(resumed.log.J == whole.log.J);
        CHECK(resumed.log.codeword_distance == whole.log.codeword_distance);
        // A checkpoint from another configuration is refused rather than silently mixed in.
        k.seed = 99;
        CHECK_THROWS_WITH(dqt::train_deepquan(k, ds), Contains("belongs to another configuration"));
        // So is one with a flipped bit anywhere (a weight, the random state): the container's CRCs catch it.
        k.seed = tiny_config().seed;
        const std::vector<uint8_t> good = dqtest::read_file(ckpt.path);
        REQUIRE(good.size() > 100);
        auto write = [&](const std::vector<uint8_t>& b) {
            std::ofstream(ckpt.path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
        };
        std::vector<uint8_t> bytes = good;
        bytes[bytes.size() / 2] ^= 0x04;
        write(bytes);
        CHECK_THROWS_WITH(dqt::train_deepquan(k, ds), Contains("is corrupt (") && Contains("delete it and run again"));
        write(std::vector<uint8_t>(good.begin(), good.end() - 1));
        CHECK_THROWS_WITH(dqt::train_deepquan(k, ds), Contains("is corrupt (truncated"));
        // A checkpoint of the format before the section container says so, instead of "bad magic".
        write(std::vector<uint8_t>{'D', 'Q', 'T', 'S', 'T', 'A', 'T', '5', 0, 0, 0, 0});
        CHECK_THROWS_WITH(dqt::train_deepquan(k, ds), Contains("written by an older version of deepquan"));
        // Another DeepQuan file in its place is named as what it is.
        write(dq::write_model(whole.model));
        CHECK_THROWS_WITH(dqt::train_deepquan(k, ds),
                          Contains("this is a DeepQuan model file (.dqm), not a training checkpoint file (.ckpt)"));
    }
}

TEST_CASE("guards stop training with a clear message instead of writing a useless model", "[deepquan]") {
    dqt::Dataset ds = tiny_dataset(320, 6);
    dqt::TrainConfig c = tiny_config();
    c.progress_every = 0;
    SECTION("bad configuration") {
        // Variants are an enum: a name is checked once, where it is parsed (the CLI names the flag).
        CHECK_FALSE(dqt::parse_variant("fancy"));
        CHECK(dqt::parse_variant("wtps") == dqt::Variant::wtps);
        CHECK(dqt::variant_list() == "deepquan, paper, quad, wtps or daepq");
        for (dqt::Variant v : dqt::kVariants) CHECK(dqt::parse_variant(dqt::variant_name(v)) == v);
        c.bits = 6;  // K = 16: 4 bits per subspace
        CHECK_THROWS_WITH(dqt::train_deepquan(c, ds), Contains("bits must be a positive multiple of 4 (4 bits per subspace for K = 16), got 6"));
        c.bits = 12;
        c.K = 256;
        CHECK_THROWS_WITH(dqt::train_deepquan(c, ds), Contains("bits must be a positive multiple of 8 (8 bits per subspace for K = 256), got 12"));
        c.K = 64;
        CHECK_THROWS_WITH(dqt::train_deepquan(c, ds), Contains("K must be 256 or 16, got 64"));
    }
    SECTION("reconstruction stuck at the mean image") {
        c.pretrain_iterations = 0;
        CHECK_THROWS_WITH(dqt::train_deepquan(c, ds), Contains("pretraining did not learn: reconstruction error"));
    }
    SECTION("non-finite loss") {
        c.variant = dqt::Variant::paper;
        c.lr = 1e6f;
        CHECK_THROWS_WITH(dqt::train_deepquan(c, ds), Contains("training diverged"));
    }
    SECTION("too few distinct codes") {
        // Two distinct images repeated: whatever the network does, at most 2 of 320 codes differ.
        dqt::Dataset two = tiny_dataset(320, 7, 2, 0.0);
        CHECK_THROWS_WITH(dqt::train_deepquan(c, two), Contains("training collapsed at iteration 0 (epoch 0): 0.63% distinct codes among 320 images"));
        CHECK_THROWS_WITH(dqt::train_deepquan(c, two), Contains("at most 256 can differ"));  // min(320, 16^2)
    }
    SECTION("a code length with fewer codes than 1 % of the images is not a collapse") {
        // One subspace of 256 codewords over 30,000 images: at most 256 distinct codes, 0.85 %. The guard
        // once compared with the image count alone and refused every 8-bit run on fashion70k.
        dqt::Dataset many = tiny_dataset(30000, 8);
        c.K = 256;
        c.bits = 8;  // M = 1
        c.iterations = 10;
        const dqt::TrainResult r = dqt::train_deepquan(c, many);
        REQUIRE(r.model.M == 1);
        CHECK(r.log.distinct_codes.back() * 30000.0f > 200.0f);
        CHECK(r.log.distinct_codes.back() < 0.01f);
    }
}

TEST_CASE("feature vectors: trained standardized, the model carries the training set's statistics", "[deepquan]") {
    // The tiny images moved far from [0, 1]: x -> 1000 + 50 x, as embeddings or descriptors can be.
    dqt::Dataset ds = tiny_dataset(320, 1);
    for (float& v : ds.x) v = 1000.0f + 50.0f * v;
    ds.features = true;
    ds.input.scale = 1.0f;
    dqt::TrainConfig c = tiny_config();
    const dqt::TrainResult r = dqt::train_deepquan(c, ds);
    REQUIRE(r.model.input.standardized());
    dq::InputSpec want = ds.input;
    dqt::compute_standardization(ds, want);
    CHECK(r.model.input.mean == want.mean);
    CHECK(r.model.input.inv_std == want.inv_std);
    CHECK(r.model.input.mean[0] > 1000.0f);
    CHECK(r.model.input.inv_std[0] < 1.0f / 5.0f);
    // The same run as on the standardized copy given as plain data: identical weights and codebooks
    // (the networks saw the same bits, and the core's encoder standardizes the raw rows to them).
    dqt::Dataset pre = dqt::standardized_copy(ds, want);
    pre.features = false;
    pre.input.mean.clear();
    pre.input.inv_std.clear();
    const dqt::TrainResult p = dqt::train_deepquan(c, pre);
    CHECK(!p.model.input.standardized());   // plain data gets no standardization
    CHECK(same_model(r.model, p.model));
    // Raw rows through the feature model = standardized rows through the plain one, bit for bit.
    std::vector<float> z(size_t(ds.n) * r.model.latent_dim()), zp(z.size());
    dq::Encoder(r.model).forward(ds.x.data(), ds.n, z.data());
    dq::Encoder(p.model).forward(pre.x.data(), pre.n, zp.data());
    CHECK(z == zp);
    // And it round-trips through the file.
    const std::vector<uint8_t> bytes = dq::write_model(r.model);
    CHECK(dq::read_model(bytes.data(), bytes.size()).input.inv_std == want.inv_std);
}
