// Retrieval metrics on hand-computed rankings.
#include <catch2/catch.hpp>

#include <vector>

#include "dq/error.h"
#include "dq/metrics.h"

using Catch::Matchers::Contains;

TEST_CASE("average precision by hand", "[metrics]") {
    const uint8_t a[3] = {1, 0, 1};
    CHECK(dq::average_precision(a, 3) == Approx((1.0 + 2.0 / 3.0) / 2.0));
    const uint8_t b[4] = {0, 1, 0, 1};
    CHECK(dq::average_precision(b, 4) == Approx((1.0 / 2 + 2.0 / 4) / 2));
    const uint8_t none[3] = {0, 0, 0};
    CHECK(dq::average_precision(none, 3) == 0.0);
    CHECK(dq::average_precision(none, 0) == 0.0);
    const uint8_t all[2] = {1, 1};
    CHECK(dq::average_precision(all, 2) == 1.0);
    // Truncated to the top 2 of {0,1,0,1}: one relevant retrieved, at rank 2 -> 1/2.
    CHECK(dq::average_precision(b, 2) == Approx(0.5));
}

TEST_CASE("precision@k and the PR curve by hand", "[metrics]") {
    const uint8_t r[4] = {1, 0, 1, 0};
    CHECK(dq::precision_at(r, 4, 1) == 1.0);
    CHECK(dq::precision_at(r, 4, 2) == 0.5);
    CHECK(dq::precision_at(r, 4, 3) == Approx(2.0 / 3));
    CHECK(dq::precision_at(r, 4, 10) == Approx(0.2));  // list shorter than k: still divided by k
    CHECK_THROWS_WITH(dq::precision_at(r, 4, 0), Contains("k must be positive"));

    const auto pr = dq::pr_curve(r, 4, 3, {1, 2, 4});
    REQUIRE(pr.size() == 3);
    CHECK(pr[0].precision == 1.0);
    CHECK(pr[0].recall == Approx(1.0 / 3));
    CHECK(pr[1].precision == 0.5);
    CHECK(pr[1].recall == Approx(1.0 / 3));
    CHECK(pr[2].precision == 0.5);
    CHECK(pr[2].recall == Approx(2.0 / 3));
    CHECK_THROWS_WITH(dq::pr_curve(r, 4, 1, {4}), Contains("2 relevant items in the top 4 but total_relevant is only 1"));
    CHECK_THROWS_WITH(dq::pr_curve(r, 4, 3, {2, 0}), Contains("cut-off 1 is 0"));
}

TEST_CASE("evaluate_rankings aggregates MAP@All, MAP@k, P@k and PR", "[metrics]") {
    // Gallery labels: four of label 0, two of label 1 (counts {4, 2}).
    // Query 0 (label 0) ranks 0,1,0,0,1,0 -> relevant at 1,3,4,6:
    //   AP = (1 + 2/3 + 3/4 + 4/6) / 4; AP@3 = (1 + 2/3) / 2; P@2 = 1/2.
    // Query 1 (label 1) ranks 0,0,1,0,0,1 -> relevant at 3,6:
    //   AP = (1/3 + 2/6) / 2; AP@3 = 1/3; P@2 = 0.
    const int32_t ql[2] = {0, 1};
    const int32_t ranked[12] = {0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1};
    const std::vector<int64_t> counts = {4, 2};
    const auto m = dq::evaluate_rankings(ql, 2, ranked, 6, counts, 3, 2, {1, 6});
    const double ap0 = (1 + 2.0 / 3 + 3.0 / 4 + 4.0 / 6) / 4, ap1 = (1.0 / 3 + 2.0 / 6) / 2;
    CHECK(m.map_all == Approx((ap0 + ap1) / 2));
    CHECK(m.map_at_k == Approx(((1 + 2.0 / 3) / 2 + 1.0 / 3) / 2));
    CHECK(m.precision_at_k == Approx(0.25));
    REQUIRE(m.pr.size() == 2);
    CHECK(m.pr[0].precision == Approx(0.5));        // rank 1: hit, miss
    CHECK(m.pr[0].recall == Approx((0.25 + 0.0) / 2));
    CHECK(m.pr[1].recall == Approx(1.0));           // everything retrieved at 6
    CHECK(m.pr[1].precision == Approx((4.0 / 6 + 2.0 / 6) / 2));

    CHECK_THROWS_WITH(dq::evaluate_rankings(ql, 2, ranked, 6, {4}, 3, 2, {}),
                      Contains("query 1 has label 1, outside the 1 label counts"));
    CHECK_THROWS_WITH(dq::evaluate_rankings(ql, 0, ranked, 6, counts, 3, 2, {}), Contains("no queries"));
    CHECK_THROWS_WITH(dq::evaluate_rankings(ql, 2, ranked, 6, counts, 0, 2, {}), Contains("map_k must be positive"));
}
