// Product quantizer: nearest-codeword encoding (vs brute force), ties to the lower index, decode
// round trip, SDC / ADC tables vs direct computation, and the errors bad inputs get.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "dq/error.h"
#include "dq/pq.h"

using Catch::Matchers::Contains;

namespace {

std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

// Independent brute force in double: the codeword a correct encoder must pick (or tie with).
uint32_t nearest_double(const float* x, const float* cb, uint32_t K, uint32_t dsub, double* best_out) {
    uint32_t best = 0;
    double bd = std::numeric_limits<double>::infinity();
    for (uint32_t k = 0; k < K; ++k) {
        double d = 0;
        for (uint32_t j = 0; j < dsub; ++j) {
            const double t = double(x[j]) - double(cb[k * dsub + j]);
            d += t * t;
        }
        if (d < bd) {
            bd = d;
            best = k;
        }
    }
    *best_out = bd;
    return best;
}

}  // namespace

TEST_CASE("l2sqr accumulates in index order without FMA", "[pq]") {
    const float a[3] = {1.0f, 2.0f, 3.0f}, b[3] = {0.5f, -1.0f, 3.0f};
    CHECK(dq::l2sqr(a, b, 3) == 0.25f + 9.0f);
    CHECK(dq::l2sqr(a, b, 0) == 0.0f);
    // Order matters in float: 1e8 + 1 - 1e8 style cancellation would differ if reassociated.
    const float x[3] = {1e4f, 1.0f, 0.0f}, z[3] = {0.0f, 0.0f, 0.0f};
    float ref = 0.0f;
    ref += 1e8f;
    ref += 1.0f;
    CHECK(dq::l2sqr(x, z, 3) == ref);
}

TEST_CASE("encode picks the nearest codeword (brute force)", "[pq]") {
    for (uint32_t K : {16u, 256u}) {
        for (uint32_t dsub : {1u, 2u, 3u}) {
            const uint32_t M = 4;
            dq::ProductQuantizer pq(M, K, dsub, random_floats(size_t(M) * K * dsub, 7 + K + dsub));
            const size_t n = 200;
            const std::vector<float> x = random_floats(n * pq.dim(), 99 + dsub, -1.2f, 1.2f);
            std::vector<uint8_t> codes(n * M);
            pq.encode(x.data(), n, codes.data());
            for (size_t i = 0; i < n; ++i) {
                for (uint32_t m = 0; m < M; ++m) {
                    const float* xm = &x[i * pq.dim() + m * dsub];
                    double bd;
                    const uint32_t ref = nearest_double(xm, pq.centroid(m, 0), K, dsub, &bd);
                    const uint32_t got = codes[i * M + m];
                    REQUIRE(got < K);
                    // Exactly the brute-force argmin, or an exact float tie with it.
                    const float dg = dq::l2sqr(xm, pq.centroid(m, got), dsub);
                    const float dr = dq::l2sqr(xm, pq.centroid(m, ref), dsub);
                    CHECK(dg <= dr);
                    // And never beaten by any codeword in float either.
                    for (uint32_t k = 0; k < K; ++k) CHECK_FALSE(dq::l2sqr(xm, pq.centroid(m, k), dsub) < dg);
                }
            }
        }
    }
}

TEST_CASE("encode breaks ties toward the lower codeword index", "[pq]") {
    // M = 2, dsub = 1, K = 16. Subspace 0: codewords 9 and 4 both at 0.5 (duplicates).
    // Subspace 1: codewords 12 at 1.0 and 3 at 3.0; x = 2.0 is equidistant.
    std::vector<float> cb(2 * 16);
    for (int k = 0; k < 16; ++k) {
        cb[k] = 10.0f + float(k);
        cb[16 + k] = -10.0f - float(k);
    }
    cb[9] = 0.5f;
    cb[4] = 0.5f;
    cb[16 + 12] = 1.0f;
    cb[16 + 3] = 3.0f;
    dq::ProductQuantizer pq(2, 16, 1, cb);
    const float x[2] = {0.5f, 2.0f};
    uint8_t code[2];
    pq.encode(x, 1, code);
    CHECK(int(code[0]) == 4);
    CHECK(int(code[1]) == 3);
}

TEST_CASE("decode returns the codewords and re-encodes to the same code", "[pq]") {
    for (uint32_t K : {16u, 256u}) {
        const uint32_t M = 3, dsub = 2;
        dq::ProductQuantizer pq(M, K, dsub, random_floats(size_t(M) * K * dsub, 3 * K));
        std::mt19937 rng(5);
        const size_t n = 50;
        std::vector<uint8_t> codes(n * M), back(n * M);
        for (auto& c : codes) c = uint8_t(rng() % K);
        std::vector<float> x(n * pq.dim());
        pq.decode(codes.data(), n, x.data());
        for (size_t i = 0; i < n; ++i)
            for (uint32_t m = 0; m < M; ++m)
                CHECK(std::memcmp(&x[i * pq.dim() + m * dsub], pq.centroid(m, codes[i * M + m]), dsub * sizeof(float)) == 0);
        pq.encode(x.data(), n, back.data());
        CHECK(back == codes);
        CHECK(pq.quantization_error(x.data(), n) == 0.0);
    }
}

