#include "dq/encoder.h"

#include <algorithm>
#include <cmath>

#include "dq/error.h"
#include "cpu_features.h"

namespace dq {

#define DQ_DENSE_F32_KERNEL(fn, supported, tile) \
    void fn(const float* w, size_t in, size_t out, const float* x, size_t n, float* y);
#include "kernels/dense-f32.inc"
#undef DQ_DENSE_F32_KERNEL

// The reference order of encoder.h, written plainly. Every other kernel must match it bit for bit.
void dq_dense_f32__scalar(const float* w, size_t in, size_t out, const float* x, size_t n, float* y) {
    for (size_t r = 0; r < n; ++r) {
        const float* xr = x + r * in;
        for (size_t j = 0; j < out; ++j) {
            const float* wj = w + j * in;
            float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            size_t i = 0;
            // Blocks of 8 then the tail: the same as lane[i % 8] += ..., in a form compilers keep in
            // registers (and may vectorize: the lanes are independent).
            for (; i + 8 <= in; i += 8)
                for (size_t l = 0; l < 8; ++l) lane[l] += wj[i + l] * xr[i + l];
            for (; i < in; ++i) lane[i & 7] += wj[i] * xr[i];
            y[r * out + j] =
                ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
        }
    }
}

namespace {

// Rows per forward chunk: the activations of a chunk (rows × widest layer × 2 buffers) stay within
// a few MiB while the kernel still gets enough rows to reuse each weight block.
constexpr size_t kChunkRows = 64;

void check_input(const float* x, size_t n, size_t d, size_t first_row) {
    for (size_t i = 0; i < n * d; ++i) {
        const float v = x[i];
        if (std::isfinite(v)) continue;
        const size_t row = first_row + i / d, col = i % d;
        throw Error(strformat("input %zu (row %zu, value %zu) is %s", row * d + col, row, col,
                              std::isnan(v) ? "NaN" : (v > 0 ? "+Infinity" : "-Infinity")));
    }
}

void standardize(const float* mean, const float* inv_std, size_t d, const float* x, size_t n, float* out,
                 size_t first_row) {
    for (size_t r = 0; r < n; ++r)
        for (size_t i = 0; i < d; ++i) {
            const float t = x[r * d + i] - mean[i];
            const float v = t * inv_std[i];
            if (!std::isfinite(v))
                throw Error(strformat("input %zu (row %zu, value %zu) is %g: standardized with mean %g and scale %g it "
                                      "overflows (far outside the training data)", (first_row + r) * d + i,
                                      first_row + r, i, double(x[r * d + i]), double(mean[i]), double(inv_std[i])));
            out[r * d + i] = v;
        }
}

}  // namespace

void standardize_inputs(const InputSpec& spec, const float* x, size_t n, float* out) {
    const size_t d = spec.dim();
    DQ_CHECK(spec.mean.size() == d && spec.inv_std.size() == d,
             "standardize_inputs: the spec holds %zu means and %zu scales for %zu inputs", spec.mean.size(),
             spec.inv_std.size(), d);
    check_input(x, n, d, 0);
    standardize(spec.mean.data(), spec.inv_std.data(), d, x, n, out, 0);
}

const std::vector<DenseKernelInfo>& dense_kernels() {
    static const std::vector<DenseKernelInfo> list = {
#define DQ_DENSE_F32_KERNEL(fn, supported, tile) DenseKernelInfo{#fn, &fn, &supported, tile},
#include "kernels/dense-f32.inc"
#undef DQ_DENSE_F32_KERNEL
    };
    return list;
}

DenseKernel best_dense_kernel() {
    static const DenseKernel best = pick_best(dense_kernels()).fn;
    return best;
}

Encoder::Encoder(const Model& model, DenseKernel kernel) {
    model.validate();
    layers_ = model.layers;
    mean_ = model.input.mean;
    inv_std_ = model.input.inv_std;
    input_dim_ = model.input_dim();
    output_dim_ = model.latent_dim();
    for (const auto& L : layers_) max_width_ = std::max<size_t>(max_width_, L.out);
    kernel_ = kernel ? kernel : best_dense_kernel();
}

void Encoder::forward(const float* x, size_t n, float* z) const { forward_prefix(x, n, layers_.size(), z); }

void Encoder::forward_prefix(const float* x, size_t n, size_t layers, float* z) const {
    DQ_CHECK(layers <= layers_.size(), "encoder: %zu layers asked for, the model has %zu", layers, layers_.size());
    check_input(x, n, input_dim_, 0);
    const bool stdz = !mean_.empty();
    if (layers == 0) {
        if (stdz) standardize(mean_.data(), inv_std_.data(), input_dim_, x, n, z, 0);
        else std::copy(x, x + n * input_dim_, z);
        return;
    }
    const size_t width = layers_[layers - 1].out;
    std::vector<float> a(std::min(n, kChunkRows) * max_width_), b(a.size());
    std::vector<float> xs(stdz ? std::min(n, kChunkRows) * input_dim_ : 0);
    for (size_t r0 = 0; r0 < n; r0 += kChunkRows) {
        const size_t rows = std::min(kChunkRows, n - r0);
        const float* in = x + r0 * input_dim_;
        if (stdz) {
            standardize(mean_.data(), inv_std_.data(), input_dim_, in, rows, xs.data(), r0);
            in = xs.data();
        }
        for (size_t l = 0; l < layers; ++l) {
            const DenseLayer& L = layers_[l];
            // The last layer writes straight into the caller's z.
            float* out = l + 1 == layers ? z + r0 * width : (l % 2 == 0 ? a.data() : b.data());
            kernel_(L.weight.data(), L.in, L.out, in, rows, out);
            for (size_t r = 0; r < rows; ++r) {
                float* y = out + r * L.out;
                for (size_t j = 0; j < L.out; ++j) {
                    const float v = y[j] + L.bias[j];
                    y[j] = L.act == Activation::relu ? (v > 0.0f ? v : 0.0f) : v;
                }
            }
            in = out;
        }
    }
}

std::vector<float> Encoder::forward(const std::vector<float>& x) const {
    DQ_CHECK(x.size() == input_dim_, "encoder input has %zu values, expected %u", x.size(), input_dim_);
    std::vector<float> z(output_dim_);
    forward(x.data(), 1, z.data());
    return z;
}

}  // namespace dq
