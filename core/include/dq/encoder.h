// Encoder forward pass: x (input_dim) -> z (latent_dim) through the model's dense layers.
//
// Determinism contract: every build (scalar, AVX2, wasm SIMD128) produces bit-identical z. Each
// output is a dot product accumulated in 8 interleaved float lanes (lane l sums the products at
// i ≡ l mod 8, in increasing i, without FMA), the lanes are reduced in the fixed tree
// ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)), then the bias is added and the activation applied. The
// SIMD kernels reproduce exactly this order, so native and browser encode a query to the same code.
// (Eigen's GEMM blocking depends on the ISA and would break that; the trainer keeps Eigen for
// training only and encodes what it exports through this class.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dq/kernel.h"
#include "dq/model.h"

namespace dq {

/// Signature of a dense-layer kernel: y[r*out + j] = sum_i w[j*in + i] * x[r*in + i] for r < n,
/// in the order above (no bias, no activation).
using DenseKernel = void (*)(const float* w, size_t in, size_t out, const float* x, size_t n,
                             float* y);

class Encoder {
public:
    /// Copies the layers of `model` (validated). `kernel` = nullptr picks the best compiled kernel.
    explicit Encoder(const Model& model, DenseKernel kernel = nullptr);

    uint32_t input_dim() const { return input_dim_; }
    uint32_t output_dim() const { return output_dim_; }

    /// x: n × input_dim floats, row-major; z: n × output_dim floats (caller-owned).
    /// A standardized model (InputSpec::standardized) first maps x to (x - mean) * inv_std
    /// (standardize_inputs), so callers always pass raw inputs.
    /// Throws dq::Error if any input value is not finite (NaN pixels are refused, not propagated),
    /// or if standardizing a finite value overflows (a value absurdly far from the training data).
    void forward(const float* x, size_t n, float* z) const;

    /// x through the first `layers` layers only (0 <= layers <= layer count; 0 gives the first
    /// layer's input: x itself, or x standardized for a standardized model): out is
    /// n × (output width of layer layers-1, or input_dim). forward() is forward_prefix(all layers).
    /// Used by export-time calibration that needs inner activations computed exactly as here.
    void forward_prefix(const float* x, size_t n, size_t layers, float* out) const;

    /// Same as forward for one vector.
    std::vector<float> forward(const std::vector<float>& x) const;

private:
    std::vector<DenseLayer> layers_;
    std::vector<float> mean_, inv_std_;   ///< the model's input standardization (empty: none)
    uint32_t input_dim_ = 0;
    uint32_t output_dim_ = 0;
    size_t max_width_ = 0;
    DenseKernel kernel_ = nullptr;
};

/// The input standardization of a standardized model: out[r*d + i] = (x[r*d + i] - mean[i]) *
/// inv_std[i] for r < n, d = spec.dim(), one float subtraction then one float multiplication (never
/// fused: the core is built with -ffp-contract=off), so the trainer's standardized training set and
/// every front end's queries get the same bits. x and out: n × d floats (may be the same array).
/// Requires spec.standardized(). Throws dq::Error naming the value if a result is not finite.
void standardize_inputs(const InputSpec& spec, const float* x, size_t n, float* out);

/// Reference dense kernel (defines the summation order above).
void dq_dense_f32__scalar(const float* w, size_t in, size_t out, const float* x, size_t n, float* y);

/// name e.g. "dq_dense_f32__avx2"; tile = input rows per register tile.
using DenseKernelInfo = KernelInfo<DenseKernel>;
/// Every dense kernel compiled into this build (kernels/dense-f32-<isa>.cpp), the scalar reference
/// first, then in order of preference (kernels/dense-f32.inc). Unsupported ones are listed too.
const std::vector<DenseKernelInfo>& dense_kernels();
/// Best dense kernel compiled into this build (pick_best: AVX2 natively when the CPU has it,
/// SIMD128 in the wasm SIMD build, otherwise the scalar one); chosen once.
DenseKernel best_dense_kernel();

}  // namespace dq
