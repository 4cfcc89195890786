// Index updates and filtered search: a filter (ScanOptions::allow, filter.h) must act inside the
// top-k selection, so results equal the exact distances of every passing item sorted by
// (distance, id) and cut at k: for K = 256 (the lut8 scan) and K = 16 (fast-scan with a pool
// covering the passing items, its default pool, and the exact scan). remove_ids / remove_positions
// compact the database, never return a removed item, and leave the fast-scan copy in step with the
// codes. This file also runs in the wasm-tests modules (SIMD128 and baseline).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "dq/error.h"
#include "dq/filter.h"
#include "dq/index.h"
#include "test_format_util.h"

using Catch::Matchers::Contains;

namespace {

constexpr uint32_t kSide = 8, kDim = kSide * kSide;

// Images around a few random centres (each pixel ± 0.15): items of a cluster share codes, so equal
// distances are common and the tie order by id is tested.
std::vector<float> clustered(size_t n, size_t clusters, uint64_t seed) {
    fmttest::Rng rng(seed);
    std::vector<float> centres(clusters * kDim), x(n * kDim);
    for (auto& v : centres) v = rng.uniform(0.0f, 1.0f);
    for (size_t i = 0; i < n; ++i) {
        const float* c = &centres[rng.below(uint32_t(clusters)) * kDim];
        for (uint32_t j = 0; j < kDim; ++j)
            x[i * kDim + j] = std::min(1.0f, std::max(0.0f, c[j] + rng.uniform(-0.15f, 0.15f)));
    }
    return x;
}

// 8×8 -> 32 (relu) -> M × 2; codebooks from embedded images so the codes spread over all K.
dq::Model model_for(uint32_t M, uint32_t K, uint64_t seed) {
    dq::Model m = fmttest::make_model({32}, M, K, 2, seed, kSide, kSide, 0.3f);
    const dq::Encoder enc(m);
    const auto x = clustered(K, 8, seed + 1);
    std::vector<float> z(size_t(K) * m.latent_dim());
    enc.forward(x.data(), K, z.data());
    for (uint32_t k = 0; k < K; ++k)
        for (uint32_t s = 0; s < M; ++s)
            for (uint32_t j = 0; j < 2; ++j) m.codebooks[(size_t(s) * K + k) * 2 + j] = z[k * m.latent_dim() + s * 2 + j];
    return m;
}

// An index of n items with ids far from positions (so id order is not position order) and labels 0..4.
dq::Index make_index(const dq::Model& model, size_t n, uint64_t seed) {
    const auto x = clustered(n, 10, seed);
    std::vector<uint32_t> ids(n);
    std::vector<int32_t> labels(n);
    for (size_t i = 0; i < n; ++i) {
        ids[i] = uint32_t(5 + 3 * ((i * 7919) % n));
        labels[i] = int32_t((i * 13) % 5);
    }
    dq::Database db = dq::Index(model).database();
    db.codes.resize(n * model.M);
    dq::Index(model).encode(x.data(), n, db.codes.data());
    db.ids = ids;
    db.labels = labels;
    return dq::Index(model, db);
}

struct Rows {
    std::vector<float> d;
    std::vector<int64_t> id;
};

Rows run(const dq::Index& ix, const std::vector<float>& q, size_t k, dq::SearchMode mode, dq::ScanOptions o,
         const std::vector<uint8_t>* allow) {
    const size_t nq = q.size() / kDim;
    if (allow) {
        o.allow = allow->data();
        o.allow_bits = ix.size();
    }
    Rows r{std::vector<float>(nq * k), std::vector<int64_t>(nq * k)};
    ix.search(q.data(), nq, k, mode, r.d.data(), r.id.data(), o);
    return r;
}

// The reference: every passing item's exact distance (Index::distances), sorted by (distance, id),
// cut at k, padded with +inf / -1.
Rows brute(const dq::Index& ix, const std::vector<float>& q, size_t k, dq::SearchMode mode,
           const std::vector<uint8_t>& allow) {
    const size_t nq = q.size() / kDim, n = ix.size();
    Rows r{std::vector<float>(nq * k, std::numeric_limits<float>::infinity()), std::vector<int64_t>(nq * k, -1)};
    std::vector<float> all(n);
    for (size_t row = 0; row < nq; ++row) {
        ix.distances(&q[row * kDim], mode, all.data());
        std::vector<std::pair<float, int64_t>> hits;
        for (size_t i = 0; i < n; ++i)
            if (dq::filter_passes(allow.data(), i)) hits.emplace_back(all[i], int64_t(ix.database().ids[i]));
        std::sort(hits.begin(), hits.end());
        for (size_t j = 0; j < std::min(k, hits.size()); ++j) {
            r.d[row * k + j] = hits[j].first;
            r.id[row * k + j] = hits[j].second;
        }
    }
    return r;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

dq::ScanOptions opts(size_t pool, bool exact) {
    dq::ScanOptions o;
    o.pool = pool;
    o.exact = exact;
    return o;
}

std::vector<uint8_t> random_bits(size_t n, uint32_t percent, uint64_t seed) {
    fmttest::Rng rng(seed);
    std::vector<uint8_t> bits(dq::filter_bytes(n), 0);
    for (size_t i = 0; i < n; ++i)
        if (rng.below(100) < percent) bits[i >> 3] |= uint8_t(1u << (i & 7));
    return bits;
}

std::vector<uint8_t> only(size_t n, std::vector<size_t> positions) {
    std::vector<uint8_t> bits(dq::filter_bytes(n), 0);
    for (size_t p : positions) bits[p >> 3] |= uint8_t(1u << (p & 7));
    return bits;
}

const char* name(dq::SearchMode m) { return m == dq::SearchMode::adc ? "adc" : "sdc"; }

}  // namespace

TEST_CASE("filter helpers: labels, id allow and deny lists, count, and", "[filter]") {
    dq::Database db;
    db.M = 1;
    db.K = 16;
    db.codes.assign(11, 0);
    db.ids = {9, 4, 7, 4, 100, 3, 8, 1, 2, 0, 6};
    db.labels = {0, 1, 2, -1, 1, 0, 2, 2, 1, 0, 3};
    const std::vector<int32_t> labels = {2, 1};
    const auto by_label = dq::filter_by_labels(db, labels.data(), labels.size());
    REQUIRE(by_label.size() == 2);
    std::vector<size_t> pass;
    for (size_t i = 0; i < 11; ++i)
        if (dq::filter_passes(by_label.data(), i)) pass.push_back(i);
    CHECK(pass == std::vector<size_t>{1, 2, 4, 6, 7, 8});
    CHECK(dq::filter_count(by_label.data(), 11) == 6);
    const int32_t unknown = -1;
    CHECK(dq::filter_count(dq::filter_by_labels(db, &unknown, 1).data(), 11) == 1);

    // Id 4 is carried twice; 55 is in no item.
    const std::vector<uint32_t> ids = {4, 55, 0};
    auto allow = dq::filter_by_ids(db, ids.data(), ids.size(), true);
    const auto deny = dq::filter_by_ids(db, ids.data(), ids.size(), false);
    pass.clear();
    for (size_t i = 0; i < 11; ++i) {
        CHECK(dq::filter_passes(allow.data(), i) != dq::filter_passes(deny.data(), i));
        if (dq::filter_passes(allow.data(), i)) pass.push_back(i);
    }
    CHECK(pass == std::vector<size_t>{1, 3, 9});
    CHECK(dq::filter_count(deny.data(), 11) == 8);
    dq::filter_and(allow.data(), by_label.data(), 11);
    CHECK(dq::filter_count(allow.data(), 11) == 1);  // position 1: id 4, label 1
    CHECK(dq::filter_passes(allow.data(), 1));

    db.labels.clear();
    CHECK_THROWS_WITH(dq::filter_by_labels(db, labels.data(), labels.size()),
                      "filter by labels: the database has no labels");
}

TEST_CASE("filtered search equals the exact scan of the passing items (K = 256 and K = 16)", "[index][filter]") {
    const auto K = GENERATE(256u, 16u);
    const uint32_t M = K == 16 ? 5 : 3;  // K = 16, M = 5: a padding subspace in the blocked layout
    const size_t n = 2100;               // more than one scan chunk (2048), a partial last block
    const dq::Index index = make_index(model_for(M, K, 40 + K), n, 41);
    REQUIRE(index.fast_scan() == (K == 16));
    const auto q = clustered(9, 10, 42);
    const std::vector<int32_t> labels = {1, 4};
    const std::vector<uint32_t> some = {5, 8, 11, 14, 17, 2000, 3 * 1999 + 5, 123456};
    const std::vector<std::pair<std::string, std::vector<uint8_t>>> filters = {
        {"30 % random", random_bits(n, 30, 43)},
        {"3 % random", random_bits(n, 3, 44)},
        {"labels 1, 4", dq::filter_by_labels(index.database(), labels.data(), labels.size())},
        {"ids allow", dq::filter_by_ids(index.database(), some.data(), some.size(), true)},
        {"ids deny", dq::filter_by_ids(index.database(), some.data(), some.size(), false)},
    };
    size_t ties = 0;
    for (const auto& [what, allow] : filters) {
        const size_t passing = dq::filter_count(allow.data(), n);
        for (size_t k : {size_t(1), size_t(10), size_t(64)}) {
            for (auto mode : {dq::SearchMode::adc, dq::SearchMode::sdc}) {
                INFO("K=" << K << " filter " << what << " (" << passing << " pass) k=" << k << " " << name(mode));
                const Rows ref = brute(index, q, k, mode, allow);
                for (size_t j = 1; j < ref.d.size(); ++j) ties += ref.id[j] >= 0 && ref.d[j] == ref.d[j - 1];
                const Rows exact = run(index, q, k, mode, opts(0, true), &allow);
                CHECK(exact.id == ref.id);
                CHECK(same_bits(exact.d, ref.d));
                if (K == 256) {
                    const Rows dflt = run(index, q, k, mode, {}, &allow);
                    CHECK(dflt.id == ref.id);
                    CHECK(same_bits(dflt.d, ref.d));
                    continue;
                }
                // A pool covering the passing items (but not the database): the exact filtered top-k.
                dq::ScanOptions po = opts(passing, false);
                po.allow = allow.data();
                po.allow_bits = n;
                CHECK(index.scan_pool(k, po) == passing);
                const Rows covered = run(index, q, k, mode, opts(passing, false), &allow);
                CHECK(covered.id == ref.id);
                CHECK(same_bits(covered.d, ref.d));
                // The default pool: every result passes, carries its exact distance, rows sorted.
                const Rows dflt = run(index, q, k, mode, {}, &allow);
                std::vector<float> all(n);
                for (size_t row = 0; row < q.size() / kDim; ++row) {
                    index.distances(&q[row * kDim], mode, all.data());
                    std::set<int64_t> seen;
                    for (size_t j = 0; j < k; ++j) {
                        const int64_t id = dflt.id[row * k + j];
                        if (j >= passing) {
                            CHECK(id == -1);
                            continue;
                        }
                        const int64_t pos = index.position_of(uint32_t(id));
                        REQUIRE(pos >= 0);
                        CHECK(dq::filter_passes(allow.data(), size_t(pos)));
                        CHECK(dflt.d[row * k + j] == all[size_t(pos)]);
                        CHECK(dflt.d[row * k + j] >= ref.d[row * k + j]);
                        CHECK(seen.insert(id).second);
                    }
                }
            }
        }
    }
    INFO("K=" << K);
    CHECK(ties > 0);  // the id comparisons above only prove the tie order if there were ties
}

TEST_CASE("a filter leaving 3 items returns those 3, then padding; one leaving none returns padding", "[index][filter]") {
    const auto K = GENERATE(256u, 16u);
    const size_t n = 700;
    const dq::Index index = make_index(model_for(4, K, 50 + K), n, 51);
    const auto q = clustered(4, 10, 52);
    const auto three = only(n, {3, 350, 699});
    const auto none = only(n, {});
    std::set<int64_t> want;
    for (size_t p : {3, 350, 699}) want.insert(index.database().ids[p]);
    for (const dq::ScanOptions& o : {opts(0, false), opts(0, true), opts(5, false)}) {
        if (K == 256 && o.pool) continue;
        for (auto mode : {dq::SearchMode::adc, dq::SearchMode::sdc}) {
            INFO("K=" << K << " " << name(mode) << " exact=" << o.exact << " pool=" << o.pool);
            const Rows r = run(index, q, 10, mode, o, &three);
            const Rows ref = brute(index, q, 10, mode, three);
            CHECK(r.id == ref.id);
            CHECK(same_bits(r.d, ref.d));
            for (size_t row = 0; row < 4; ++row) {
                CHECK(std::set<int64_t>(r.id.begin() + ptrdiff_t(row * 10), r.id.begin() + ptrdiff_t(row * 10 + 3)) == want);
                for (size_t j = 3; j < 10; ++j) {
                    CHECK(r.id[row * 10 + j] == -1);
                    CHECK(r.d[row * 10 + j] == std::numeric_limits<float>::infinity());
                }
            }
            const Rows empty = run(index, q, 10, mode, o, &none);
            CHECK(std::all_of(empty.id.begin(), empty.id.end(), [](int64_t id) { return id == -1; }));
            CHECK(std::all_of(empty.d.begin(), empty.d.end(), [](float d) { return d == std::numeric_limits<float>::infinity(); }));
        }
    }
    // search_codes filters too.
    std::vector<uint8_t> code(4);
    index.encode(q.data(), 1, code.data());
    std::vector<float> d(10);
    std::vector<int64_t> ids(10);
    dq::ScanOptions o;
    o.allow = three.data();
    o.allow_bits = n;
    index.search_codes(code.data(), 1, 10, d.data(), ids.data(), o);
    CHECK(std::set<int64_t>(ids.begin(), ids.begin() + 3) == want);
    CHECK(ids[3] == -1);
}

TEST_CASE("a filter bitmap of the wrong size is refused", "[index][filter]") {
    dq::Index index = make_index(model_for(2, 16, 60), 40, 61);
    const auto q = clustered(1, 10, 62);
    const auto bits = random_bits(40, 50, 63);
    std::vector<float> d(5);
    std::vector<int64_t> ids(5);
    dq::ScanOptions o;
    o.allow = bits.data();
    o.allow_bits = 39;
    CHECK_THROWS_WITH(index.search(q.data(), 1, 5, dq::SearchMode::adc, d.data(), ids.data(), o),
                      Contains("filter: a bitmap of 39 positions for an index of 40 items"));
    o.allow = nullptr;
    CHECK_THROWS_WITH(index.search(q.data(), 1, 5, dq::SearchMode::adc, d.data(), ids.data(), o),
                      "filter: no bitmap given but allow_bits = 39");
}

TEST_CASE("remove by id and by position: compaction in order, never returned again", "[index][remove]") {
    const auto K = GENERATE(256u, 16u);
    const size_t n = 300;
    const dq::Model model = model_for(3, K, 70 + K);
    dq::Index index = make_index(model, n, 71);
    const dq::Database before = index.database();
    const auto q = clustered(6, 10, 72);

    // The nearest item of query 0 goes first, so a search would certainly have returned it.
    Rows r = run(index, q, 1, dq::SearchMode::sdc, {}, nullptr);
    const uint32_t nearest = uint32_t(r.id[0]);
    const std::vector<uint32_t> gone_ids = {nearest, before.ids[0], before.ids[n - 1], before.ids[100]};
    std::set<uint32_t> gone(gone_ids.begin(), gone_ids.end());
    REQUIRE(gone.size() == 4);
    CHECK(index.remove_ids(gone_ids.data(), gone_ids.size()) == 4);
    // Positions before the removal: 10 and 11 (neither removed above, 0 was).
    const std::vector<size_t> at = {11, 10};
    for (size_t p : at) gone.insert(index.database().ids[p]);
    index.remove_positions(at.data(), at.size());
    REQUIRE(index.size() == n - 6);

    // The database is the old one minus the removed items, order kept, every column in step.
    const dq::Database& db = index.database();
    db.validate();
    size_t w = 0;
    for (size_t i = 0; i < n; ++i) {
        if (gone.count(before.ids[i])) continue;
        INFO("old position " << i << " new " << w);
        REQUIRE(w < db.size());
        CHECK(db.ids[w] == before.ids[i]);
        CHECK(db.labels[w] == before.labels[i]);
        CHECK(std::equal(&db.codes[w * 3], &db.codes[w * 3 + 3], &before.codes[i * 3]));
        ++w;
    }
    CHECK(w == db.size());
    for (uint32_t id : gone) CHECK(index.position_of(id) == -1);

    // No search path returns a removed item, even with k = size().
    for (const dq::ScanOptions& o : {opts(0, false), opts(0, true), opts(index.size(), false)}) {
        if (K == 256 && o.pool) continue;
        for (auto mode : {dq::SearchMode::adc, dq::SearchMode::sdc}) {
            const Rows all = run(index, q, index.size(), mode, o, nullptr);
            for (int64_t id : all.id) {
                CHECK(id >= 0);
                CHECK(gone.count(uint32_t(id)) == 0);
            }
        }
    }

    // The same items added to a fresh index give the same results on every path (the blocked copy
    // was rebuilt from the compacted codes), before and after more items are added to both.
    dq::Index fresh(model, db);
    for (int round = 0; round < 2; ++round) {
        for (const dq::ScanOptions& o : {opts(0, false), opts(0, true), opts(index.size(), false), opts(20, false)}) {
            if (K == 256 && o.pool) continue;
            for (auto mode : {dq::SearchMode::adc, dq::SearchMode::sdc}) {
                INFO("K=" << K << " round " << round << " pool " << o.pool << " exact " << o.exact << " " << name(mode));
                const Rows a = run(index, q, 15, mode, o, nullptr);
                const Rows b = run(fresh, q, 15, mode, o, nullptr);
                CHECK(a.id == b.id);
                CHECK(same_bits(a.d, b.d));
            }
        }
        if (K == 16) {
            // A pool covering the index is the exact scan: the fast copy matches the byte codes.
            const Rows f = run(index, q, 15, dq::SearchMode::adc, opts(index.size(), false), nullptr);
            const Rows e = run(index, q, 15, dq::SearchMode::adc, opts(0, true), nullptr);
            CHECK(f.id == e.id);
            CHECK(same_bits(f.d, e.d));
        }
        const auto x = clustered(37, 10, 73);
        std::vector<uint32_t> ids(37);
        for (size_t i = 0; i < 37; ++i) ids[i] = uint32_t(100000 + i);
        index.add(x.data(), 37, ids.data(), nullptr);
        fresh.add(x.data(), 37, ids.data(), nullptr);
    }
}

TEST_CASE("remove: an unknown id, a position out of range or one listed twice removes nothing", "[index][remove]") {
    dq::Index index = make_index(model_for(2, 16, 80), 50, 81);
    const dq::Database before = index.database();
    const std::vector<uint32_t> bad = {before.ids[3], 999999, before.ids[4]};
    CHECK_THROWS_WITH(index.remove_ids(bad.data(), bad.size()), "remove: no item has id 999999 (nothing removed)");
    const std::vector<uint32_t> twice = {before.ids[3], before.ids[3]};
    CHECK_THROWS_WITH(index.remove_ids(twice.data(), twice.size()),
                      "remove: id " + std::to_string(before.ids[3]) + " is listed twice");
    const std::vector<size_t> out = {1, 50};
    CHECK_THROWS_WITH(index.remove_positions(out.data(), out.size()),
                      "remove: position 50 out of range (50 items; nothing removed)");
    const std::vector<size_t> dup = {7, 2, 7};
    CHECK_THROWS_WITH(index.remove_positions(dup.data(), dup.size()),
                      "remove: position 7 is listed twice (nothing removed)");
    CHECK(index.size() == 50);
    CHECK(index.database().ids == before.ids);
    CHECK(index.database().codes == before.codes);
    CHECK(index.database().labels == before.labels);

    // Ids need not be unique: removing one removes every item that carries it.
    dq::Database db = before;
    db.ids[10] = db.ids[20];
    dq::Index dupl(index.model(), db);
    const uint32_t id = db.ids[20];
    CHECK(dupl.remove_ids(&id, 1) == 2);
    CHECK(dupl.size() == 48);

    // Removing everything leaves a valid empty database that keeps its thumbnail shape for adds.
    dq::Database th = fmttest::make_database(index.model(), 5, true, 82);
    dq::Index all(index.model(), th);
    const std::vector<size_t> every = {0, 1, 2, 3, 4};
    all.remove_positions(every.data(), every.size());
    CHECK(all.size() == 0);
    all.database().validate();
    const auto x = clustered(2, 3, 83);
    const uint32_t two[2] = {1, 2};
    all.add(x.data(), 2, two, nullptr);
    all.database().validate();
    CHECK(all.database().thumbnails.size() == 2 * th.thumb_bytes());
}
