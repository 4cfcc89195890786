// Index: search against a brute force over decoded codes (same float order, so exact), ties by id,
// padding past size(), add then search, and the errors a caller can cause.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"
#include "dq/pq.h"
#include "test_format_util.h"

namespace {

// 8×8 inputs -> 24 (relu) -> M*dsub; codebooks drawn from embedded images so codes vary.
dq::Model index_model(uint32_t M, uint32_t K, uint32_t dsub, uint64_t seed) {
    dq::Model m = fmttest::make_model({24}, M, K, dsub, seed, 8, 8, 0.3f);
    dq::Encoder enc(m);
    fmttest::Rng rng(seed + 1);
    std::vector<float> x(64), z(m.latent_dim());
    for (uint32_t k = 0; k < K; ++k) {
        for (auto& v : x) v = float(rng.below(256)) / 255.0f;
        enc.forward(x.data(), 1, z.data());
        for (uint32_t s = 0; s < M; ++s)
            for (uint32_t j = 0; j < dsub; ++j) m.codebooks[(size_t(s) * K + k) * dsub + j] = z[s * dsub + j];
    }
    return m;
}

std::vector<float> images(size_t n, uint64_t seed) {
    fmttest::Rng rng(seed);
    std::vector<float> x(n * 64);
    for (auto& v : x) v = float(rng.below(256)) / 255.0f;
    return x;
}

struct Hit {
    float d;
    int64_t id;
};

// Brute force over decoded codes, in the LUT's order: per subspace the squared distance summed in
// dimension order, subspaces added in increasing m. Sorted by (distance, id).
std::vector<Hit> brute(const dq::Index& index, const float* z, const uint8_t* qcode, size_t k) {
    const dq::ProductQuantizer& pq = index.pq();
    const dq::Database& db = index.database();
    std::vector<float> q(pq.dim()), y(pq.dim());
    if (qcode)
        pq.decode(qcode, 1, q.data());
    else
        std::copy(z, z + pq.dim(), q.begin());
    std::vector<Hit> all;
    for (size_t i = 0; i < db.size(); ++i) {
        pq.decode(&db.codes[i * pq.M()], 1, y.data());
        float d = 0;
        for (uint32_t m = 0; m < pq.M(); ++m) {
            const float t = dq::l2sqr(&q[m * pq.dsub()], &y[m * pq.dsub()], pq.dsub());
            d = m == 0 ? t : d + t;
        }
        all.push_back({d, int64_t(db.ids[i])});
    }
    std::sort(all.begin(), all.end(), [](const Hit& a, const Hit& b) { return a.d < b.d || (a.d == b.d && a.id < b.id); });
    all.resize(std::min(k, all.size()));
    return all;
}

dq::Database coded_database(const dq::Index& empty, size_t n, uint64_t seed, bool labels) {
    const auto x = images(n, seed);
    dq::Database db = empty.database();
    db.codes.resize(n * empty.model().M);
    empty.encode(x.data(), n, db.codes.data());
    for (size_t i = 0; i < n; ++i) db.ids.push_back(uint32_t(5000 - 7 * i));  // descending: ties need ids
    if (labels)
        for (size_t i = 0; i < n; ++i) db.labels.push_back(int32_t(i % 10));
    return db;
}

}  // namespace

TEST_CASE("parse_search_mode", "[index]") {
    CHECK(dq::parse_search_mode("sdc") == dq::SearchMode::sdc);
    CHECK(dq::parse_search_mode("adc") == dq::SearchMode::adc);
    CHECK_THROWS_WITH(dq::parse_search_mode("l2"), "unknown search mode \"l2\" (expected sdc or adc)");
}

