// Evaluation on hand-built rankings: AP by hand, ties by gallery position, thread-count invariance,
// the PQ (SDC / ADC), Hamming and L2 front ends.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "eval/eval.h"
#include "io_test_util.h"
#include "test_support.h"

using Catch::Matchers::Contains;

namespace {

dqt::DistanceBlock fixed(const std::vector<std::vector<float>>& rows) {
    return [rows](size_t first, size_t count, float* out) {
        for (size_t i = 0; i < count; ++i)
            for (size_t j = 0; j < rows[first + i].size(); ++j) out[i * rows[first + i].size() + j] = rows[first + i][j];
    };
}

}  // namespace

TEST_CASE("MAP@All and precision@k on a hand-built ranking", "[eval]") {
    const std::vector<int32_t> gl = {0, 1, 0, 1};
    const std::vector<int32_t> ql = {0, 1};
    // Query 0 ranks 0,1,2,3 -> relevant at ranks 1 and 3: AP = (1/1 + 2/3) / 2 = 5/6.
    // Query 1 ranks 3,2,1,0 -> relevant at ranks 1 and 3: AP = 5/6 as well... so flip one:
    // query 1 ranks 0,1,2,3 -> relevant at ranks 2 and 4: AP = (1/2 + 2/4) / 2 = 1/2.
    auto r = dqt::evaluate_distances("test", 2, 4, gl.data(), ql.data(),
                                     fixed({{0.1f, 0.2f, 0.3f, 0.4f}, {0.1f, 0.2f, 0.3f, 0.4f}}), {1000, 2, {1, 4}});
    CHECK(r.metrics.map_all == Approx((5.0 / 6 + 0.5) / 2));
    CHECK(r.query_ap[0] == Approx(5.0 / 6));
    CHECK(r.query_ap[1] == Approx(0.5));
    CHECK(r.metrics.precision_at_k == Approx(0.5));  // P@2: 1/2 for both
    REQUIRE(r.metrics.pr.size() == 2);
    CHECK(r.metrics.pr[1].recall == Approx(1.0));      // everything retrieved at rank 4
    CHECK(r.metrics.pr[0].precision == Approx(0.5));   // rank 1: query 0 hit, query 1 miss
}

TEST_CASE("precision@10 counts the first ten ranks, over 10 even in a smaller gallery", "[eval]") {
    // 12 gallery items, labels 0 at even positions; query 0 (label 0) ranks them in order: 5 of the
    // first 10 relevant -> 0.5. Query 1 (label 1) ranks them in reverse: 11, 9, ... -> 5 of 10 too;
    // query 2 (label 0) ranks the six label-0 items first -> 6 of 10.
    std::vector<int32_t> gl(12);
    for (size_t i = 0; i < 12; ++i) gl[i] = int32_t(i % 2);
    const std::vector<int32_t> ql = {0, 1, 0};
    std::vector<float> up(12), down(12), evens(12);
    for (size_t i = 0; i < 12; ++i) {
        up[i] = float(i);
        down[i] = float(12 - i);
        evens[i] = float(i % 2 ? 100 + i : i);
    }
    auto r = dqt::evaluate_distances("p10", 3, 12, gl.data(), ql.data(), fixed({up, down, evens}));
    CHECK(r.query_p_10 == std::vector<double>{0.5, 0.5, 0.6});
    CHECK(r.precision_at_10 == Approx(1.6 / 3));
    // A gallery of 4: still over 10 (dq::precision_at), so a perfect ranking scores 0.2 there.
    const std::vector<int32_t> g4 = {0, 0, 1, 1};
    auto r4 = dqt::evaluate_distances("p10", 1, 4, g4.data(), ql.data(), fixed({{0.f, 1.f, 2.f, 3.f}}));
    CHECK(r4.precision_at_10 == Approx(0.2));
}

TEST_CASE("ties go to the earlier gallery item", "[eval]") {
    const std::vector<int32_t> gl = {1, 0, 0};
    const std::vector<int32_t> ql = {0};
    // All distances equal: ranking 0,1,2 -> relevant at 2 and 3: AP = (1/2 + 2/3) / 2.
    auto r = dqt::evaluate_distances("tie", 1, 3, gl.data(), ql.data(), fixed({{1.f, 1.f, 1.f}}));
    CHECK(r.metrics.map_all == Approx((0.5 + 2.0 / 3) / 2));
    // -0.0 and +0.0 compare equal as floats but not as bits; either way item 0 stays first.
    auto r2 = dqt::evaluate_distances("neg", 1, 3, gl.data(), ql.data(), fixed({{2.f, -1.f, 0.5f}}));
    CHECK(r2.metrics.map_all == Approx(1.0));
}

TEST_CASE("evaluation refuses empty inputs and negative labels", "[eval]") {
    const std::vector<int32_t> gl = {0, -1};
    const std::vector<int32_t> ql = {0};
    CHECK_THROWS_WITH(dqt::evaluate_distances("x", 1, 2, gl.data(), ql.data(), fixed({{0, 0}})),
                      Contains("gallery item 1 has label -1"));
    CHECK_THROWS_WITH(dqt::evaluate_distances("x", 1, 0, gl.data(), ql.data(), fixed({{}})), Contains("empty"));
}

