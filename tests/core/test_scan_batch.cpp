// Batched scan (scan_batch.h): every kernel against the scalar reference, the reference's lanes
// against 16 single-query scans bit for bit, and dq::Index's batched search against one search per
// query (ids, distances, positions, ties, filters, k past the database). This file also runs in the
// wasm-tests modules (SIMD128 and baseline), whose kernels differ.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "dq/filter.h"
#include "dq/index.h"
#include "dq/scan.h"
#include "dq/scan_batch.h"
#include "test_format_util.h"
#include "test_kernels.h"

namespace {

// Values of very different magnitudes and signs (and -0), so that a changed summation order shows.
std::vector<float> tables(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> v(n);
    for (auto& x : v) {
        const uint32_t r = rng();
        x = r % 17 == 0 ? -0.0f : std::ldexp(float(int32_t(r % 2001) - 1000), int(r >> 24) % 30 - 20);
    }
    return v;
}

bool same_bits(const float* a, const float* b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

}  // namespace

TEST_CASE("every batched scan kernel is identical to the scalar reference, lane by lane to single scans", "[scan]") {
    const auto& ks = dq::scan_batch_kernels();
    dqtest::check_registry(ks, dq::best_scan_batch_kernel(), "dq_scan_lut8_q16");
    std::mt19937 rng(5);
    for (const uint32_t K : {16u, 256u}) {
        for (const uint32_t M : {0u, 1u, 2u, 3u, 4u, 5u, 8u, 12u, 16u, 33u}) {
            for (const size_t nq : {size_t(16), size_t(5), size_t(1)}) {
                const std::vector<float> luts = tables(nq * M * K + 1, 100 + M + K + uint32_t(nq));
                std::vector<float> lutq(size_t(M) * K * 16 + 1);
                dq::interleave_luts(luts.data(), nq, M, K, lutq.data());
                for (const size_t n : {size_t(0), size_t(1), size_t(2), size_t(3), size_t(37)}) {
                    std::vector<uint8_t> codes(n * M);
                    for (auto& c : codes) c = uint8_t(rng() % K);
                    std::vector<float> ref(n * 16 + 1, 7.0f);
                    dq::dq_scan_lut8_q16__scalar(lutq.data(), M, K, codes.data(), n, ref.data());
                    INFO("K=" << K << " M=" << M << " nq=" << nq << " n=" << n);
                    CHECK(ref[n * 16] == 7.0f);
                    // Lane q is query q's single scan, bit for bit; padding lanes are 0.
                    std::vector<float> single(n);
                    for (size_t q = 0; q < 16; ++q) {
                        if (q < nq)
                            dq::dq_scan_lut8_u8__scalar(luts.data() + q * M * K, M, K, codes.data(), n, single.data());
                        for (size_t i = 0; i < n; ++i) {
                            const float want = q < nq ? single[i] : 0.0f;
                            CHECK(std::memcmp(&ref[i * 16 + q], &want, sizeof(float)) == 0);
                        }
                    }
                    for (const auto& kern : ks) {
                        if (!kern.supported()) {
                            WARN("skipped (not supported here): " << kern.name);
                            continue;
                        }
                        std::vector<float> got(n * 16 + 1, 7.0f);
                        kern.fn(lutq.data(), M, K, codes.data(), n, got.data());
                        INFO(kern.name);
                        CHECK(same_bits(got.data(), ref.data(), n * 16 + 1));
                    }
                }
            }
        }
    }
}

TEST_CASE("Index: a batch of queries returns what one search per query returns, bit for bit", "[index][scan]") {
    const uint32_t K = GENERATE(256u, 16u);
    const uint32_t M = 4, dsub = 2;
    const dq::Model model = fmttest::make_model({16}, M, K, dsub, 40 + K);
    const size_t d = model.input_dim();
    fmttest::Rng rng(41);
    const size_t n0 = 600;
    std::vector<float> x(n0 * d);
    for (auto& v : x) v = rng.uniform(0.0f, 1.0f);
    dq::Index index(model);
    std::vector<uint32_t> ids(n0);
    for (size_t i = 0; i < n0; ++i) ids[i] = uint32_t((i * 7919) % 997);
    index.add(x.data(), n0, ids.data(), nullptr);
    // Copies of the first 80 items: equal distances, decided by id and then by position (ids repeat).
    std::vector<uint32_t> dup_ids(80);
    for (size_t i = 0; i < 80; ++i) dup_ids[i] = uint32_t(i % 3 == 0 ? ids[i] : 2000 + i);
    index.add(x.data(), 80, dup_ids.data(), nullptr);
    const size_t n = index.size();

    const size_t nq = 40;
    std::vector<float> q(nq * d);
    for (size_t i = 0; i < nq * d; ++i) q[i] = i < 5 * d ? x[i] : rng.uniform(0.0f, 1.0f);  // 5 queries are items
    std::vector<uint8_t> allow(dq::filter_bytes(n), 0);
    for (size_t i = 0; i < n; ++i)
        if (rng.below(3) != 0) allow[i / 8] |= uint8_t(1u << (i % 8));

    for (const bool filtered : {false, true}) {
        dq::ScanOptions opt;
        opt.exact = true;  // K = 16: the exact path (the fast path searches query by query)
        if (filtered) {
            opt.allow = allow.data();
            opt.allow_bits = n;
        }
        for (const auto mode : {dq::SearchMode::adc, dq::SearchMode::sdc}) {
            for (const size_t k : {size_t(1), size_t(10), n + 3}) {
                for (const size_t count : {size_t(2), size_t(15), size_t(16), size_t(17), nq}) {
                    INFO("K=" << K << " filtered=" << filtered << " sdc=" << (mode == dq::SearchMode::sdc) << " k=" << k
                              << " queries=" << count);
                    std::vector<float> bd(count * k), sd(count * k);
                    std::vector<int64_t> bi(count * k), si(count * k), bp(count * k), sp(count * k);
                    index.search(q.data(), count, k, mode, bd.data(), bi.data(), opt, bp.data());
                    for (size_t r = 0; r < count; ++r)
                        index.search(q.data() + r * d, 1, k, mode, sd.data() + r * k, si.data() + r * k, opt,
                                     sp.data() + r * k);
                    CHECK(bi == si);
                    CHECK(bp == sp);
                    CHECK(same_bits(bd.data(), sd.data(), count * k));
                    if (mode == dq::SearchMode::sdc) {
                        std::vector<uint8_t> codes(count * M);
                        index.encode(q.data(), count, codes.data());
                        std::vector<float> cd(count * k);
                        std::vector<int64_t> ci(count * k);
                        index.search_codes(codes.data(), count, k, cd.data(), ci.data(), opt);
                        CHECK(ci == si);
                        CHECK(same_bits(cd.data(), sd.data(), count * k));
                    }
                }
            }
        }
    }
}
