// Index with K = 16: the fast-scan path it picks by itself against its own exact scan (ScanOptions
// {exact}). With a pool covering the database the two must agree bit for bit (ids, distances, tie
// order) for ADC and SDC and any k; with the default pool every returned distance must still be the
// exact one, and recall@10 is reported. The blocked copy grown by add()/add_codes() in batches must
// equal the one built from all codes at once. This file also runs in the wasm-tests modules (SIMD128
// and baseline), whose fast-scan kernels differ.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "dq/error.h"
#include "dq/fastscan.h"
#include "dq/format.h"
#include "dq/index.h"
#include "test_format_util.h"

using Catch::Matchers::StartsWith;

namespace {

constexpr uint32_t kSide = 8, kDim = kSide * kSide;

// Images around `clusters` random centres (each pixel the centre's ± 0.15, clipped to [0, 1]): items
// of a cluster share many subspace codes, so equal distances (ties broken by id) are common.
struct Clustered {
    std::vector<float> centres;
    explicit Clustered(size_t clusters, uint64_t seed) : centres(clusters * kDim) {
        fmttest::Rng rng(seed);
        for (auto& v : centres) v = rng.uniform(0.0f, 1.0f);
    }
    std::vector<float> draw(size_t n, uint64_t seed) const {
        fmttest::Rng rng(seed);
        std::vector<float> x(n * kDim);
        const size_t C = centres.size() / kDim;
        for (size_t i = 0; i < n; ++i) {
            const float* c = &centres[rng.below(uint32_t(C)) * kDim];
            for (uint32_t j = 0; j < kDim; ++j)
                x[i * kDim + j] = std::min(1.0f, std::max(0.0f, c[j] + rng.uniform(-0.15f, 0.15f)));
        }
        return x;
    }
};

// 8×8 -> 32 (relu) -> M × dsub, K = 16; codebooks from embedded cluster images so codes spread.
dq::Model k16_model(uint32_t M, uint32_t dsub, const Clustered& data, uint64_t seed) {
    dq::Model m = fmttest::make_model({32}, M, 16, dsub, seed, kSide, kSide, 0.3f);
    const dq::Encoder enc(m);
    const auto x = data.draw(16, seed + 1);
    std::vector<float> z(16 * m.latent_dim());
    enc.forward(x.data(), 16, z.data());
    for (uint32_t k = 0; k < 16; ++k)
        for (uint32_t s = 0; s < M; ++s)
            for (uint32_t j = 0; j < dsub; ++j)
                m.codebooks[(size_t(s) * 16 + k) * dsub + j] = z[k * m.latent_dim() + s * dsub + j];
    return m;
}

// Ids a permutation of 0..n-1 scaled, far from positions, so tie order by id is not position order.
std::vector<uint32_t> shuffled_ids(size_t n) {
    std::vector<uint32_t> ids(n);
    for (size_t i = 0; i < n; ++i) ids[i] = uint32_t(7 + 3 * ((i * 7919) % n));
    return ids;
}

dq::Index k16_index(const dq::Model& model, const std::vector<float>& x, const std::vector<uint32_t>& ids) {
    dq::Index index(model);
    index.add(x.data(), ids.size(), ids.data(), nullptr);
    return index;
}

struct Results {
    std::vector<float> d;
    std::vector<int64_t> id;
};

Results run(const dq::Index& ix, const float* q, size_t nq, size_t k, dq::SearchMode mode, const dq::ScanOptions& o) {
    Results r{std::vector<float>(nq * k), std::vector<int64_t>(nq * k)};
    ix.search(q, nq, k, mode, r.d.data(), r.id.data(), o);
    return r;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

dq::ScanOptions exact_scan() {
    dq::ScanOptions o;
    o.exact = true;
    return o;
}

dq::ScanOptions pool_of(size_t p) {
    dq::ScanOptions o;
    o.pool = p;
    return o;
}

}  // namespace

TEST_CASE("Index picks the scan kernel from K: lut4 fast-scan for K = 16, lut8 for K = 256 or exact", "[index][fastscan]") {
    const Clustered data(4, 1);
    const dq::Index k16(k16_model(3, 2, data, 2));
    CHECK(k16.fast_scan());
    CHECK(std::string(k16.scan_kernel_name()) == dq::best_fastscan_kernel().name);
    CHECK_THAT(k16.scan_kernel_name(), StartsWith("dq_scan_lut4_blk32__"));
    CHECK(std::string(k16.scan_kernel_name(exact_scan())) == dq::best_scan_kernel().name);
    CHECK_THAT(k16.scan_kernel_name(exact_scan()), StartsWith("dq_scan_lut8_u8__"));

    const dq::Index k256(fmttest::make_model({8}, 2, 256, 2, 3));
    CHECK_FALSE(k256.fast_scan());
    CHECK(std::string(k256.scan_kernel_name()) == dq::best_scan_kernel().name);
    CHECK(std::string(k256.scan_kernel_name(pool_of(5))) == dq::best_scan_kernel().name);
    // Batches: the 16-query scan where a SIMD one is compiled and supported, else query by query.
    const bool simd_batch = dq::best_scan_batch_kernel().fn != &dq::dq_scan_lut8_q16__scalar;
    const std::string batch = simd_batch ? dq::best_scan_batch_kernel().name : dq::best_scan_kernel().name;
    CHECK(std::string(k256.batch_scan_kernel_name()) == batch);
    CHECK(std::string(k16.batch_scan_kernel_name(exact_scan())) == batch);
    CHECK(std::string(k16.batch_scan_kernel_name()) == k16.scan_kernel_name());
#if defined(DQ_KERNELS_WASMSIMD)
    CHECK(simd_batch);
#elif defined(DQ_KERNELS_AVX2)
    if (__builtin_cpu_supports("avx2")) CHECK(simd_batch);
#endif
}

TEST_CASE("Index K = 16: a pool covering the database returns the exact scan's top-k bit for bit", "[index][fastscan]") {
    const size_t n = 1500, nq = 12;
    const Clustered data(12, 11);
    const auto M = GENERATE(1u, 5u, 8u);  // odd M: a padding subspace in the blocked layout
    const dq::Model model = k16_model(M, 2, data, 12 + M);
    const auto x = data.draw(n, 13);
    const dq::Index index = k16_index(model, x, shuffled_ids(n));
    REQUIRE(index.fast_scan());
    const auto q = data.draw(nq, 14);
    std::vector<uint8_t> qc(nq * M);
    index.encode(q.data(), nq, qc.data());
    size_t ties = 0;
    for (size_t k : {size_t(1), size_t(10), size_t(37), n - 1, n, n + 9}) {
        for (auto mode : {dq::SearchMode::adc, dq::SearchMode::sdc}) {
            INFO("M=" << M << " k=" << k << " mode=" << (mode == dq::SearchMode::adc ? "adc" : "sdc"));
            const Results ref = run(index, q.data(), nq, k, mode, exact_scan());
            for (size_t pool : {n, n + 1, std::numeric_limits<size_t>::max()}) {
                INFO("pool=" << pool);
                const Results fast = run(index, q.data(), nq, k, mode, pool_of(pool));
                CHECK(fast.id == ref.id);
                CHECK(same_bits(fast.d, ref.d));
            }
            if (mode == dq::SearchMode::sdc) {
                std::vector<float> d(nq * k);
                std::vector<int64_t> ids(nq * k);
                index.search_codes(qc.data(), nq, k, d.data(), ids.data(), pool_of(n));
                CHECK(ids == ref.id);
                CHECK(same_bits(d, ref.d));
            }
            for (size_t j = 1; j < ref.d.size(); ++j) ties += (j % k) != 0 && ref.d[j] == ref.d[j - 1];
            if (k > n) {
                CHECK(ref.id[k - 1] == -1);
                CHECK(ref.d[k - 1] == std::numeric_limits<float>::infinity());
            }
        }
    }
    // The comparison above only proves the tie order if there were ties.
    INFO("M=" << M);
    CHECK(ties > 0);
}

TEST_CASE("Index K = 16, default and small pools: exact distances, recall@10 against the exact scan reported", "[index][fastscan]") {
    const size_t n = 4000, nq = 100, k = 10;
    const uint32_t M = 8, dsub = 2;  // 32-bit codes
    const Clustered data(40, 21);
    const dq::Model model = k16_model(M, dsub, data, 22);
    const auto x = data.draw(n, 23);
    const dq::Index index = k16_index(model, x, shuffled_ids(n));
    const auto q = data.draw(nq, 24);
    for (auto mode : {dq::SearchMode::adc, dq::SearchMode::sdc}) {
        const char* name = mode == dq::SearchMode::adc ? "adc" : "sdc";
        const Results ref = run(index, q.data(), nq, k, mode, exact_scan());
        // The default pool, and pools down to k (where only the u8 sums' order decides).
        for (size_t pool : {size_t(0), size_t(20), k}) {
            const Results fast = run(index, q.data(), nq, k, mode, pool_of(pool));
            size_t hits = 0;
            std::vector<float> all(n);
            for (size_t r = 0; r < nq; ++r) {
                index.distances(&q[r * kDim], mode, all.data());
                std::set<int64_t> seen;
                for (size_t j = 0; j < k; ++j) {
                    const int64_t id = fast.id[r * k + j];
                    const float d = fast.d[r * k + j];
                    INFO(name << " pool " << pool << " query " << r << " rank " << j << " id " << id);
                    const int64_t pos = index.position_of(uint32_t(id));
                    REQUIRE(pos >= 0);
                    CHECK(d == all[size_t(pos)]);  // the exact distance of that id, whatever the pool
                    CHECK(seen.insert(id).second);
                    if (j > 0) {
                        const float pd = fast.d[r * k + j - 1];
                        CHECK((pd < d || (pd == d && fast.id[r * k + j - 1] < id)));
                    }
                    // An exact result can only be missed, never beaten: rank j is no better than exact's.
                    CHECK(d >= ref.d[r * k + j]);
                    hits += std::count(ref.id.begin() + r * k, ref.id.begin() + (r + 1) * k, id);
                }
            }
            WARN("K = 16 " << name << ", " << n << " clustered items, M = " << M << ", pool "
                           << index.scan_pool(k, pool_of(pool)) << (pool ? "" : " (default)") << ", "
                           << index.scan_kernel_name() << ": recall@10 against the exact scan = "
                           << double(hits) / double(nq * k));
        }
    }
}

TEST_CASE("Index K = 16: added in batches equals built at once", "[index][fastscan]") {
    const size_t n = 300;
    const Clustered data(6, 31);
    const auto M = GENERATE(3u, 4u);
    const dq::Model model = k16_model(M, 2, data, 32 + M);
    const auto x = data.draw(n, 33);
    const auto ids = shuffled_ids(n);
    std::vector<uint8_t> codes(n * M);
    dq::Index(model).encode(x.data(), n, codes.data());

    dq::Database db = dq::Index(model).database();
    db.codes = codes;
    db.ids = ids;
    const dq::Index whole(model, db);

    // Batches that end inside a block, on a block boundary (32) and on a half-block (16), through
    // both add() (pixels) and add_codes().
    dq::Index grown(model);
    const size_t cuts[] = {0, 1, 16, 31, 32, 33, 64, 100, 101, 250, n};
    for (size_t c = 0; c + 1 < std::size(cuts); ++c) {
        const size_t a = cuts[c], cnt = cuts[c + 1] - a;
        if (c % 2)
            grown.add(&x[a * kDim], cnt, &ids[a], nullptr);
        else
            grown.add_codes(&codes[a * M], cnt, &ids[a], nullptr);
    }
    REQUIRE(grown.size() == n);
    CHECK(grown.database().codes == whole.database().codes);
    const auto q = data.draw(20, 34);
    for (auto mode : {dq::SearchMode::adc, dq::SearchMode::sdc}) {
        for (size_t pool : {size_t(0), size_t(40), n}) {
            INFO("M=" << M << " pool=" << pool);
            const Results a = run(whole, q.data(), 20, 12, mode, pool_of(pool));
            const Results b = run(grown, q.data(), 20, 12, mode, pool_of(pool));
            CHECK(a.id == b.id);
            CHECK(same_bits(a.d, b.d));
        }
    }
    // A refused add leaves the index as it was (the next search still matches `whole`).
    const uint8_t bad[4] = {1, 2, 16, 3};
    const uint32_t id = 5;
    CHECK_THROWS_AS(grown.add_codes(bad, 1, &id, nullptr), dq::Error);
    CHECK(grown.size() == n);
    const Results a = run(whole, q.data(), 20, 5, dq::SearchMode::adc, {});
    const Results b = run(grown, q.data(), 20, 5, dq::SearchMode::adc, {});
    CHECK(a.id == b.id);
}

TEST_CASE("FastScanCodes::append in batches gives the constructor's layout byte for byte", "[fastscan]") {
    fmttest::Rng rng(41);
    for (uint32_t M : {1u, 2u, 3u, 8u, 17u}) {
        const size_t n = 150;
        std::vector<uint8_t> codes(n * M);
        for (auto& c : codes) c = uint8_t(rng.below(16));
        const dq::FastScanCodes whole(codes.data(), n, M);
        dq::FastScanCodes grown(codes.data(), 0, M);
        for (size_t a = 0; a < n;) {
            const size_t cnt = std::min<size_t>(n - a, 1 + rng.below(40));
            grown.append(&codes[a * M], cnt);
            a += cnt;
        }
        INFO("M=" << M);
        REQUIRE(grown.size() == n);
        REQUIRE(grown.nblocks() == whole.nblocks());
        CHECK(std::memcmp(grown.packed(), whole.packed(), dq::fastscan_packed_bytes(n, M)) == 0);
        for (size_t i = 0; i < n; i += 7)
            for (uint32_t m = 0; m < M; ++m) CHECK(grown.code(i, m) == codes[i * M + m]);
    }
    dq::FastScanCodes fc;
    const uint8_t one = 1;
    CHECK_THROWS_WITH(fc.append(&one, 1), "FastScanCodes::append: M must be in 1..256, got 0");
    const uint8_t c2[2] = {3, 16};
    dq::FastScanCodes two(c2, 0, 2);
    CHECK_THROWS_WITH(two.append(c2, 1), "FastScanCodes::append: code 0 subspace 1 is 16, must be < 16");
    CHECK(two.size() == 0);
}
