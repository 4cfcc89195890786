// The quantization term of the alternating phase (paper Section 3.2).
//
//   J (Eq. 2)  max(0, s - (lambda d(z, C-) - d(z, C+)))   C+ = assigned codewords (concatenated over
//              the M subspaces), C- = one randomly drawn *unassigned* codeword per subspace: one of
//              the K - 1 others (255 for 8-bit codes, 15 for 4-bit ones; draw_unassigned).
//   Quad (Eq. 1) ||z - C+||^2.
// d(.) is the plain L2 norm in the paper's text; `squared` replaces it by the squared norm (see
// results/method-experiments.md for why that matters on our data).
#pragma once

#include <cstdint>

#include "nn/gemm.h"
#include "util/rng.h"

namespace dqt {

/// C- of one subspace: a codeword drawn uniformly among the K - 1 that are not `assigned`, with one
/// rng.below(K - 1) draw (r, then r + 1 from `assigned` on). Throws dq::Error unless K >= 2 and
/// assigned < K.
uint32_t draw_unassigned(SplitMix64& rng, uint32_t K, uint32_t assigned);

/// The quantization term of one batch. z, pos (C+ concatenated over the subspaces) and neg (C-): n × L.
///   triplet (Eq. 2): max(0, s - (lambda d(z, neg) - d(z, pos))), d = ||.||_2 or ||.||_2^2 (squared)
///   quad (Eq. 1):    ||z - pos||^2
/// Returns the batch mean; grad (if non-null) receives d(mean)/dz (n × L); active (if non-null) the
/// fraction of rows whose hinge is active (1 for quad). Where a plain norm is 0 its gradient is taken as 0.
struct QuantLoss {
    bool quad = false;
    bool squared = false;
    float s = 1.0f;
    float lambda = 0.1f;
    float quad_weight = 0;  ///< triplet only: adds quad_weight * ||z - pos||^2 (Eq. 1) to every row
    double operator()(const Mat& z, const Mat& pos, const Mat& neg, Mat* grad, double* active) const;
};

}  // namespace dqt
