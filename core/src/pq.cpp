#include "dq/pq.h"

#include <cmath>
#include <limits>
#include <utility>

#include "dq/error.h"

namespace dq {

float l2sqr(const float* a, const float* b, size_t d) {
    float acc = 0.0f;
    for (size_t i = 0; i < d; ++i) {
        const float t = a[i] - b[i];
        acc += t * t;
    }
    return acc;
}

namespace {

void check_finite(const float* x, size_t count, const char* what, size_t row) {
    for (size_t i = 0; i < count; ++i)
        DQ_CHECK(std::isfinite(x[i]), "%s %zu: value %zu is not finite (%g)", what, row, i, double(x[i]));
}

}  // namespace

ProductQuantizer::ProductQuantizer(uint32_t M, uint32_t K, uint32_t dsub, std::vector<float> centroids)
    : M_(M), K_(K), dsub_(dsub), centroids_(std::move(centroids)) {
    DQ_CHECK(M > 0, "ProductQuantizer: M must be positive, got 0");
    DQ_CHECK(K == 16 || K == 256, "ProductQuantizer: K must be 16 or 256, got %u", K);
    DQ_CHECK(dsub > 0, "ProductQuantizer: dsub must be positive, got 0");
    // M, K, dsub are 32-bit, so the product fits in 64 bits without overflow.
    const uint64_t expected = uint64_t(M) * K * dsub;
    DQ_CHECK(centroids_.size() == expected,
             "ProductQuantizer: centroids must hold M*K*dsub = %u*%u*%u = %llu floats, got %zu", M, K, dsub,
             (unsigned long long)expected, centroids_.size());
    for (size_t i = 0; i < centroids_.size(); ++i)
        DQ_CHECK(std::isfinite(centroids_[i]), "ProductQuantizer: centroid value %zu (subspace %zu, codeword %zu) is not finite (%g)",
                 i, i / (size_t(K) * dsub), (i / dsub) % K, double(centroids_[i]));
}

void ProductQuantizer::encode(const float* x, size_t n, uint8_t* codes) const {
    const size_t d = dim();
    for (size_t i = 0; i < n; ++i) {
        const float* xi = x + i * d;
        check_finite(xi, d, "ProductQuantizer::encode: vector", i);
        for (uint32_t m = 0; m < M_; ++m) {
            const float* xm = xi + size_t(m) * dsub_;
            const float* c = centroid(m, 0);
            uint32_t best = 0;
            float best_d = l2sqr(xm, c, dsub_);
            for (uint32_t k = 1; k < K_; ++k) {
                const float dk = l2sqr(xm, c + size_t(k) * dsub_, dsub_);
                if (dk < best_d) {  // strict: ties keep the lower index
                    best_d = dk;
                    best = k;
                }
            }
            codes[i * M_ + m] = uint8_t(best);
        }
    }
}

void ProductQuantizer::decode(const uint8_t* codes, size_t n, float* x) const {
    const size_t d = dim();
    for (size_t i = 0; i < n; ++i) {
        for (uint32_t m = 0; m < M_; ++m) {
            const uint32_t k = codes[i * M_ + m];
            DQ_CHECK(k < K_, "ProductQuantizer::decode: code %zu subspace %u is %u, must be < K = %u", i, m, k, K_);
            const float* c = centroid(m, k);
            float* out = x + i * d + size_t(m) * dsub_;
            for (uint32_t j = 0; j < dsub_; ++j) out[j] = c[j];
        }
    }
}

std::vector<float> ProductQuantizer::compute_sdc_table() const {
    std::vector<float> sdc(size_t(M_) * K_ * K_);
    for (uint32_t m = 0; m < M_; ++m) {
        float* t = &sdc[size_t(m) * K_ * K_];
        for (uint32_t a = 0; a < K_; ++a) {
            t[size_t(a) * K_ + a] = 0.0f;
            // (a-b)² and (b-a)² are the same float, so mirroring keeps the table exactly symmetric.
            for (uint32_t b = a + 1; b < K_; ++b) {
                const float v = l2sqr(centroid(m, a), centroid(m, b), dsub_);
                t[size_t(a) * K_ + b] = v;
                t[size_t(b) * K_ + a] = v;
            }
        }
    }
    return sdc;
}

void ProductQuantizer::compute_adc_lut(const float* x, float* lut) const {
    check_finite(x, dim(), "ProductQuantizer::compute_adc_lut: query", 0);
    for (uint32_t m = 0; m < M_; ++m) {
        const float* xm = x + size_t(m) * dsub_;
        for (uint32_t k = 0; k < K_; ++k) lut[size_t(m) * K_ + k] = l2sqr(xm, centroid(m, k), dsub_);
    }
}

void ProductQuantizer::sdc_lut_from_code(const float* sdc, uint32_t M, uint32_t K, const uint8_t* code, float* lut) {
    for (uint32_t m = 0; m < M; ++m) {
        const uint32_t c = code[m];
        DQ_CHECK(c < K, "sdc_lut_from_code: subspace %u has code %u, must be < K = %u", m, c, K);
        const float* row = sdc + (size_t(m) * K + c) * K;
        for (uint32_t k = 0; k < K; ++k) lut[size_t(m) * K + k] = row[k];
    }
}

double ProductQuantizer::quantization_error(const float* x, size_t n) const {
    if (n == 0) return 0.0;
    const size_t d = dim();
    std::vector<uint8_t> code(M_);
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const float* xi = x + i * d;
        encode(xi, 1, code.data());
        for (uint32_t m = 0; m < M_; ++m)
            total += double(l2sqr(xi + size_t(m) * dsub_, centroid(m, code[m]), dsub_));
    }
    return total / double(n);
}

}  // namespace dq
