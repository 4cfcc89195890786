// Dense linear algebra the baselines need (PCA, random rotations, orthogonal Procrustes), on Eigen.
//
// All matrices are row-major float arrays owned by the caller or returned in std::vector; sizes are
// stated per function. Decompositions run in double for stability and return float. Results are
// deterministic for a given input and seed: eigenvector signs are fixed (largest-magnitude entry
// positive) because Eigen's solver may return either sign.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dqt {

/// Principal components of n × d data.
struct Pca {
    size_t d = 0;                     ///< input dimension
    size_t k = 0;                     ///< kept components
    std::vector<float> mean;          ///< d
    std::vector<float> components;    ///< k × d; row i = unit eigenvector of the i-th largest eigenvalue
    std::vector<double> eigenvalues;  ///< k, decreasing (variance along each component)

    /// x: n × d; out: n × k, out = (x - mean) · componentsᵀ.
    void project(const float* x, size_t n, float* out) const;
};

/// x: n × d row-major. k <= d. Covariance normalized by n.
Pca fit_pca(const float* x, size_t n, size_t d, size_t k);

/// out (n × m) = a (n × k) · b (k × m), all row-major. One thread (the trainer builds Eigen with
/// EIGEN_DONT_PARALLELIZE), so results do not depend on --threads.
void matmul(const float* a, size_t n, size_t k, const float* b, size_t m, float* out);

/// at_b (k × m) = aᵀ (k × n) · b (n × m) for a: n × k, b: n × m.
void matmul_at_b(const float* a, size_t n, size_t k, const float* b, size_t m, float* at_b);

/// A d × d orthogonal matrix drawn from the Haar measure with `seed` (QR of a Gaussian matrix with
/// the signs of R's diagonal folded in).
std::vector<float> random_orthogonal(size_t d, uint64_t seed);

/// Orthogonal Procrustes: the d × d orthogonal R maximizing trace(Rᵀ m), i.e. R = U Vᵀ for the
/// SVD m = U S Vᵀ. With m = Xᵀ Y this R minimizes ‖X R − Y‖_F.
std::vector<float> procrustes(const float* m, size_t d);

/// Largest |RᵀR − I| entry of a d × d matrix (tests and sanity checks).
double orthogonality_error(const float* r, size_t d);

}  // namespace dqt
