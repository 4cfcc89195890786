// The classic baselines the paper compares against, on the same split and evaluation as DeepQuan.
//
//   pq     product quantization on the pixels (Jégou et al. 2011): M = bits/8 subspaces of D/M
//          dimensions, K = 256 codewords each, K-means per subspace; ranked by SDC (and ADC).
//          With 4-bit codes (K = 16) M = bits/4, for pq, opq, pcapq and daepq alike.
//   opq    optimized PQ, non-parametric (Ge et al. 2013): a D × D rotation R initialized by PCA with
//          eigenvalue allocation, then alternating { PQ on X R ; R = Procrustes(X, decoded) }.
//   pcapq  PCA to L = 16·M dimensions (the paper's latent size), then PQ: DeepQuan's shape
//          without the network.
//   itq    iterative quantization (Gong et al. 2013): PCA to B dims, then a B × B rotation that
//          minimizes ‖sign(V R) − V R‖; Hamming ranking.
//   lsh    random Gaussian projections of centered data, sign; Hamming ranking.
//   pcah   PCA to B dims, sign; Hamming ranking.
//   l2     exact float L2 on the pixels (no compression): the reference ranking.
//   daepq  PQ on the latent vectors of the pretrained autoencoder (DeepQuan with 0 alternating
//          iterations), evaluated through the exported model like `train`; run by the CLI.
// Bit codes are packed LSB-first into 64-bit words (bit b of code i = word b/64, bit b%64); a bit is
// 1 when its projection is >= 0. Everything is seeded: same seed, same codes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "dq/pq.h"
#include "eval/eval.h"

namespace dqt {

enum class BaselineMethod { pq, opq, pcapq, itq, lsh, pcah, l2, daepq };

/// Parses a method name; throws dq::Error listing the valid names otherwise.
BaselineMethod parse_baseline_method(const std::string& s);
const char* to_string(BaselineMethod m);
/// pq, opq, pcapq and daepq: the methods whose codes are PQ codes (and so take K = 16 or 256).
bool baseline_uses_pq(BaselineMethod m);

/// K-means PQ on x (n × d, d divisible by M) through dqt::train_pq_codebooks; init (M × K × d/M)
/// warm-starts Lloyd if non-null.
dq::ProductQuantizer train_pq(const float* x, size_t n, size_t d, size_t M, size_t K, int kmeans_iters,
                              uint64_t seed, const float* init = nullptr);

/// OPQ: codes are pq.encode(x · rotation).
struct Opq {
    size_t d = 0;
    std::vector<float> rotation;   ///< d × d orthogonal, applied as x · R (x a row vector)
    dq::ProductQuantizer pq;
    std::vector<double> distortion;  ///< mean squared quantization error after each outer iteration
    /// x: n × d -> out: n × d rotated.
    void rotate(const float* x, size_t n, float* out) const;
};
/// kmeans_iters: Lloyd iterations of the first PQ; inner_iters: warm-started ones per outer iteration.
Opq train_opq(const float* x, size_t n, size_t d, size_t M, size_t K, int outer_iters, int kmeans_iters,
              int inner_iters, uint64_t seed);

/// Eigenvalue allocation (Ge et al.): assigns d dimensions, given in decreasing variance, to M
/// subspaces of d/M each so that the products of the variances are balanced. Returns, for each
/// subspace in order, the indices of its dimensions: a permutation of 0..d-1 in M blocks.
std::vector<size_t> eigenvalue_allocation(const std::vector<double>& eigenvalues, size_t M);

/// A sign-of-projection hash: bit j of x = ((x - mean) · projection[:, j] >= 0).
struct BinaryHash {
    size_t d = 0;
    size_t bits = 0;
    std::vector<float> mean;         ///< d
    std::vector<float> projection;   ///< d × bits
    std::vector<double> loss;        ///< ITQ only: quantization loss ‖B − V R‖²/n per iteration
    size_t words() const { return (bits + 63) / 64; }
    /// x: n × d -> n × words() words.
    std::vector<uint64_t> encode(const float* x, size_t n) const;
};
BinaryHash train_itq(const float* x, size_t n, size_t d, size_t bits, int iters, uint64_t seed);
BinaryHash train_lsh(const float* x, size_t n, size_t d, size_t bits, uint64_t seed);
BinaryHash train_pcah(const float* x, size_t n, size_t d, size_t bits);

struct BaselineConfig {
    BaselineMethod method = BaselineMethod::pq;
    int bits = 32;
    uint32_t K = 256;        ///< PQ methods: codewords per subspace, 256 or 16 (M = bits / log2 K)
    uint64_t seed = 0;
    int kmeans_iters = 25;   ///< Lloyd iterations of each PQ training (Faiss's default)
    int opq_iters = 10;      ///< outer OPQ iterations
    int opq_inner = 4;       ///< Lloyd iterations inside each OPQ iteration (warm-started)
    int itq_iters = 50;      ///< the ITQ paper's count
    EvalOptions eval;
};

struct BaselineResult {
    std::string method;
    int bits = 0;
    uint64_t seed = 0;
    std::string detail;              ///< shape, e.g. "M=4 K=256 dsub=196"
    double train_seconds = 0;
    std::vector<EvalResult> evals;   ///< PQ family: sdc then adc; hashing: hamming; l2: l2
};

/// Trains on `gallery` (which is also the database, as in the paper) and evaluates `queries`.
/// Not for daepq (needs the autoencoder; the CLI runs it). Throws dq::Error on impossible shapes
/// ("pq: 784 dimensions do not split into M = 3 subspaces") and for K = 16 with a hashing method.
BaselineResult run_baseline(const BaselineConfig& cfg, const Dataset& gallery, const Dataset& queries);

}  // namespace dqt
