#include "nn/mlp.h"

#include <algorithm>
#include <cmath>

#include <omp.h>

#include "util/rng.h"
#include "dq/error.h"

namespace dqt {

Mlp::Mlp(std::vector<LayerSpec> layers) : layers_(std::move(layers)) {
    DQ_CHECK(!layers_.empty(), "mlp: no layers");
    size_t off = 0;
    for (size_t l = 0; l < layers_.size(); ++l) {
        DQ_CHECK(layers_[l].in > 0 && layers_[l].out > 0, "mlp: layer %zu has size %u x %u", l, layers_[l].out,
                 layers_[l].in);
        if (l > 0)
            DQ_CHECK(layers_[l].in == layers_[l - 1].out, "mlp: layer %zu takes %u inputs but layer %zu gives %u", l,
                     layers_[l].in, l - 1, layers_[l - 1].out);
        w_off_.push_back(off);
        off += size_t(layers_[l].out) * layers_[l].in + layers_[l].out;
    }
    params_.assign(off, 0.0f);
}

void Mlp::init(uint64_t seed) {
    SplitMix64 rng(seed);
    for (size_t l = 0; l < layers_.size(); ++l) {
        const LayerSpec& s = layers_[l];
        const double sd = s.relu ? std::sqrt(2.0 / s.in) : std::sqrt(2.0 / (s.in + s.out));
        float* w = params_.data() + w_offset(l);
        for (size_t i = 0; i < size_t(s.out) * s.in; ++i) w[i] = float(rng.normal() * sd);
        std::fill_n(params_.data() + b_offset(l), s.out, 0.0f);
    }
}

const Mat& Mlp::forward(const Mat& x, MlpCache& c) const {
    DQ_CHECK(size_t(x.cols()) == in_dim(), "mlp: input has %ld columns, the network takes %zu", long(x.cols()),
             in_dim());
    c.a.resize(layers_.size() + 1);
    c.a[0] = x;
    for (size_t l = 0; l < layers_.size(); ++l) {
        const LayerSpec& s = layers_[l];
        Mat& y = c.a[l + 1];
        gemm_x_wt(c.a[l], params_.data() + w_offset(l), s.out, y);
        Eigen::Map<const Eigen::RowVectorXf> b(params_.data() + b_offset(l), s.out);
        y.rowwise() += b;
        if (s.relu) y = y.cwiseMax(0.0f);
    }
    return c.a.back();
}

void Mlp::predict(const float* x, size_t n, float* z, size_t block) const {
    Mat in, out;
    for (size_t r0 = 0; r0 < n; r0 += block) {
        const size_t rows = std::min(block, n - r0);
        in = ConstMatMap(x + r0 * in_dim(), Eigen::Index(rows), Eigen::Index(in_dim()));
        for (size_t l = 0; l < layers_.size(); ++l) {
            const LayerSpec& s = layers_[l];
            gemm_x_wt(in, params_.data() + w_offset(l), s.out, out);
            Eigen::Map<const Eigen::RowVectorXf> b(params_.data() + b_offset(l), s.out);
            out.rowwise() += b;
            if (s.relu) out = out.cwiseMax(0.0f);
            std::swap(in, out);
        }
        std::copy(in.data(), in.data() + rows * out_dim(), z + r0 * out_dim());
    }
}

void Mlp::backward(const MlpCache& c, Mat& dy, float* grad, Mat* dx) const {
    DQ_CHECK(c.a.size() == layers_.size() + 1, "mlp: backward without a matching forward");
    DQ_CHECK(dy.rows() == c.a[0].rows() && size_t(dy.cols()) == out_dim(),
             "mlp: output gradient is %ld x %ld, expected %ld x %zu", long(dy.rows()), long(dy.cols()),
             long(c.a[0].rows()), out_dim());
    Mat next;
    Eigen::RowVectorXf bsum;
    for (size_t l = layers_.size(); l-- > 0;) {
        const LayerSpec& s = layers_[l];
        // ReLU passes the gradient where its output was positive (the subgradient 0 at 0).
        if (s.relu) dy = (c.a[l + 1].array() > 0.0f).select(dy, 0.0f);
        gemm_dyt_x(dy, c.a[l], grad + w_offset(l));
        // Summed into an Eigen-owned (aligned) vector first: assigning the reduction straight into the
        // flat gradient array lets Eigen peel a number of leading columns that depends on that array's
        // address, and peeled columns are summed in another order (different bits run to run with AVX).
        bsum = dy.colwise().sum();
        std::copy(bsum.data(), bsum.data() + s.out, grad + b_offset(l));
        if (l > 0 || dx) {
            gemm_dy_w(dy, params_.data() + w_offset(l), s.in, next);
            std::swap(dy, next);
        }
    }
    if (dx) *dx = std::move(dy);
}

void drop_inputs(const Mat& x, float p, uint64_t seed, Mat& out) {
    DQ_CHECK(p >= 0 && p < 1, "dropout probability must be in [0, 1), got %g", double(p));
    const float keep = 1.0f / (1.0f - p);
    const uint64_t cut = uint64_t(double(p) * 16777216.0);  // p in 24-bit fixed point
    SplitMix64 r(seed);
    out.resize(x.rows(), x.cols());
    const float* src = x.data();
    float* dst = out.data();
    for (Eigen::Index i = 0; i < x.size(); ++i) dst[i] = (r.next() >> 40) < cut ? 0.0f : src[i] * keep;
}

double mse_loss(const Mat& xhat, const Mat& x, Mat* grad) {
    DQ_CHECK(xhat.rows() == x.rows() && xhat.cols() == x.cols(), "mse: shapes %ld x %ld and %ld x %ld differ",
             long(xhat.rows()), long(xhat.cols()), long(x.rows()), long(x.cols()));
    const double n = double(x.rows());
    Mat diff = xhat - x;
    double loss = 0;
    for (Eigen::Index i = 0; i < diff.rows(); ++i) loss += double(diff.row(i).squaredNorm());
    if (grad) *grad = diff * float(2.0 / n);
    return loss / n;
}

}  // namespace dqt
