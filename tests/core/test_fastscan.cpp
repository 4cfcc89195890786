// Fast-scan: 4-bit blocked packing round trip for every M, LUT quantization, every fast-scan kernel
// identical to the scalar reference, and search == exact ADC when the pool covers everything.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dq/error.h"
#include "dq/fastscan.h"
#include "dq/pq.h"
#include "dq/scan.h"
#include "dq/topk.h"
#include "test_kernels.h"

using Catch::Matchers::Contains;

namespace {

std::vector<uint8_t> codes4(size_t n, uint32_t M, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> c(n * M);
    for (auto& x : c) x = uint8_t(rng() % 16);
    return c;
}

std::vector<float> random_floats(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

}  // namespace

TEST_CASE("4-bit blocked packing round-trips for every M", "[fastscan]") {
    for (uint32_t M = 1; M <= 33; ++M) {
        for (size_t n : {0, 1, 15, 16, 17, 31, 32, 33, 101, 127, 128, 129, 300}) {
            const std::vector<uint8_t> c = codes4(n, M, uint32_t(M * 1000 + n));
            const size_t bytes = dq::fastscan_packed_bytes(n, M);
            CHECK(bytes == (n + 127) / 128 * 64 * (M + (M & 1)));  // whole groups of 4 blocks
            std::vector<uint8_t> packed(bytes + 1, 0xAB), back(n * M);
            dq::pack_codes4(c.data(), n, M, packed.data());
            CHECK(packed[bytes] == 0xAB);  // nothing written past the end
            dq::unpack_codes4(packed.data(), n, M, back.data());
            INFO("M=" << M << " n=" << n);
            CHECK(back == c);
            const dq::FastScanCodes fc(c.data(), n, M);
            for (size_t i = 0; i < n; ++i)
                for (uint32_t m = 0; m < M; ++m) REQUIRE(fc.code(i, m) == c[i * M + m]);
        }
    }
}

TEST_CASE("blocked layout: byte j of subspace m pairs codes j and j+16, a group's blocks side by side", "[fastscan]") {
    const uint32_t M = 3;  // padded to 4 subspaces
    const size_t n = 140;  // two groups, the second with one block of 12 codes
    std::vector<uint8_t> c(n * M, 0);
    c[5 * M + 2] = 0x9;     // block 0, low nibble of byte 5 of subspace 2
    c[21 * M + 2] = 0x4;    // block 0, high nibble of the same byte
    c[33 * M + 0] = 0xF;    // block 1, code 1, subspace 0
    c[127 * M + 1] = 0x3;   // block 3 (the group's last), code 31: high nibble of byte 15, subspace 1
    c[139 * M + 2] = 0x6;   // group 1, block 4, code 11, subspace 2
    std::vector<uint8_t> p(dq::fastscan_packed_bytes(n, M));
    REQUIRE(p.size() == 2 * 64 * 4);
    dq::pack_codes4(c.data(), n, M, p.data());
    CHECK(int(p[2 * 64 + 0 * 16 + 5]) == 0x49);   // group 0: subspace m at 64 m, block l at 16 l
    CHECK(int(p[0 * 64 + 1 * 16 + 1]) == 0x0F);
    CHECK(int(p[1 * 64 + 3 * 16 + 15]) == 0x30);
    CHECK(int(p[256 + 2 * 64 + 0 * 16 + 11]) == 0x06);  // group 1 starts at 64 × M2
    CHECK(std::count(p.begin(), p.end(), 0) == long(p.size()) - 4);
    c[7 * M + 1] = 16;
    CHECK_THROWS_WITH(dq::pack_codes4(c.data(), n, M, p.data()), Contains("code 7 subspace 1 is 16, must be < 16"));
    CHECK_THROWS_WITH(dq::FastScanCodes(c.data(), n, 0), Contains("M must be in 1..256, got 0"));
}

TEST_CASE("LUT quantization: shared scale, per-row bias, bounded error", "[fastscan]") {
    const uint32_t M = 5;
    std::vector<float> lut = random_floats(M * 16, 4);
    for (int k = 0; k < 16; ++k) lut[2 * 16 + k] *= 3.0f;  // row 2 has the widest range
    const dq::QuantizedLut4 t = dq::quantize_lut4(lut.data(), M);
    REQUIRE(t.M2 == 6);
    REQUIRE(t.q.size() == 6 * 16);
    for (int k = 0; k < 16; ++k) CHECK(t.q[5 * 16 + k] == 0);  // padding row
    float bias = 0;
    for (uint32_t m = 0; m < M; ++m) {
        const float* row = &lut[m * 16];
        const auto mn = std::min_element(row, row + 16) - row;
        CHECK(t.q[m * 16 + mn] == 0);
        bias += *std::min_element(row, row + 16);
    }
    const float* r2 = &lut[2 * 16];
    CHECK(t.q[2 * 16 + (std::max_element(r2, r2 + 16) - r2)] == dq::kFastScanLutMax);
    CHECK(t.bias == Approx(bias));
    // 7-bit entries: two add as bytes without overflow (the wasm kernel relies on it).
    CHECK(*std::max_element(t.q.begin(), t.q.end()) <= dq::kFastScanLutMax);
    // Every code's approximate distance is within M/2 quantization steps of the exact one.
    const std::vector<uint8_t> c = codes4(200, M, 9);
    for (size_t i = 0; i < 200; ++i) {
        uint32_t s = 0;
        double exact = 0;
        for (uint32_t m = 0; m < M; ++m) {
            s += t.q[m * 16 + c[i * M + m]];
            exact += lut[m * 16 + c[i * M + m]];
        }
        CHECK(std::fabs(t.to_distance(s) - exact) <= 0.5 * M / t.scale + 1e-5);
    }
    std::vector<float> flat(2 * 16, 3.0f);
    const dq::QuantizedLut4 f = dq::quantize_lut4(flat.data(), 2);
    CHECK(f.scale == 1.0f);
    CHECK(f.bias == 6.0f);
    CHECK(std::count(f.q.begin(), f.q.end(), 0) == 32);
    flat[7] = std::nanf("");
    CHECK_THROWS_WITH(dq::quantize_lut4(flat.data(), 2), Contains("lut[0][7] is not finite"));
}

TEST_CASE("every fast-scan kernel is identical to the scalar reference", "[fastscan]") {
    const auto& ks = dq::fastscan_kernels();
    dqtest::check_registry(ks, dq::best_fastscan_kernel(), "dq_scan_lut4_blk32");
    CHECK(ks.front().fn == &dq::dq_scan_lut4_blk32__scalar);
    std::mt19937 rng(12);
    for (const auto& kern : ks) {
        if (!kern.supported()) {
            WARN("skipped (not supported here): " << kern.name);
            continue;
        }
        for (uint32_t M : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 10u, 12u, 14u, 16u, 32u, 64u, 256u}) {
            const uint32_t M2 = M + (M & 1);
            // Blocks below, at and above the kernel's tile (and 3 tile + 5).
            const size_t t = kern.tile;
            // Every block count mod the group of 4 too (a kernel reads the last group whole).
            for (size_t nb : {size_t(0), size_t(1), size_t(2), size_t(3), size_t(5), size_t(6), t - 1, t, t + 1, 2 * t,
                              3 * t + 5, size_t(40)}) {
                std::vector<uint8_t> q(M2 * 16);
                for (auto& x : q) x = uint8_t(rng() % (dq::kFastScanLutMax + 1));
                if (M == 256) std::fill(q.begin(), q.end(), uint8_t(dq::kFastScanLutMax));  // largest sum: 256 * 127
                if (M == 5) std::fill(q.begin(), q.end(), 0);      // smallest: every sum 0
                // Whole groups, the blocks past nb random too: no kernel may report them.
                std::vector<uint8_t> packed(dq::fastscan_packed_bytes(nb * 32, M));
                REQUIRE(packed.size() == (nb + 3) / 4 * 64 * M2);
                for (auto& x : packed) x = uint8_t(rng());
                // Threshold 65535 keeps every block (the plain scan); then thresholds at a block's
                // minimum (kept: <= is inclusive), one below it, 0 and the median minimum (about half kept).
                std::vector<uint16_t> all(nb * 32 + 1, 7);
                std::vector<uint32_t> all_blocks(nb + 1, 9);
                const size_t nall = dq::dq_scan_lut4_blk32__scalar(q.data(), M, packed.data(), nb, 0xffff, all.data(),
                                                                   all_blocks.data());
                REQUIRE(nall == nb);
                std::vector<uint16_t> mins(nb);
                for (size_t b = 0; b < nb; ++b) {
                    CHECK(all_blocks[b] == b);
                    mins[b] = *std::min_element(all.begin() + b * 32, all.begin() + b * 32 + 32);
                }
                std::vector<uint16_t> thresholds = {0xffff, 0};
                if (nb > 0) {
                    std::vector<uint16_t> sorted = mins;
                    std::sort(sorted.begin(), sorted.end());
                    thresholds.push_back(sorted[nb / 2]);
                    thresholds.push_back(mins[nb - 1]);
                    if (mins[nb - 1] > 0) thresholds.push_back(uint16_t(mins[nb - 1] - 1));
                }
                for (const uint16_t thr : thresholds) {
                    std::vector<uint16_t> ref(nb * 32 + 1, 7), got(nb * 32 + 1, 7);
                    std::vector<uint32_t> rb(nb + 1, 9), gb(nb + 1, 9);
                    const size_t nref = dq::dq_scan_lut4_blk32__scalar(q.data(), M, packed.data(), nb, thr, ref.data(),
                                                                       rb.data());
                    const size_t ngot = kern.fn(q.data(), M, packed.data(), nb, thr, got.data(), gb.data());
                    INFO(kern.name << " M=" << M << " nblocks=" << nb << " threshold=" << thr);
                    REQUIRE(ngot == nref);
                    CHECK(std::equal(ref.begin(), ref.begin() + nref * 32, got.begin()));
                    CHECK(std::equal(rb.begin(), rb.begin() + nref, gb.begin()));
                    CHECK(got[nref * 32] == 7);  // nothing written past the kept blocks
                    CHECK(gb[nref] == 9);
                    // The reference keeps exactly the blocks with some sum <= threshold, sums unchanged.
                    size_t c = 0;
                    for (size_t b = 0; b < nb; ++b) {
                        if (mins[b] > thr) continue;
                        REQUIRE(c < nref);
                        CHECK(rb[c] == b);
                        CHECK(std::equal(all.begin() + b * 32, all.begin() + b * 32 + 32, ref.begin() + c * 32));
                        ++c;
                    }
                    CHECK(c == nref);
                }
                if (M == 256 && nb > 0) CHECK(all[0] == 256 * dq::kFastScanLutMax);
                if (M == 5 && nb > 0) CHECK(all[0] == 0);
            }
        }
    }
}