TEST_CASE("Index search equals brute force over decoded codes, SDC and ADC, K = 256 and 16", "[index]") {
    for (uint32_t K : {256u, 16u}) {
        const dq::Model model = index_model(4, K, 3, 21 + K);
        const dq::Index empty(model);
        CHECK(empty.size() == 0);
        dq::Index index(model, coded_database(empty, 600, 4, true));
        REQUIRE(index.size() == 600);
        const size_t nq = 9, k = 25;
        const auto q = images(nq, 77);
        std::vector<float> z(nq * model.latent_dim());
        std::vector<uint8_t> qc(nq * model.M);
        index.embed(q.data(), nq, z.data());
        index.encode(q.data(), nq, qc.data());
        // K = 16 searches with the fast-scan by default, whose default pool may miss a neighbour:
        // check its exact scan, and the fast path with a pool covering the database (then exact too;
        // test_index_fastscan.cpp covers the default pool).
        dq::ScanOptions exact, full_pool;
        exact.exact = true;
        full_pool.pool = index.size();
        for (auto mode : {dq::SearchMode::sdc, dq::SearchMode::adc}) {
            for (const dq::ScanOptions& opt : {exact, full_pool}) {
                std::vector<float> d(nq * k);
                std::vector<int64_t> ids(nq * k);
                index.search(q.data(), nq, k, mode, d.data(), ids.data(), opt);
                for (size_t r = 0; r < nq; ++r) {
                    const auto ref = brute(index, &z[r * model.latent_dim()],
                                           mode == dq::SearchMode::sdc ? &qc[r * model.M] : nullptr, k);
                    INFO("K=" << K << " mode=" << int(mode) << " query " << r << " exact " << opt.exact);
                    for (size_t j = 0; j < k; ++j) {
                        CHECK(ids[r * k + j] == ref[j].id);
                        CHECK(d[r * k + j] == ref[j].d);
                    }
                }
                // distances(): the same values in database order.
                std::vector<float> all(index.size());
                index.distances(q.data(), mode, all.data());
                const int64_t pos = index.position_of(uint32_t(ids[0]));
                REQUIRE(pos >= 0);
                CHECK(all[size_t(pos)] == d[0]);
                CHECK(*std::min_element(all.begin(), all.end()) == d[0]);
            }
        }
        // SDC from codes gives the same as SDC from pixels.
        std::vector<float> d1(nq * k), d2(nq * k);
        std::vector<int64_t> i1(nq * k), i2(nq * k);
        index.search(q.data(), nq, k, dq::SearchMode::sdc, d1.data(), i1.data());
        index.search_codes(qc.data(), nq, k, d2.data(), i2.data());
        CHECK(d1 == d2);
        CHECK(i1 == i2);
    }
}

TEST_CASE("Index: equal distances are ranked by id, k > size pads with +inf / -1", "[index]") {
    const dq::Model model = index_model(2, 16, 2, 3);
    const dq::Index empty(model);
    dq::Database db = empty.database();
    // Five items with the same code, ids out of order, plus one with another code.
    const uint32_t ids[] = {42, 7, 1000, 3, 99};
    for (uint32_t id : ids) {
        db.codes.insert(db.codes.end(), {5, 9});
        db.ids.push_back(id);
    }
    db.codes.insert(db.codes.end(), {6, 9});
    db.ids.push_back(1);
    dq::Index index(model, db);
    const uint8_t q[2] = {5, 9};
    std::vector<float> d(8);
    std::vector<int64_t> out(8);
    index.search_codes(q, 1, 8, d.data(), out.data());
    CHECK(std::vector<int64_t>(out.begin(), out.begin() + 5) == std::vector<int64_t>{3, 7, 42, 99, 1000});
    for (int j = 0; j < 5; ++j) CHECK(d[j] == 0.0f);
    CHECK(out[5] == 1);
    CHECK(d[5] > 0.0f);
    CHECK(out[6] == -1);
    CHECK(out[7] == -1);
    CHECK(std::isinf(d[6]));
    CHECK(d[7] == std::numeric_limits<float>::infinity());
    // k = 2 keeps the two smallest ids of the tie.
    index.search_codes(q, 1, 2, d.data(), out.data());
    CHECK(out[0] == 3);
    CHECK(out[1] == 7);
}