TEST_CASE("SDC table and ADC LUT equal direct computation", "[pq]") {
    for (uint32_t K : {16u, 256u}) {
        const uint32_t M = 3, dsub = 3;
        dq::ProductQuantizer pq(M, K, dsub, random_floats(size_t(M) * K * dsub, 11 + K));
        const std::vector<float> sdc = pq.compute_sdc_table();
        REQUIRE(sdc.size() == size_t(M) * K * K);
        for (uint32_t m = 0; m < M; ++m)
            for (uint32_t a = 0; a < K; ++a)
                for (uint32_t b = 0; b < K; ++b) {
                    const float v = sdc[(size_t(m) * K + a) * K + b];
                    CHECK(v == dq::l2sqr(pq.centroid(m, a), pq.centroid(m, b), dsub));
                    CHECK(v == sdc[(size_t(m) * K + b) * K + a]);
                }

        const std::vector<float> q = random_floats(pq.dim(), 17);
        std::vector<float> lut(size_t(M) * K);
        pq.compute_adc_lut(q.data(), lut.data());
        for (uint32_t m = 0; m < M; ++m)
            for (uint32_t k = 0; k < K; ++k)
                CHECK(lut[m * K + k] == dq::l2sqr(&q[m * dsub], pq.centroid(m, k), dsub));

        // SDC LUT of a query code = rows of the K×K tables selected by the code (paper Eq. 5).
        const uint8_t code[3] = {1, uint8_t(K - 1), 7};
        pq.sdc_lut_from_code(sdc.data(), M, K, code, lut.data());
        for (uint32_t m = 0; m < M; ++m)
            for (uint32_t k = 0; k < K; ++k)
                CHECK(lut[m * K + k] == dq::l2sqr(pq.centroid(m, code[m]), pq.centroid(m, k), dsub));
    }
}

TEST_CASE("quantization error is the mean squared reconstruction error", "[pq]") {
    const uint32_t M = 2, K = 16, dsub = 2;
    dq::ProductQuantizer pq(M, K, dsub, random_floats(size_t(M) * K * dsub, 21));
    const size_t n = 40;
    const std::vector<float> x = random_floats(n * pq.dim(), 22);
    std::vector<uint8_t> codes(n * M);
    std::vector<float> rec(n * pq.dim());
    pq.encode(x.data(), n, codes.data());
    pq.decode(codes.data(), n, rec.data());
    double ref = 0;
    for (size_t i = 0; i < x.size(); ++i) ref += double(x[i] - rec[i]) * double(x[i] - rec[i]);
    CHECK(pq.quantization_error(x.data(), n) == Approx(ref / double(n)).epsilon(1e-6));
    CHECK(pq.quantization_error(x.data(), n) > 0.0);
}

TEST_CASE("bad quantizer inputs throw errors that name the numbers", "[pq]") {
    CHECK_THROWS_WITH(dq::ProductQuantizer(2, 64, 1, std::vector<float>(128)), Contains("K must be 16 or 256, got 64"));
    CHECK_THROWS_WITH(dq::ProductQuantizer(0, 16, 1, {}), Contains("M must be positive"));
    CHECK_THROWS_WITH(dq::ProductQuantizer(2, 16, 3, std::vector<float>(95)),
                      Contains("M*K*dsub = 2*16*3 = 96 floats, got 95"));
    std::vector<float> cb(32, 0.0f);
    cb[17] = std::nanf("");
    CHECK_THROWS_WITH(dq::ProductQuantizer(2, 16, 1, cb), Contains("centroid value 17 (subspace 1, codeword 1)"));

    dq::ProductQuantizer pq(2, 16, 1, std::vector<float>(32, 0.0f));
    const uint8_t bad[2] = {3, 16};
    float out[2];
    CHECK_THROWS_WITH(pq.decode(bad, 1, out), Contains("code 0 subspace 1 is 16, must be < K = 16"));
    const float x[4] = {0.0f, 0.0f, 1.0f, std::numeric_limits<float>::infinity()};
    uint8_t codes[4];
    CHECK_THROWS_WITH(pq.encode(x, 2, codes), Contains("vector 1: value 1 is not finite"));
    float lut[32];
    CHECK_THROWS_WITH(pq.compute_adc_lut(x + 2, lut), Contains("not finite"));
    const std::vector<float> sdc = pq.compute_sdc_table();
    CHECK_THROWS_WITH(dq::ProductQuantizer::sdc_lut_from_code(sdc.data(), 2, 16, bad, lut),
                      Contains("subspace 1 has code 16, must be < K = 16"));
}
