// Top-k against a std::sort reference: ties by smaller id, n < k padding, NaN never selected.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "dq/topk.h"

namespace {

void reference(const std::vector<float>& d, const std::vector<uint32_t>* ids, size_t k, std::vector<float>& od,
               std::vector<int64_t>& oi) {
    std::vector<std::pair<float, int64_t>> v;
    for (size_t i = 0; i < d.size(); ++i)
        if (!std::isnan(d[i])) v.emplace_back(d[i], ids ? int64_t((*ids)[i]) : int64_t(i));
    std::sort(v.begin(), v.end());
    od.assign(k, std::numeric_limits<float>::infinity());
    oi.assign(k, -1);
    for (size_t j = 0; j < k && j < v.size(); ++j) {
        od[j] = v[j].first;
        oi[j] = v[j].second;
    }
}

}  // namespace

TEST_CASE("topk_smallest matches std::sort with ties, NaN and padding", "[topk]") {
    std::mt19937 rng(3);
    for (size_t n : {0, 1, 2, 5, 31, 100, 1000}) {
        for (size_t k : {1, 3, 10, 64, 1500}) {
            for (int variant = 0; variant < 3; ++variant) {
                std::vector<float> d(n);
                for (auto& x : d) {
                    x = float(rng() % 7) - 2.0f;  // heavy ties, negatives
                    if (variant == 2 && rng() % 5 == 0) x = std::nanf("");
                    if (variant == 2 && rng() % 11 == 0) x = (rng() & 1) ? std::numeric_limits<float>::infinity()
                                                                          : -std::numeric_limits<float>::infinity();
                }
                std::vector<uint32_t> ids(n);
                for (size_t i = 0; i < n; ++i) ids[i] = uint32_t(rng() % 1000000);
                const std::vector<uint32_t>* idp = variant == 0 ? nullptr : &ids;
                std::vector<float> rd, gd(k, 123.0f);
                std::vector<int64_t> ri, gi(k, 123);
                reference(d, idp, k, rd, ri);
                dq::topk_smallest(d.data(), idp ? ids.data() : nullptr, n, k, gd.data(), gi.data());
                INFO("n=" << n << " k=" << k << " variant=" << variant);
                CHECK(gi == ri);
                for (size_t j = 0; j < k; ++j) CHECK(std::memcmp(&gd[j], &rd[j], 4) == 0);
            }
        }
    }
}

TEST_CASE("topk_smallest hand cases", "[topk]") {
    const float d[5] = {2.0f, 1.0f, std::nanf(""), 1.0f, 0.5f};
    const uint32_t ids[5] = {10, 40, 5, 30, 20};
    float od[4];
    int64_t oi[4];
    dq::topk_smallest(d, ids, 5, 4, od, oi);
    CHECK(oi[0] == 20);
    CHECK(oi[1] == 30);  // 1.0 tie: id 30 before id 40
    CHECK(oi[2] == 40);
    CHECK(oi[3] == 10);
    CHECK(od[3] == 2.0f);
    dq::topk_smallest(d, nullptr, 3, 4, od, oi);  // NaN skipped, padded
    CHECK(oi[0] == 1);
    CHECK(oi[1] == 0);
    CHECK(oi[2] == -1);
    CHECK(std::isinf(od[2]));
    CHECK(oi[3] == -1);
    // k = 0 writes nothing.
    od[0] = 9.0f;
    dq::topk_smallest(d, nullptr, 5, 0, od, oi);
    CHECK(od[0] == 9.0f);
}

TEST_CASE("TopK streamed in chunks equals topk_smallest", "[topk]") {
    std::mt19937 rng(8);
    for (size_t n : {0, 7, 100, 5000}) {
        std::vector<float> d(n);
        for (auto& x : d) x = (rng() % 9 == 0) ? std::nanf("") : float(rng() % 50);
        for (size_t k : {1, 10, 200}) {
            std::vector<float> rd(k), gd(k);
            std::vector<int64_t> ri(k), gi(k);
            dq::topk_smallest(d.data(), nullptr, n, k, rd.data(), ri.data());
            dq::TopK t(k);
            for (size_t first = 0; first < n; first += 37) t.push(d.data() + first, nullptr, std::min<size_t>(37, n - first), first);
            t.result(gd.data(), gi.data());
            INFO("n=" << n << " k=" << k);
            CHECK(gi == ri);
            CHECK(gd == rd);
        }
    }
}

TEST_CASE("TopK with repeated ids: push and push_one in any order agree, ties by position", "[topk]") {
    std::mt19937 rng(11);
    for (size_t n : {5, 300, 4000}) {
        std::vector<float> d(n);
        std::vector<uint32_t> ids(n);
        // Few distinct distances and ids, so (distance, id) ties are common and only positions differ.
        for (size_t i = 0; i < n; ++i) {
            d[i] = (rng() % 13 == 0) ? std::nanf("") : float(rng() % 6);
            ids[i] = uint32_t(rng() % 4);
        }
        std::vector<size_t> order(n);
        std::iota(order.begin(), order.end(), size_t(0));
        std::shuffle(order.begin(), order.end(), rng);
        for (size_t k : {1, 3, 50}) {
            std::vector<float> ad(k), bd(k);
            std::vector<int64_t> ai(k), bi(k), ap(k), bp(k);
            dq::TopK a(k), b(k);
            a.push(d.data(), ids.data(), n, 0);
            for (size_t i : order) b.push_one(d[i], ids[i], i);  // shuffled: the order must not matter
            a.result(ad.data(), ai.data(), ap.data());
            b.result(bd.data(), bi.data(), bp.data());
            INFO("n=" << n << " k=" << k);
            CHECK(ai == bi);
            CHECK(ap == bp);
            CHECK(ad == bd);
            // Sorted by (distance, id, position), each position carrying its own id and distance.
            for (size_t j = 0; j < k && ap[j] >= 0; ++j) {
                CHECK(ids[size_t(ap[j])] == uint32_t(ai[j]));
                CHECK(d[size_t(ap[j])] == ad[j]);
                if (j > 0 && ap[j - 1] >= 0) {
                    const bool ordered = ad[j - 1] < ad[j] || (ad[j - 1] == ad[j] && (ai[j - 1] < ai[j] || (ai[j - 1] == ai[j] && ap[j - 1] < ap[j])));
                    CHECK(ordered);
                }
            }
        }
    }
}
