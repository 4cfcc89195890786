// Baselines on small synthetic data: linear algebra invariants (orthogonal rotations, PCA), ITQ's
// monotone loss, PQ and OPQ far above chance, OPQ's distortion no worse than PQ's, seeded runs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "baselines/baselines.h"
#include "data/split.h"
#include "io_test_util.h"
#include "baselines/pca.h"

using Catch::Matchers::Contains;

namespace {

// n points in d dims: a random rotation of an axis-aligned Gaussian with decreasing variances.
std::vector<float> anisotropic(size_t n, size_t d, uint64_t seed) {
    dqt::SplitMix64 rng(seed);
    std::vector<float> raw(n * d), out(n * d);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < d; ++j) raw[i * d + j] = float(rng.normal() * std::pow(0.7, double(j)) * 3.0);
    std::vector<float> r = dqt::random_orthogonal(d, seed + 1);
    dqt::matmul(raw.data(), n, d, r.data(), d, out.data());
    return out;
}

}  // namespace

TEST_CASE("random rotations are orthogonal and Procrustes recovers a rotation", "[baselines][linalg]") {
    for (size_t d : {1, 2, 7, 32}) {
        std::vector<float> r = dqt::random_orthogonal(d, 5);
        CHECK(dqt::orthogonality_error(r.data(), d) < 1e-5);
    }
    CHECK(dqt::random_orthogonal(8, 5) == dqt::random_orthogonal(8, 5));
    CHECK(dqt::random_orthogonal(8, 5) != dqt::random_orthogonal(8, 6));
    // X R = Y with R known: procrustes(Xᵀ Y) = R.
    const size_t n = 200, d = 6;
    std::vector<float> x = anisotropic(n, d, 9), y(n * d), m(d * d);
    std::vector<float> r = dqt::random_orthogonal(d, 11);
    dqt::matmul(x.data(), n, d, r.data(), d, y.data());
    dqt::matmul_at_b(x.data(), n, d, y.data(), d, m.data());
    std::vector<float> rr = dqt::procrustes(m.data(), d);
    for (size_t i = 0; i < d * d; ++i) CHECK(rr[i] == Approx(r[i]).margin(1e-4));
}

TEST_CASE("PCA finds decreasing variances and orthonormal components", "[baselines][linalg]") {
    const size_t n = 2000, d = 8;
    std::vector<float> x = anisotropic(n, d, 3);
    dqt::Pca p = dqt::fit_pca(x.data(), n, d, 4);
    REQUIRE(p.eigenvalues.size() == 4);
    CHECK(std::is_sorted(p.eigenvalues.rbegin(), p.eigenvalues.rend()));
    // Variances were 9 · 0.49^j: the top eigenvalue is near 9, the ratio of consecutive ones near 0.49.
    CHECK(p.eigenvalues[0] == Approx(9.0).epsilon(0.12));
    CHECK(p.eigenvalues[1] / p.eigenvalues[0] == Approx(0.49).epsilon(0.2));
    for (size_t a = 0; a < 4; ++a)
        for (size_t b = 0; b < 4; ++b) {
            double dot = 0;
            for (size_t j = 0; j < d; ++j) dot += double(p.components[a * d + j]) * p.components[b * d + j];
            CHECK(dot == Approx(a == b ? 1.0 : 0.0).margin(1e-5));
        }
    CHECK_THROWS_WITH(dqt::fit_pca(x.data(), n, d, 9), Contains("9 components requested from 8 dimensions"));
}

TEST_CASE("ITQ: orthogonal projection, non-increasing loss, better than chance", "[baselines][itq]") {
    dqt::Dataset ds = iotest::blobs(4, 100, 6, 6, 2);
    dqt::BinaryHash h = dqt::train_itq(ds.x.data(), ds.n, ds.dim, 16, 30, 1);
    REQUIRE(h.loss.size() == 30);
    for (size_t i = 1; i < h.loss.size(); ++i) CHECK(h.loss[i] <= h.loss[i - 1] * (1 + 1e-5));
    CHECK(h.loss.back() < h.loss.front());
    // projection = PCA basis (orthonormal columns) times an orthogonal R: PᵀP = I.
    std::vector<float> ptp(16 * 16);
    dqt::matmul_at_b(h.projection.data(), ds.dim, 16, h.projection.data(), 16, ptp.data());
    for (size_t a = 0; a < 16; ++a)
        for (size_t b = 0; b < 16; ++b) CHECK(ptp[a * 16 + b] == Approx(a == b ? 1.0 : 0.0).margin(1e-4));
    auto codes = h.encode(ds.x.data(), ds.n);
    CHECK(codes.size() == ds.n);
    auto r = dqt::evaluate_hamming(codes.data(), ds.n, 1, ds.labels.data(), codes.data(), 40, ds.labels.data());
    CHECK(r.metrics.map_all > 0.6);  // chance is 0.25
    CHECK(dqt::train_itq(ds.x.data(), ds.n, ds.dim, 16, 30, 1).projection == h.projection);
    CHECK_THROWS_WITH(dqt::train_itq(ds.x.data(), ds.n, ds.dim, 40, 5, 1), Contains("40 bits from 36 dimensions"));
}

