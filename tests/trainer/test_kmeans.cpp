// K-means: recovers well-separated clusters, reports the true inertia, repairs empty clusters,
// is seeded and bit-identical across thread counts, and lays PQ codebooks out in Faiss order.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "data/dataset.h"
#include "dq/pq.h"
#include "pq/kmeans.h"
#include "test_support.h"

using Catch::Matchers::Contains;

namespace {

// k tight Gaussian blobs (sd 0.05) around centres on a grid 10 apart; point i belongs to blob i % k.
std::vector<float> blobs(size_t n, size_t d, size_t k, uint64_t seed, std::vector<float>* centres = nullptr) {
    dqt::SplitMix64 rng(seed);
    std::vector<float> c(k * d);
    for (size_t j = 0; j < k; ++j)
        for (size_t t = 0; t < d; ++t) c[j * d + t] = float(10.0 * double((j >> t) & 1) + 3.0 * double(j) * (t == 0));
    std::vector<float> x(n * d);
    for (size_t i = 0; i < n; ++i)
        for (size_t t = 0; t < d; ++t) x[i * d + t] = c[(i % k) * d + t] + float(0.05 * rng.normal());
    if (centres) *centres = c;
    return x;
}


}  // namespace

TEST_CASE("k-means recovers separated clusters and reports the mean squared error", "[kmeans]") {
    const size_t n = 600, d = 3, k = 6;
    std::vector<float> centres;
    std::vector<float> x = blobs(n, d, k, 1, &centres);
    dqt::KMeansResult r = dqt::kmeans(x.data(), n, d, k, 50, 42);
    REQUIRE(r.centroids.size() == k * d);
    REQUIRE(r.assign.size() == n);
    // Points of one blob share one cluster, and different blobs get different clusters.
    std::set<uint32_t> used;
    for (size_t b = 0; b < k; ++b) {
        for (size_t i = b; i < n; i += k) CHECK(r.assign[i] == r.assign[b]);
        used.insert(r.assign[b]);
    }
    CHECK(used.size() == k);
    // Each centroid sits on its blob's centre; inertia is the mean squared distance actually measured.
    double sse = 0;
    for (size_t i = 0; i < n; ++i) sse += dq::l2sqr(x.data() + i * d, r.centroids.data() + r.assign[i] * d, d);
    CHECK(r.inertia == Approx(sse / n).epsilon(1e-6));
    CHECK(r.inertia == Approx(3 * 0.05 * 0.05).epsilon(0.15));
    for (size_t b = 0; b < k; ++b)
        CHECK(dq::l2sqr(r.centroids.data() + r.assign[b] * d, centres.data() + b * d, d) < 1e-3);
    CHECK(r.iterations >= 1);
}

TEST_CASE("k-means is seeded and identical for 1 and 2 threads", "[kmeans]") {
    const size_t n = 2000, d = 5, k = 40;
    dqt::SplitMix64 rng(3);
    std::vector<float> x(n * d);
    for (float& v : x) v = float(rng.normal());
    dqtest::OmpThreads threads(1);
    dqt::KMeansResult a = dqt::kmeans(x.data(), n, d, k, 15, 9);
    threads.set(2);
    dqt::KMeansResult b = dqt::kmeans(x.data(), n, d, k, 15, 9);
    dqt::KMeansResult c = dqt::kmeans(x.data(), n, d, k, 15, 10);
    CHECK(a.centroids == b.centroids);
    CHECK(a.assign == b.assign);
    CHECK(a.inertia == b.inertia);
    CHECK(a.centroids != c.centroids);
    // PQ codebooks with subspaces running in parallel: same bits too.
    std::vector<uint8_t> ca, cb;
    threads.set(1);
    std::vector<float> pa = dqt::train_pq_codebooks(x.data(), 400, 5, 1, 16, 10, 4, &ca);
    threads.set(2);
    std::vector<float> pb = dqt::train_pq_codebooks(x.data(), 400, 5, 1, 16, 10, 4, &cb);
    CHECK(pa == pb);
    CHECK(ca == cb);
}