TEST_CASE("scalar fast-scan sums the quantized table per code", "[fastscan]") {
    const uint32_t M = 3;
    const size_t n = 40;
    const std::vector<uint8_t> c = codes4(n, M, 21);
    std::vector<uint8_t> q(4 * 16);
    for (size_t j = 0; j < q.size(); ++j) q[j] = uint8_t(j * 7 + 3);
    for (size_t j = 48; j < 64; ++j) q[j] = 0;  // padding row as quantize_lut4 leaves it
    const dq::FastScanCodes fc(c.data(), n, M);
    std::vector<uint16_t> out(fc.nblocks() * 32);
    std::vector<uint32_t> blocks(fc.nblocks());
    CHECK(dq::dq_scan_lut4_blk32__scalar(q.data(), M, fc.packed(), fc.nblocks(), 0xffff, out.data(), blocks.data()) ==
          fc.nblocks());
    for (size_t i = 0; i < n; ++i)
        CHECK(out[i] == q[c[i * M]] + q[16 + c[i * M + 1]] + q[32 + c[i * M + 2]]);
}

TEST_CASE("fast-scan search: full pool equals exact ADC, default pool keeps recall", "[fastscan]") {
    const uint32_t M = 8, dsub = 2;
    const size_t n = 3000, k = 10;
    dq::ProductQuantizer pq(M, 16, dsub, random_floats(M * 16 * dsub, 31));
    const std::vector<float> x = random_floats(n * pq.dim(), 32);
    std::vector<uint8_t> codes(n * M);
    pq.encode(x.data(), n, codes.data());
    std::vector<uint32_t> ids(n);
    for (size_t i = 0; i < n; ++i) ids[i] = uint32_t(100000 + (i * 7919) % n);
    const dq::FastScanCodes fc(codes.data(), n, M);
    size_t hits = 0, total = 0;
    const int nq = 20;
    for (int qi = 0; qi < nq; ++qi) {
        const std::vector<float> qv = random_floats(pq.dim(), 1000 + qi);
        std::vector<float> lut(M * 16), all(n);
        pq.compute_adc_lut(qv.data(), lut.data());
        dq::dq_scan_lut8_u8__scalar(lut.data(), M, 16, codes.data(), n, all.data());
        std::vector<float> ed(k), fd(k);
        std::vector<int64_t> ei(k), fi(k);
        dq::topk_smallest(all.data(), ids.data(), n, k, ed.data(), ei.data());
        for (const auto& kern : dq::fastscan_kernels()) {
            if (!kern.supported()) continue;
            fc.search(lut.data(), k, n, ids.data(), fd.data(), fi.data(), kern.fn);
            INFO(kern.name << " query " << qi);
            CHECK(fi == ei);
            CHECK(std::memcmp(fd.data(), ed.data(), k * sizeof(float)) == 0);
        }
        fc.search(lut.data(), k, 0, ids.data(), fd.data(), fi.data());
        for (size_t j = 0; j < k; ++j) {
            hits += std::count(ei.begin(), ei.end(), fi[j]);
            // Returned distances are exact whatever the pool.
            const size_t pos = size_t(std::find(ids.begin(), ids.end(), uint32_t(fi[j])) - ids.begin());
            CHECK(fd[j] == all[pos]);
        }
        total += k;
    }
    const double recall = double(hits) / double(total);
    INFO("recall@10 with the default pool: " << recall);
    CHECK(recall >= 0.95);

    // k larger than n: padded; k == 0 refused.
    const dq::FastScanCodes small(codes.data(), 5, M);
    std::vector<float> lut(M * 16), d(8);
    std::vector<int64_t> i8(8);
    pq.compute_adc_lut(x.data(), lut.data());
    small.search(lut.data(), 8, 0, nullptr, d.data(), i8.data());
    CHECK(i8[0] == 0);  // the query is item 0's own vector
    CHECK(i8[5] == -1);
    CHECK(std::isinf(d[7]));
    CHECK_THROWS_WITH(small.search(lut.data(), 0, 0, nullptr, d.data(), i8.data()), Contains("k must be positive"));
    const dq::FastScanCodes empty(codes.data(), 0, M);
    empty.search(lut.data(), 3, 0, nullptr, d.data(), i8.data());
    CHECK(i8[0] == -1);
    CHECK(i8[2] == -1);
    CHECK(std::isinf(d[0]));
}