TEST_CASE("LSH and PCAH: seeded, unused bits zero, above chance", "[baselines][hash]") {
    dqt::Dataset ds = iotest::blobs(4, 100, 6, 6, 4);
    dqt::BinaryHash l = dqt::train_lsh(ds.x.data(), ds.n, ds.dim, 24, 3);
    CHECK(l.projection == dqt::train_lsh(ds.x.data(), ds.n, ds.dim, 24, 3).projection);
    CHECK(l.projection != dqt::train_lsh(ds.x.data(), ds.n, ds.dim, 24, 4).projection);
    auto lc = l.encode(ds.x.data(), ds.n);
    for (uint64_t w : lc) CHECK((w >> 24) == 0);
    dqt::BinaryHash p = dqt::train_pcah(ds.x.data(), ds.n, ds.dim, 8);
    auto pc = p.encode(ds.x.data(), ds.n);
    auto rl = dqt::evaluate_hamming(lc.data(), ds.n, 1, ds.labels.data(), lc.data(), 40, ds.labels.data());
    auto rp = dqt::evaluate_hamming(pc.data(), ds.n, 1, ds.labels.data(), pc.data(), 40, ds.labels.data());
    CHECK(rl.metrics.map_all > 0.4);
    CHECK(rp.metrics.map_all > 0.4);
}

TEST_CASE("eigenvalue allocation is a balanced permutation", "[baselines][opq]") {
    std::vector<double> ev = {8, 4, 2, 1, 0.5, 0.25, 0.125, 0};
    auto perm = dqt::eigenvalue_allocation(ev, 2);
    REQUIRE(perm.size() == 8);
    std::vector<size_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < 8; ++i) CHECK(sorted[i] == i);
    CHECK(perm[0] == 0);  // the largest variance opens subspace 0 ...
    CHECK(perm[4] == 1);  // ... the second one subspace 1
}

TEST_CASE("PQ beats random codes; OPQ distortion no worse than PQ", "[baselines][pq][opq]") {
    dqt::Dataset ds = iotest::blobs(5, 80, 4, 4, 6);  // 400 × 16
    dq::ProductQuantizer pq = dqt::train_pq(ds.x.data(), ds.n, ds.dim, 2, 16, 20, 1);
    CHECK(pq.M() == 2);
    CHECK(pq.dsub() == 8);
    std::vector<uint8_t> codes(ds.n * 2);
    pq.encode(ds.x.data(), ds.n, codes.data());
    auto r = dqt::evaluate_pq(pq, codes.data(), ds.n, ds.labels.data(), ds.x.data(), 50, ds.labels.data(), false);
    dqt::SplitMix64 rng(1);
    std::vector<uint8_t> rnd(codes.size());
    for (auto& c : rnd) c = uint8_t(rng.below(16));
    auto rr = dqt::evaluate_pq(pq, rnd.data(), ds.n, ds.labels.data(), ds.x.data(), 50, ds.labels.data(), false);
    CHECK(r.metrics.map_all > 0.6);
    CHECK(rr.metrics.map_all < 0.35);  // chance is 0.2

    const size_t n = 600, d = 8;
    std::vector<float> x = anisotropic(n, d, 8);
    dq::ProductQuantizer plain = dqt::train_pq(x.data(), n, d, 2, 16, 20, 2);
    dqt::Opq o = dqt::train_opq(x.data(), n, d, 2, 16, 8, 20, 4, 2);
    CHECK(dqt::orthogonality_error(o.rotation.data(), d) < 1e-4);
    REQUIRE(o.distortion.size() == 9);
    CHECK(o.distortion.back() <= plain.quantization_error(x.data(), n) * 1.02);
    CHECK_THROWS_WITH(dqt::train_pq(x.data(), n, d, 3, 16, 5, 1), Contains("8 dimensions do not split into M = 3"));
    CHECK_THROWS_WITH(dqt::train_pq(x.data(), 10, d, 2, 16, 5, 1), Contains("10 training vectors for K = 16"));
}

TEST_CASE("run_baseline: shapes, evaluations and errors", "[baselines]") {
    dqt::Dataset ds = iotest::blobs(4, 90, 4, 4, 9);
    dqt::Split s = dqt::paper_split(ds, 10, 0);
    dqt::Dataset g = dqt::subset(ds, s.gallery), q = dqt::subset(ds, s.queries);
    dqt::BaselineConfig c;
    c.method = dqt::BaselineMethod::lsh;
    c.bits = 16;
    auto r = dqt::run_baseline(c, g, q);
    REQUIRE(r.evals.size() == 1);
    CHECK(r.evals[0].mode == "hamming");
    CHECK(r.evals[0].query_ap.size() == 40);
    c.method = dqt::BaselineMethod::l2;
    CHECK(dqt::run_baseline(c, g, q).evals[0].mode == "l2");
    c.method = dqt::BaselineMethod::pq;
    c.bits = 12;
    CHECK_THROWS_WITH(dqt::run_baseline(c, g, q), Contains("multiple of 8"));
    CHECK(dqt::parse_baseline_method("opq") == dqt::BaselineMethod::opq);
    CHECK_THROWS_WITH(dqt::parse_baseline_method("sh"), Contains("unknown method 'sh'"));
}