TEST_CASE("empty clusters are repaired so every centroid is used", "[kmeans]") {
    const size_t n = 300, d = 2, k = 5;
    // Five blobs at least 10 apart (blobs() puts two of its centres only 1 apart, where whether the
    // repair splits the right cluster depends on the last bit of a distance, not on the repair).
    const float centre[k][2] = {{0, 0}, {10, 0}, {0, 10}, {10, 10}, {20, 5}};
    std::vector<float> x(n * d);
    dqt::SplitMix64 rng(5);
    for (size_t i = 0; i < n; ++i)
        for (size_t t = 0; t < d; ++t) x[i * d + t] = centre[i % k][t] + float(0.05 * rng.normal());
    // All initial centroids on one point: Lloyd alone would leave four clusters empty forever.
    std::vector<float> init(k * d);
    for (size_t j = 0; j < k; ++j) std::copy(x.begin(), x.begin() + d, init.begin() + j * d);
    dqt::KMeansResult r = dqt::kmeans(x.data(), n, d, k, 30, 1, init.data());
    std::vector<size_t> count(k, 0);
    for (uint32_t a : r.assign) ++count[a];
    for (size_t j = 0; j < k; ++j) CHECK(count[j] > 0);
    INFO("inertia " << r.inertia);
    CHECK(r.inertia < 0.01);
}

TEST_CASE("PQ codebooks are M x K x dsub in Faiss order with nearest-codeword assignments", "[kmeans]") {
    const size_t n = 500, M = 3, dsub = 2, K = 16;
    dqt::SplitMix64 rng(8);
    std::vector<float> x(n * M * dsub);
    for (float& v : x) v = float(rng.normal());
    std::vector<uint8_t> assign;
    std::vector<float> cb = dqt::train_pq_codebooks(x.data(), n, M, dsub, K, 200, 1, &assign);
    REQUIRE(cb.size() == M * K * dsub);
    REQUIRE(assign.size() == n * M);
    // Subspace m's codebook is K-means on columns [m*dsub, (m+1)*dsub): the core encoder agrees with
    // the returned assignment (ties aside, which random data does not produce).
    dq::ProductQuantizer pq(uint32_t(M), uint32_t(K), uint32_t(dsub), cb);
    std::vector<uint8_t> codes(n * M);
    pq.encode(x.data(), n, codes.data());
    CHECK(codes == assign);
    // The reported error is the quantization error of these codebooks on x.
    double error = -1;
    dqt::train_pq_codebooks(x.data(), n, M, dsub, K, 200, 1, nullptr, nullptr, &error);
    CHECK(error == Approx(pq.quantization_error(x.data(), n)).epsilon(1e-5));
    // Warm start from a converged result changes nothing.
    std::vector<uint8_t> again;
    CHECK(dqt::train_pq_codebooks(x.data(), n, M, dsub, K, 20, 1, &again, cb.data()) == cb);
}

TEST_CASE("k-means assigns a point to the lowest-numbered of equally near centroids", "[kmeans]") {
    // Centroids 1 and 3 coincide, as do 0 and 4; with max_iter 0 the initial centroids are kept, so
    // every point must go to 0, 1 or 2, and a point exactly between two gets the lower one.
    const size_t d = 2, k = 5;
    const std::vector<float> init = {0, 0, 4, 0, 8, 0, 4, 0, 0, 0};
    std::vector<float> x;
    dqt::SplitMix64 rng(2);
    for (int i = 0; i < 300; ++i) {
        x.push_back(float(9 * rng.uniform()));
        x.push_back(float(rng.normal()));
    }
    x.insert(x.end(), {2, 0, 6, 1, 4, 0, 0, 3});  // halfway 0|1, halfway 1|2, on 1, on 0
    const size_t n = x.size() / d;
    dqt::KMeansResult r = dqt::kmeans(x.data(), n, d, k, 0, 0, init.data());
    for (size_t i = 0; i < n; ++i) {
        INFO("point " << i << " (" << x[i * d] << ", " << x[i * d + 1] << ")");
        REQUIRE(r.assign[i] <= 2);
        const float want = x[i * d] < 2 ? 0 : x[i * d] < 6 ? 1 : 2;
        if (x[i * d] != 2 && x[i * d] != 6) CHECK(r.assign[i] == uint32_t(want));
    }
    CHECK(r.assign[n - 4] == 0);
    CHECK(r.assign[n - 3] == 1);
    CHECK(r.assign[n - 2] == 1);
    CHECK(r.assign[n - 1] == 0);
}

TEST_CASE("k-means refuses impossible sizes with the numbers", "[kmeans]") {
    std::vector<float> x(10, 0.0f);
    CHECK_THROWS_WITH(dqt::kmeans(x.data(), 5, 2, 8, 10, 0), "kmeans: 5 points for k = 8 clusters (need at least k)");
    CHECK_THROWS_WITH(dqt::kmeans(x.data(), 5, 0, 2, 10, 0), Contains("need d >= 1"));
    // Identical points: k-means++ still returns k centroids and finite inertia 0.
    dqt::KMeansResult r = dqt::kmeans(x.data(), 5, 2, 3, 5, 0);
    CHECK(r.inertia == 0.0);
}
