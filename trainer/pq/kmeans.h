// K-means for product quantization: seeded k-means++ init, Lloyd iterations, empty-cluster repair.
//
// Deterministic for a given seed whatever the thread count: assignments are computed in fixed
// blocks of rows (the same GEMM shapes for any number of threads), centroid sums and the k-means++
// prefix sums run in row order in double. Ties in the assignment go to the lower centroid index.
// Empty clusters are given the points farthest from their current centroid, so every codeword
// stays in use (a PQ with dead codewords wastes code space).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dqt {

struct KMeansResult {
    std::vector<float> centroids;   ///< k × d, row-major
    std::vector<uint32_t> assign;   ///< n, nearest centroid of each point for the final centroids
    double inertia = 0;             ///< mean squared distance to the assigned centroid
    int iterations = 0;             ///< Lloyd iterations run (stops early when assignments are stable)
};

/// x: n × d row-major, n >= k. If init is non-null (k × d) it seeds Lloyd instead of k-means++.
/// max_iter = 0 only assigns the points to the initial centroids. Throws dq::Error on bad sizes.
KMeansResult kmeans(const float* x, size_t n, size_t d, size_t k, int max_iter, uint64_t seed,
                    const float* init = nullptr);

/// Trains M independent codebooks on the M column blocks of x (n × M*dsub); subspaces run in
/// parallel (each with its own seed derived from `seed` and m). Returns M × k × dsub centroids
/// (Faiss order) and fills assign (n × M, row-major) if non-null (then k <= 256). init: M × k × dsub
/// warm start, or null for k-means++. error (if non-null): the PQ quantization error of x with the
/// returned codebooks, i.e. the mean over points of the squared distance to their reconstruction.
std::vector<float> train_pq_codebooks(const float* x, size_t n, size_t M, size_t dsub, size_t k,
                                      int max_iter, uint64_t seed, std::vector<uint8_t>* assign = nullptr,
                                      const float* init = nullptr, double* error = nullptr);

}  // namespace dqt
