// Every registered 8-bit scan kernel against the scalar reference: bit-identical distances at the
// edge sizes around each kernel's tile (below, at and above it, from the registry), for K = 16 and
// 256, and the same top-k ranking including ties broken by id. Runs natively and in both wasm builds.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dq/scan.h"
#include "dq/topk.h"
#include "test_kernels.h"

namespace {

// Magnitudes spread over many binades, so a different summation order changes the bits.
std::vector<float> spread_lut(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = std::ldexp(1.0f + u(rng), int(rng() % 24) - 12);
    return v;
}

std::vector<uint8_t> random_codes(size_t n, uint32_t M, uint32_t K, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> c(n * M);
    for (auto& x : c) x = uint8_t(rng() % K);
    return c;
}

// Fixed sizes (the wasm kernel's 4-code step at M <= 2; its static table copy from n = 256 on) plus
// tile - 1, tile, tile + 1 and 3 tile + 5 of the kernel under test.
std::vector<size_t> edge_sizes(uint32_t tile) {
    std::vector<size_t> s = {0, 1, 3, 4, 5, 7, 8, 9, 17, 29, 255, 256, 257, 1000};
    for (size_t t : {size_t(tile) - 1, size_t(tile), size_t(tile) + 1, 3 * size_t(tile) + 5}) s.push_back(t);
    return s;
}

}  // namespace

TEST_CASE("scan registry: scalar first, best kernel supported", "[scan]") {
    const auto& ks = dq::scan_kernels();
    dqtest::check_registry(ks, dq::best_scan_kernel(), "dq_scan_lut8_u8");
    CHECK(ks.front().fn == &dq::dq_scan_lut8_u8__scalar);
    CHECK(&dq::best_scan_kernel() == &dq::best_scan_kernel());
}

TEST_CASE("scalar reference sums in increasing m from the m = 0 term", "[scan]") {
    std::vector<float> l(2 * 16, 0.0f);
    l[3] = 1e8f;
    l[16 + 5] = 3.0f;
    const uint8_t code[2] = {3, 5};
    float out = -1;
    dq::dq_scan_lut8_u8__scalar(l.data(), 2, 16, code, 1, &out);
    CHECK(out == 1e8f + 3.0f);
    dq::dq_scan_lut8_u8__scalar(l.data(), 2, 16, code, 0, &out);  // n = 0 writes nothing
    CHECK(out == 1e8f + 3.0f);
}

TEST_CASE("every scan kernel is bit-identical to the scalar reference", "[scan]") {
    // The test has teeth: summing in another order changes bits on this data.
    {
        const std::vector<float> lut = spread_lut(16 * 256, 1);
        const std::vector<uint8_t> codes = random_codes(1000, 16, 256, 2);
        size_t differ = 0;
        for (size_t i = 0; i < 1000; ++i) {
            float fwd = lut[codes[i * 16]], rev = lut[15 * 256 + codes[i * 16 + 15]];
            for (int m = 1; m < 16; ++m) fwd += lut[m * 256 + codes[i * 16 + m]];
            for (int m = 14; m >= 0; --m) rev += lut[m * 256 + codes[i * 16 + m]];
            differ += std::memcmp(&fwd, &rev, 4) != 0;
        }
        REQUIRE(differ > 100);
    }
    for (const auto& kern : dq::scan_kernels()) {
        if (!kern.supported()) {
            WARN("skipped (not supported here): " << kern.name);
            continue;
        }
        for (uint32_t K : {16u, 256u}) {
            for (uint32_t M : {1u, 2u, 3u, 4u, 6u, 8u, 12u, 16u, 5u}) {
                const std::vector<float> lut = spread_lut(size_t(M) * K, 10 * M + K);
                for (size_t n : edge_sizes(kern.tile)) {
                    const std::vector<uint8_t> codes = random_codes(n, M, K, uint32_t(n * 31 + M));
                    std::vector<float> ref(n + 1, -7.0f), got(n + 1, -7.0f);
                    dq::dq_scan_lut8_u8__scalar(lut.data(), M, K, codes.data(), n, ref.data());
                    kern.fn(lut.data(), M, K, codes.data(), n, got.data());
                    INFO(kern.name << " K=" << K << " M=" << M << " n=" << n);
                    CHECK(std::memcmp(ref.data(), got.data(), n * sizeof(float)) == 0);
                    CHECK(got[n] == -7.0f);  // nothing written past n
                }
            }
        }
    }
}

TEST_CASE("every scan kernel gives the same top-k ranking, ties by id", "[scan]") {
    // Small integer tables: many exact distance ties, which the ranking must break by id.
    const size_t n = 997, k = 25;
    for (const auto& kern : dq::scan_kernels()) {
        if (!kern.supported()) continue;
        for (uint32_t K : {16u, 256u}) {
            for (uint32_t M : {2u, 4u, 8u}) {
                std::vector<float> lut(size_t(M) * K);
                for (size_t j = 0; j < lut.size(); ++j) lut[j] = float(j % 3);
                const std::vector<uint8_t> codes = random_codes(n, M, K, 77 + M);
                std::vector<float> dr(n), dk(n);
                dq::dq_scan_lut8_u8__scalar(lut.data(), M, K, codes.data(), n, dr.data());
                kern.fn(lut.data(), M, K, codes.data(), n, dk.data());
                std::vector<uint32_t> ids(n);
                for (size_t i = 0; i < n; ++i) ids[i] = uint32_t(5000 - 3 * i);  // descending ids
                std::vector<float> od_r(k), od_k(k);
                std::vector<int64_t> oi_r(k), oi_k(k);
                dq::topk_smallest(dr.data(), ids.data(), n, k, od_r.data(), oi_r.data());
                dq::topk_smallest(dk.data(), ids.data(), n, k, od_k.data(), oi_k.data());
                INFO(kern.name << " K=" << K << " M=" << M);
                CHECK(oi_r == oi_k);
                CHECK(od_r == od_k);
                // Ties present and broken by the smaller id.
                size_t ties = 0;
                for (size_t j = 1; j < k; ++j) {
                    if (od_r[j] == od_r[j - 1]) {
                        ++ties;
                        CHECK(oi_r[j] > oi_r[j - 1]);
                    }
                }
                CHECK(ties > 0);
            }
        }
    }
}