TEST_CASE("Index: search_latent from embed() equals search bit for bit, positions included", "[index]") {
    for (uint32_t K : {256u, 16u}) {
        const dq::Model model = index_model(4, K, 3, 40 + K);
        const dq::Index empty(model);
        dq::Index index(model, coded_database(empty, 700, 9, true));
        // More queries than search()'s internal chunk of 64, so the chunked path is covered.
        const size_t nq = 70, k = 12, L = model.latent_dim();
        const auto q = images(nq, 31);
        std::vector<float> z(nq * L);
        index.embed(q.data(), nq, z.data());
        for (auto mode : {dq::SearchMode::sdc, dq::SearchMode::adc}) {
            std::vector<float> d1(nq * k), d2(nq * k);
            std::vector<int64_t> i1(nq * k), i2(nq * k), p1(nq * k), p2(nq * k);
            index.search(q.data(), nq, k, mode, d1.data(), i1.data(), {}, p1.data());
            index.search_latent(z.data(), nq, k, mode, d2.data(), i2.data(), {}, p2.data());
            INFO("K=" << K << " mode=" << int(mode));
            CHECK(std::memcmp(d1.data(), d2.data(), d1.size() * sizeof(float)) == 0);
            CHECK(i1 == i2);
            CHECK(p1 == p2);
            // Each position names the item the id and distance belong to.
            for (size_t t = 0; t < nq * k; ++t) {
                REQUIRE(p1[t] >= 0);
                CHECK(int64_t(index.database().ids[size_t(p1[t])]) == i1[t]);
            }
        }
        z[5 * L + 2] = std::numeric_limits<float>::quiet_NaN();
        std::vector<float> d(k);
        std::vector<int64_t> ids(k);
        CHECK_THROWS_WITH(index.search_latent(z.data(), nq, k, dq::SearchMode::adc, d.data(), ids.data()),
                          "search: latent vector 5, dimension 2 is not finite");
    }
}

TEST_CASE("Index: a repeated id is two hits with their own positions, ordered by position", "[index]") {
    for (uint32_t K : {16u, 256u}) {
        const dq::Model model = index_model(2, K, 2, 3);
        const dq::Index empty(model);
        dq::Database db = empty.database();
        // Id 7 three times (positions 1, 3, 4) with the query's code, labels telling them apart.
        const uint32_t ids[] = {9, 7, 8, 7, 7, 2};
        const uint8_t code0[] = {6, 6, 1, 6, 6, 6};
        for (size_t i = 0; i < 6; ++i) {
            db.codes.insert(db.codes.end(), {uint8_t(i == 0 ? 3 : code0[i]), 9});
            db.ids.push_back(ids[i]);
            db.labels.push_back(int32_t(10 + i));
        }
        dq::Index index(model, db);
        const uint8_t q[2] = {6, 9};
        for (bool exact : {false, true}) {
            dq::ScanOptions opt;
            opt.exact = exact;
            std::vector<float> d(8);
            std::vector<int64_t> out(8), pos(8);
            index.search_codes(q, 1, 8, d.data(), out.data(), opt, pos.data());
            INFO("K=" << K << " exact " << exact);
            // Distance 0: ids 2 (position 5), then 7 at positions 1, 3, 4.
            CHECK(std::vector<int64_t>(out.begin(), out.begin() + 4) == std::vector<int64_t>{2, 7, 7, 7});
            CHECK(std::vector<int64_t>(pos.begin(), pos.begin() + 4) == std::vector<int64_t>{5, 1, 3, 4});
            CHECK(pos[6] == -1);
            CHECK(pos[7] == -1);
            // k = 2 keeps the lower position of the tied id.
            index.search_codes(q, 1, 2, d.data(), out.data(), opt, pos.data());
            CHECK(pos[0] == 5);
            CHECK(pos[1] == 1);
        }
    }
}