// The pool is, by contract, the P smallest (quantized sum, position) keys among the passing codes;
// the result is the exact top-k of that pool. Built here the slow way (every sum from the scalar
// reference, a full sort) and compared with FastScanCodes::search for every kernel: block skipping,
// the per-block candidate masks, a partial last block, ties of sums (small tables) and filters.
TEST_CASE("fast-scan search selects exactly the pool of the P smallest sums", "[fastscan]") {
    const uint32_t M = 6;
    const size_t k = 5;
    std::mt19937 rng(77);
    for (const size_t n : {size_t(1), size_t(31), size_t(33), size_t(100), size_t(1000), size_t(4099)}) {
        const std::vector<uint8_t> codes = codes4(n, M, uint32_t(500 + n));
        const dq::FastScanCodes fc(codes.data(), n, M);
        std::vector<uint32_t> ids(n);
        for (size_t i = 0; i < n; ++i) ids[i] = uint32_t((i * 37) % 11);  // repeated ids: ties go to positions
        for (const int table_kind : {0, 1}) {
            // kind 1: few distinct values, so many codes share a quantized sum.
            std::vector<float> lut(M * 16);
            for (auto& v : lut) v = table_kind == 0 ? float(rng() % 1000) / 7.0f : float(rng() % 3);
            const dq::QuantizedLut4 t = dq::quantize_lut4(lut.data(), M);
            std::vector<uint16_t> sums(fc.nblocks() * 32);
            std::vector<uint32_t> blocks(fc.nblocks());
            dq::dq_scan_lut4_blk32__scalar(t.q.data(), M, fc.packed(), fc.nblocks(), 0xffff, sums.data(), blocks.data());
            for (const bool filtered : {false, true}) {
                std::vector<uint8_t> allow((n + 7) / 8, 0);
                for (size_t i = 0; i < n; ++i)
                    if (!filtered || rng() % 3 != 0) allow[i / 8] |= uint8_t(1u << (i % 8));
                size_t passing = 0;
                std::vector<uint64_t> keys;
                for (size_t i = 0; i < n; ++i)
                    if (allow[i / 8] >> (i % 8) & 1) {
                        keys.push_back(uint64_t(sums[i]) << 32 | i);
                        ++passing;
                    }
                std::sort(keys.begin(), keys.end());
                for (const size_t pool : {k, size_t(20), size_t(64)}) {
                    const size_t P = dq::fastscan_pool(k, pool, passing);
                    dq::TopK ref(std::min(k, P));
                    for (size_t c = 0; c < P; ++c) {
                        const size_t i = size_t(keys[c] & 0xffffffffu);
                        float acc = lut[codes[i * M]];
                        for (uint32_t m = 1; m < M; ++m) acc += lut[m * 16 + codes[i * M + m]];
                        ref.push_one(acc, ids[i], i);
                    }
                    std::vector<float> rd(k), gd(k);
                    std::vector<int64_t> ri(k), gi(k), rp(k), gp(k);
                    ref.result(rd.data(), ri.data(), rp.data());
                    for (size_t j = std::min(k, P); j < k; ++j) rd[j] = INFINITY, ri[j] = rp[j] = -1;
                    for (const auto& kern : dq::fastscan_kernels()) {
                        if (!kern.supported()) continue;
                        fc.search(lut.data(), k, pool, ids.data(), gd.data(), gi.data(), kern.fn,
                                  filtered ? allow.data() : nullptr, gp.data());
                        INFO(kern.name << " n=" << n << " table " << table_kind << " filtered " << filtered
                                       << " pool " << pool);
                        CHECK(gi == ri);
                        CHECK(gp == rp);
                        CHECK(std::memcmp(gd.data(), rd.data(), k * sizeof(float)) == 0);
                    }
                }
            }
        }
    }
}
