// K-means for product quantization: seeded k-means++ init, Lloyd iterations, empty-cluster repair.
// Deterministic for a given seed whatever the thread count.
#pragma once

#include <cstdint>
#include <vector>

namespace dqt {

struct KMeansResult {
    std::vector<float> centroids;   ///< k × d
    std::vector<uint32_t> assign;   ///< n
    double inertia = 0;             ///< mean squared distance to the assigned centroid
    int iterations = 0;
};

/// x: n × d row-major. If init is non-null (k × d) it seeds Lloyd instead of k-means++.
KMeansResult kmeans(const float* x, size_t n, size_t d, size_t k, int max_iter, uint64_t seed,
                    const float* init = nullptr);

/// Trains M independent codebooks on the M column blocks of x (n × M*dsub); subspaces run in
/// parallel. Returns M × k × dsub centroids (Faiss order) and fills assign (n × M) if non-null.
std::vector<float> train_pq_codebooks(const float* x, size_t n, size_t M, size_t dsub, size_t k,
                                      int max_iter, uint64_t seed, std::vector<uint8_t>* assign = nullptr,
                                      const float* init = nullptr);

}  // namespace dqt