TEST_CASE("Index: add then search finds the added item first", "[index]") {
    const dq::Model model = index_model(4, 256, 3, 8);
    dq::Index index(model);
    std::vector<float> d(3);
    std::vector<int64_t> ids(3);
    const auto x = images(40, 12);
    // Empty index: all padding.
    index.search(x.data(), 1, 3, dq::SearchMode::adc, d.data(), ids.data());
    CHECK(ids == std::vector<int64_t>{-1, -1, -1});
    std::vector<uint32_t> new_ids(40);
    std::iota(new_ids.begin(), new_ids.end(), 100);
    index.add(x.data(), 40, new_ids.data(), nullptr);
    CHECK(index.size() == 40);
    CHECK(!index.database().has_labels());
    for (size_t i = 0; i < 40; i += 13) {
        index.search(&x[i * 64], 1, 3, dq::SearchMode::sdc, d.data(), ids.data());
        CHECK(d[0] == 0.0f);  // its own code: the K×K tables have a zero diagonal
        // Ties (other items with the same code) rank by id; the item is among the distance-0 ones.
        bool found = false;
        for (int j = 0; j < 3; ++j) found |= ids[j] == int64_t(100 + i) && d[j] == 0.0f;
        CHECK((found || ids[0] < int64_t(100 + i)));
    }
    // A unique id, smallest of all, added with a label: first hit, the label column starts with -1s.
    const int32_t label = 4;
    const uint32_t id = 1;
    index.add(&x[5 * 64], 1, &id, &label);
    index.search(&x[5 * 64], 1, 3, dq::SearchMode::adc, d.data(), ids.data());
    CHECK(ids[0] == 1);
    CHECK(index.position_of(1) == 40);
    CHECK(index.position_of(12345) == -1);
    REQUIRE(index.database().labels.size() == 41);
    CHECK(index.database().labels[0] == -1);
    CHECK(index.database().labels[40] == 4);
    index.database().validate();
}

TEST_CASE("Index: add keeps thumbnails and strings consistent", "[index]") {
    const dq::Model model = index_model(2, 16, 2, 4);
    dq::Database db = fmttest::make_database(model, 3, true);
    dq::Index index(model, db);
    const auto x = images(2, 1);
    const uint32_t ids[] = {1, 2};
    index.add(x.data(), 2, ids, nullptr);
    CHECK(index.size() == 5);
    index.database().validate();
    CHECK(index.database().labels[4] == -1);
    CHECK(index.database().thumbnails.size() == 5 * 6);
    CHECK(index.database().strings[3].empty());
}

TEST_CASE("Index: errors a caller can cause", "[index]") {
    const dq::Model model = index_model(2, 16, 2, 5);
    const dq::Model other = index_model(2, 16, 2, 6);
    dq::Index index(model, fmttest::make_database(model, 4, false));
    std::vector<float> d(1);
    std::vector<int64_t> ids(1);
    const auto x = images(1, 3);
    CHECK_THROWS_WITH(index.search(x.data(), 1, 0, dq::SearchMode::sdc, d.data(), ids.data()),
                      "k must be positive, got 0");
    CHECK_THROWS_AS(dq::Index(other, fmttest::make_database(model, 4, false)), dq::FormatError);
    CHECK_THROWS_WITH(dq::Index(other, fmttest::make_database(model, 4, false)),
                      Catch::StartsWith("model/database mismatch"));
    auto nan_x = x;
    nan_x[10] = std::nanf("");
    CHECK_THROWS_WITH(index.search(nan_x.data(), 1, 1, dq::SearchMode::adc, d.data(), ids.data()),
                      "input 10 (row 0, value 10) is NaN");
    const uint8_t bad[2] = {3, 16};
    const uint32_t id = 9;
    CHECK_THROWS_WITH(index.add_codes(bad, 1, &id, nullptr), "add: item 0, subspace 1: code 16 is not below K=16");
    CHECK(index.size() == 4);  // nothing appended by the refused add
    CHECK_THROWS_WITH(index.search_codes(bad, 1, 1, d.data(), ids.data()),
                      "sdc_lut_from_code: subspace 1 has code 16, must be < K = 16");
}
