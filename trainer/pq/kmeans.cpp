#include "pq/kmeans.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "util/rng.h"
#include "dq/error.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace dqt {

namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMat>;

// Rows per assignment block. Fixed (not derived from the thread count) so every row is computed by
// the same GEMM shape whatever the number of threads: that is what keeps the result bit-identical.
constexpr size_t kBlock = 512;

float l2sq(const float* a, const float* b, size_t d) {
    float s = 0;
    for (size_t j = 0; j < d; ++j) {
        float t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

// Nearest centroid of every row (ties -> lower index) through ||c||^2 - 2 x.c, the GEMM form.
// dist (optional) receives the exact squared distance to the chosen centroid.
void assign_all(const float* x, size_t n, size_t d, const float* c, size_t k, uint32_t* assign, float* dist) {
    ConstMap C(c, Eigen::Index(k), Eigen::Index(d));
    Eigen::VectorXf cn = C.rowwise().squaredNorm();
    const size_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel
    {
        RowMat dots;
#pragma omp for schedule(static)
        for (size_t b = 0; b < blocks; ++b) {
            const size_t r0 = b * kBlock, rows = std::min(kBlock, n - r0);
            ConstMap X(x + r0 * d, Eigen::Index(rows), Eigen::Index(d));
            dots.noalias() = X * C.transpose();
            for (size_t i = 0; i < rows; ++i) {
                // Scores and their minimum in two vectorized passes, then a scan to the first centroid that
                // reaches it, where a running argmin branched on every centroid (most of the per-epoch
                // K-means). The same scores and the same tie rule, so the same assignment.
                float* row = dots.data() + i * k;
                Eigen::Map<Eigen::ArrayXf> v(row, Eigen::Index(k));
                v = cn.array() - 2 * v;
                const float lowest = v.minCoeff();
                uint32_t best = 0;
                while (best + 1 < k && !(row[best] <= lowest)) ++best;
                assign[r0 + i] = best;
                if (dist) dist[r0 + i] = l2sq(x + (r0 + i) * d, c + size_t(best) * d, d);
            }
        }
    }
}

// k-means++ (Arthur & Vassilvitskii): each next centre drawn with probability proportional to the
// squared distance to the nearest centre so far. The prefix sum runs in row order in double, so the
// draw does not depend on threads.
std::vector<float> kmeanspp(const float* x, size_t n, size_t d, size_t k, SplitMix64& rng) {
    std::vector<float> c(k * d);
    std::vector<float> mind(n, std::numeric_limits<float>::infinity());
    size_t first = size_t(rng.below(n));
    std::copy(x + first * d, x + first * d + d, c.begin());
    for (size_t j = 1; j < k; ++j) {
        const float* last = c.data() + (j - 1) * d;
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; ++i) mind[i] = std::min(mind[i], l2sq(x + i * d, last, d));
        double total = 0;
        for (size_t i = 0; i < n; ++i) total += mind[i];
        size_t pick = 0;
        if (total > 0) {
            double target = rng.uniform() * total, acc = 0;
            pick = n - 1;
            for (size_t i = 0; i < n; ++i) {
                acc += mind[i];
                if (acc > target && mind[i] > 0) {
                    pick = i;
                    break;
                }
            }
        } else {
            pick = size_t(rng.below(n));  // all points coincide with centres: any point will do
        }
        std::copy(x + pick * d, x + pick * d + d, c.begin() + j * d);
    }
    return c;
}

}  // namespace

