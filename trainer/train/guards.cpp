#include "train/guards.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "data/dataset.h"
#include "dq/error.h"
#include "dq/fnv.h"
#include "dq/pq.h"

namespace dqt {

double mean_codeword_distance(const std::vector<float>& cb, uint32_t M, uint32_t K, uint32_t dsub) {
    double total = 0;
    for (uint32_t m = 0; m < M; ++m) {
        const float* c = cb.data() + size_t(m) * K * dsub;
        double sum = 0;
        for (uint32_t a = 0; a < K; ++a)
            for (uint32_t b = a + 1; b < K; ++b) sum += std::sqrt(double(dq::l2sqr(c + a * dsub, c + b * dsub, dsub)));
        total += sum / (double(K) * (K - 1) / 2);
    }
    return total / M;
}

double distinct_fraction(const std::vector<uint8_t>& codes, size_t n, size_t M) {
    std::vector<uint64_t> h(n);
    for (size_t i = 0; i < n; ++i) h[i] = dq::fnv1a(codes.data() + i * M, M);
    std::sort(h.begin(), h.end());
    return double(std::unique(h.begin(), h.end()) - h.begin()) / double(n);
}

double mean_sq_norm(const std::vector<float>& z, size_t n, size_t L) {
    double s = 0;
    for (size_t i = 0; i < n * L; ++i) s += double(z[i]) * z[i];
    return s / double(n);
}

bool all_finite(const float* p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (!std::isfinite(p[i])) return false;
    return true;
}

double code_ceiling(size_t n, size_t K, size_t M) { return std::min(double(n), std::pow(double(K), double(M))); }

bool too_few_codes(double distinct_fraction, size_t n, double ceiling) {
    return distinct_fraction * double(n) < 0.01 * ceiling;
}

void check_epoch(const std::vector<float>& distinct_codes, const std::vector<float>& codeword_distance, size_t n,
                 uint32_t K, uint32_t M, int iteration, int epoch, bool variant_is_deepquan) {
    const size_t e = distinct_codes.size() - 1;
    const float distinct = distinct_codes[e];
    const float spread = codeword_distance[e], spread0 = codeword_distance[0];
    const double ceiling = code_ceiling(n, K, M);
    if (too_few_codes(distinct, n, ceiling) || !(spread > 1e-3f * spread0))
        throw dq::Error(dq::strformat(
            "training collapsed at iteration %d (epoch %d): %.2f%% distinct codes among %zu images (%.1f%% at the "
            "start; at most %.0f can differ), mean codeword distance %.4g (%.4g at the start); no model written%s",
            iteration, epoch, 100.0 * distinct, n, 100.0 * distinct_codes[0], ceiling, spread, spread0,
            variant_is_deepquan ? "" : " (variant 'deepquan' is built to avoid this)"));
}

void check_final_codes(const std::vector<uint8_t>& codes, size_t n, uint32_t K, uint32_t M) {
    const double distinct = distinct_fraction(codes, n, M), ceiling = code_ceiling(n, K, M);
    DQ_CHECK(!too_few_codes(distinct, n, ceiling),
             "training collapsed: the final codes take %.2f%% distinct values among %zu images (at most %.0f can differ)",
             100.0 * distinct, n, ceiling);
}

void check_reconstruction_learned(Autoencoder& ae, const Dataset& ds, int iterations, const std::string& how) {
    const size_t n = std::min<size_t>(ds.n, 2048);
    Mat x(Eigen::Index(n), Eigen::Index(ds.dim));
    for (size_t i = 0; i < n; ++i)
        std::memcpy(x.row(Eigen::Index(i)).data(), ds.row(i * (ds.n / n)), ds.dim * sizeof(float));
    Eigen::RowVectorXf mean = x.colwise().mean();
    double base = 0;
    for (Eigen::Index i = 0; i < x.rows(); ++i) base += (x.row(i) - mean).squaredNorm();
    base /= double(n);
    MlpCache ce, cd;
    const double R = mse_loss(ae.decoder.forward(ae.encoder.forward(x, ce), cd), x, nullptr);
    DQ_CHECK(std::isfinite(R), "pretraining diverged: reconstruction loss is %g", R);
    DQ_CHECK(base <= 0 || R < 0.9 * base,
             "pretraining did not learn: reconstruction error %.4g is %.0f%% of the mean image's %.4g after %d "
             "iterations (%s); no model written",
             R, 100.0 * R / base, base, iterations, how.c_str());
}

}  // namespace dqt