TEST_CASE("PQ SDC and ADC through the core scan equal brute-force distances", "[eval][pq]") {
    // M = 2 subspaces of 1 dimension, K = 16 codewords at 0, 1, ..., 15 (times a per-subspace scale).
    std::vector<float> cb(2 * 16);
    for (int m = 0; m < 2; ++m)
        for (int k = 0; k < 16; ++k) cb[m * 16 + k] = float(k) * (m ? 2.0f : 1.0f);
    dq::ProductQuantizer pq(2, 16, 1, cb);
    // Gallery on codewords (0,0), (3,1), (7,5), (15,15); labels 0, 0, 1, 1.
    std::vector<uint8_t> codes = {0, 0, 3, 1, 7, 5, 15, 15};
    std::vector<int32_t> gl = {0, 0, 1, 1};
    std::vector<float> qz = {2.9f, 2.2f, 14.0f, 29.0f};  // near item 1, near item 3
    std::vector<int32_t> ql = {0, 1};
    auto adc = dqt::evaluate_pq(pq, codes.data(), 4, gl.data(), qz.data(), 2, ql.data(), true);
    auto sdc = dqt::evaluate_pq(pq, codes.data(), 4, gl.data(), qz.data(), 2, ql.data(), false);
    // Query 0 ranks item 1 then 0 (both relevant) -> AP 1; query 1 ranks 3 then 2 -> AP 1.
    CHECK(adc.mode == "adc");
    CHECK(sdc.mode == "sdc");
    CHECK(adc.metrics.map_all == Approx(1.0));
    CHECK(sdc.metrics.map_all == Approx(1.0));
    // A query halfway: ADC distinguishes, the brute-force reference on decoded vectors agrees.
    std::vector<float> decoded(4 * 2);
    pq.decode(codes.data(), 4, decoded.data());
    auto l2 = dqt::evaluate_l2(decoded.data(), 4, 2, gl.data(), qz.data(), 2, ql.data());
    CHECK(l2.query_ap == adc.query_ap);
}

TEST_CASE("Hamming ranking counts differing bits", "[eval][hamming]") {
    // 70-bit codes (two words): item 0 differs from the query in 1 bit, item 1 in 65, item 2 in 3.
    std::vector<uint64_t> g = {0x1, 0, ~uint64_t(0), 0x1, 0x7, 0};
    std::vector<uint64_t> q = {0x0, 0};
    std::vector<int32_t> gl = {1, 0, 1}, ql = {1};
    auto r = dqt::evaluate_hamming(g.data(), 3, 2, gl.data(), q.data(), 1, ql.data());
    CHECK(r.mode == "hamming");
    CHECK(r.metrics.map_all == Approx(1.0));  // ranks 0, 2, 1
}

TEST_CASE("results do not depend on the thread count", "[eval][threads]") {
    dqt::Dataset ds = iotest::blobs(5, 60, 4, 4, 3);
    std::vector<float> q(ds.x.begin(), ds.x.begin() + 40 * ds.dim);
    std::vector<int32_t> ql(ds.labels.begin(), ds.labels.begin() + 40);
    dqtest::OmpThreads threads(1);
    auto one = dqt::evaluate_l2(ds.x.data(), ds.n, ds.dim, ds.labels.data(), q.data(), 40, ql.data());
    threads.set(2);
    auto two = dqt::evaluate_l2(ds.x.data(), ds.n, ds.dim, ds.labels.data(), q.data(), 40, ql.data());
    CHECK(one.metrics.map_all == two.metrics.map_all);
    CHECK(one.query_ap == two.query_ap);
    CHECK(one.metrics.map_all > 0.5);  // the blobs are separable: far above chance (0.2)
}

TEST_CASE("default PR cut-offs and bootstrap spread", "[eval]") {
    auto c = dqt::default_pr_cutoffs(9000);
    REQUIRE(c.size() > 20);
    CHECK(c.front() == 1);
    CHECK(c.back() == 9000);
    CHECK(std::is_sorted(c.begin(), c.end()));
    CHECK(dqt::default_pr_cutoffs(1) == std::vector<size_t>{1});

    dqt::EvalResult r;
    r.query_ap = {1, 0, 1, 0};
    r.query_ap_k = r.query_ap;
    r.query_p_k = r.query_ap;
    auto b = dqt::bootstrap_queries(r, 200, 7);
    CHECK(b.map_all.mean == Approx(0.5).margin(0.05));
    CHECK(b.map_all.std > 0.1);
    auto b2 = dqt::bootstrap_queries(r, 200, 7);
    CHECK(b2.map_all.mean == b.map_all.mean);
    auto ms = dqt::mean_std({1.0, 2.0, 3.0});
    CHECK(ms.mean == 2.0);
    CHECK(ms.std == Approx(1.0));
}