KMeansResult kmeans(const float* x, size_t n, size_t d, size_t k, int max_iter, uint64_t seed, const float* init) {
    DQ_CHECK(d >= 1 && k >= 1, "kmeans: need d >= 1 and k >= 1, got d = %zu, k = %zu", d, k);
    DQ_CHECK(n >= k, "kmeans: %zu points for k = %zu clusters (need at least k)", n, k);
    DQ_CHECK(max_iter >= 0, "kmeans: max_iter must be >= 0, got %d", max_iter);
    SplitMix64 rng(seed ^ 0x6b6d65616e73ULL);
    KMeansResult r;
    if (init) {
        r.centroids.assign(init, init + k * d);
        for (float v : r.centroids) DQ_CHECK(std::isfinite(v), "kmeans: initial centroids contain a non-finite value");
    } else {
        r.centroids = kmeanspp(x, n, d, k, rng);
    }
    r.assign.assign(n, 0);
    std::vector<float> dist(n);
    std::vector<uint32_t> prev;
    std::vector<double> sums(k * d);
    std::vector<size_t> counts(k);
    assign_all(x, n, d, r.centroids.data(), k, r.assign.data(), dist.data());
    for (int it = 0; it < max_iter; ++it) {
        // Update: sums in row order (double), independent of the thread count.
        std::fill(sums.begin(), sums.end(), 0.0);
        std::fill(counts.begin(), counts.end(), 0);
        for (size_t i = 0; i < n; ++i) {
            const uint32_t a = r.assign[i];
            ++counts[a];
            double* s = &sums[size_t(a) * d];
            const float* xi = x + i * d;
            for (size_t j = 0; j < d; ++j) s[j] += xi[j];
        }
        for (size_t c = 0; c < k; ++c) {
            if (counts[c] == 0) continue;
            const double inv = 1.0 / double(counts[c]);
            for (size_t j = 0; j < d; ++j) r.centroids[c * d + j] = float(sums[c * d + j] * inv);
        }
        // Empty clusters restart farthest-first: each takes the point worst served so far, whose
        // neighbourhood then counts as served (dist lowered to the new centroid), so several empty
        // clusters spread over different regions instead of piling onto one far blob.
        bool repaired = false;
        for (size_t c = 0; c < k; ++c) {
            if (counts[c] != 0) continue;
            size_t far = 0;
            for (size_t i = 1; i < n; ++i)
                if (dist[i] > dist[far]) far = i;
            const float* xf = x + far * d;
            std::copy(xf, xf + d, r.centroids.begin() + c * d);
            for (size_t i = 0; i < n; ++i) dist[i] = std::min(dist[i], l2sq(x + i * d, xf, d));
            repaired = true;
        }
        prev = r.assign;
        assign_all(x, n, d, r.centroids.data(), k, r.assign.data(), dist.data());
        r.iterations = it + 1;
        if (prev == r.assign && !repaired) break;
    }
    double total = 0;
    for (size_t i = 0; i < n; ++i) total += dist[i];
    r.inertia = total / double(n);
    return r;
}

std::vector<float> train_pq_codebooks(const float* x, size_t n, size_t M, size_t dsub, size_t k, int max_iter,
                                      uint64_t seed, std::vector<uint8_t>* assign, const float* init, double* error) {
    DQ_CHECK(M >= 1 && dsub >= 1, "pq codebooks: need M >= 1 and dsub >= 1, got M = %zu, dsub = %zu", M, dsub);
    DQ_CHECK(k <= 256 || !assign, "pq codebooks: k = %zu does not fit a byte code", k);
    const size_t dim = M * dsub;
    std::vector<float> out(M * k * dsub);
    if (assign) assign->assign(n * M, 0);
    std::vector<double> inertia(M);
    auto one = [&](size_t m) {
        std::vector<float> xs(n * dsub);
        for (size_t i = 0; i < n; ++i)
            std::copy(x + i * dim + m * dsub, x + i * dim + (m + 1) * dsub, xs.begin() + i * dsub);
        SplitMix64 mix(seed + 0x9e3779b97f4a7c15ULL * (m + 1));
        KMeansResult r = kmeans(xs.data(), n, dsub, k, max_iter, mix.next(), init ? init + m * k * dsub : nullptr);
        std::copy(r.centroids.begin(), r.centroids.end(), out.begin() + m * k * dsub);
        inertia[m] = r.inertia;
        if (assign)
            for (size_t i = 0; i < n; ++i) (*assign)[i * M + m] = uint8_t(r.assign[i]);
    };
    // Subspaces in parallel when there are enough of them; otherwise each K-means parallelizes inside.
    // Either way every subspace's result is independent of the schedule.
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    if (M >= size_t(threads) && threads > 1) {
        std::vector<std::string> errors(M);
#pragma omp parallel for schedule(dynamic, 1)
        for (size_t m = 0; m < M; ++m) {
            try {
                one(m);
            } catch (const std::exception& e) {
                errors[m] = e.what();
            }
        }
        for (const auto& e : errors)
            if (!e.empty()) throw dq::Error(e);
    } else {
        for (size_t m = 0; m < M; ++m) one(m);
    }
    if (error) {
        *error = 0;
        for (double e : inertia) *error += e;  // in subspace order, whatever ran them
    }
    return out;
}

}  // namespace dqt
