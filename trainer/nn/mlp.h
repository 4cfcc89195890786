// Dense multilayer perceptrons for training: batched forward/backward over gemm.h, MSE, weight init
// and input dropout.
//
// Layout: a batch is a row-major Mat of batch × width (one sample per row). A layer holds
// W (out × in, row-major, the same layout as dq::DenseLayer) and b (out); y = act(x Wᵀ + b).
// All parameters of an Mlp live in one flat float vector (per layer: W then b), so optimizers,
// checkpoints and gradient checks work on plain arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/gemm.h"

namespace dqt {

struct LayerSpec {
    uint32_t in = 0;
    uint32_t out = 0;
    bool relu = true;   ///< false = linear output
};

/// Activations kept by forward() for backward(): a[0] = input, a[l+1] = output of layer l
/// (after its activation).
struct MlpCache {
    std::vector<Mat> a;
};

class Mlp {
public:
    Mlp() = default;
    /// Layers must chain (layers[i].out == layers[i+1].in). Parameters start at zero; call init().
    explicit Mlp(std::vector<LayerSpec> layers);

    const std::vector<LayerSpec>& layers() const { return layers_; }
    size_t in_dim() const { return layers_.front().in; }
    size_t out_dim() const { return layers_.back().out; }
    size_t num_params() const { return params_.size(); }
    std::vector<float>& params() { return params_; }
    const std::vector<float>& params() const { return params_; }
    /// Offsets of layer l's W (out × in) and b (out) inside params().
    size_t w_offset(size_t l) const { return w_off_[l]; }
    size_t b_offset(size_t l) const { return w_off_[l] + size_t(layers_[l].out) * layers_[l].in; }

    /// He-normal weights (std sqrt(2 / in)) for ReLU layers, Glorot-normal (std sqrt(2 / (in+out)))
    /// for linear ones; zero biases. Drawn with SplitMix64(seed) in parameter order.
    void init(uint64_t seed);

    /// x: n × in_dim -> returns c.a.back(), n × out_dim.
    const Mat& forward(const Mat& x, MlpCache& c) const;
    /// Forward without keeping activations, in blocks of `block` rows (for whole datasets).
    /// x: n × in_dim floats, row-major; z: n × out_dim floats.
    void predict(const float* x, size_t n, float* z, size_t block = 1024) const;

    /// Given dL/d(output) (n × out_dim; consumed), writes dL/dparams into grad (num_params floats,
    /// overwritten) and, if dx is non-null, dL/d(input) (n × in_dim).
    void backward(const MlpCache& c, Mat& dy, float* grad, Mat* dx) const;

private:
    std::vector<LayerSpec> layers_;
    std::vector<size_t> w_off_;
    std::vector<float> params_;
};

/// Mean over the batch of the per-sample squared error sum ||xhat_i - x_i||² (the paper's R).
/// If grad is non-null it receives dL/dxhat = 2 (xhat - x) / n (resized).
double mse_loss(const Mat& xhat, const Mat& x, Mat* grad);

/// Dropout on an input batch (denoising autoencoders): each element is zeroed with probability p, the
/// rest scaled by 1 / (1 - p). The mask depends only on `seed`, so it is reproducible across threads
/// and resumes. p in [0, 1).
void drop_inputs(const Mat& x, float p, uint64_t seed, Mat& out);

}  // namespace dqt
