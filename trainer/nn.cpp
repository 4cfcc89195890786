#include "nn.h"

#include <algorithm>
#include <cmath>

#include <omp.h>

#include "dataset.h"
#include "dq/error.h"

namespace dqt {

namespace {
int pieces_override = 0;
}  // namespace

int gemm_pieces() { return pieces_override > 0 ? pieces_override : omp_get_max_threads(); }
void set_gemm_pieces(int n) { pieces_override = n > 0 ? n : 0; }

namespace {

// A product is cut along one dimension into up to one piece per thread, each a single-threaded
// Eigen GEMM. Pieces start on multiples of 24 rows or columns (48 with AVX-512: three packets) and the
// last one runs to the end, so every piece is at least that long: Eigen's float micro-kernel covers
// tiles of three packets of rows (24 with AVX/FMA, 48 with AVX-512) counted
// from the piece start, any element outside a full tile goes through a non-FMA tail that rounds
// differently, and a product with one row or tiny sizes switches to GEMV or a coefficient loop.
// With this grid every element takes the same path as in the unsplit product, so the result does
// not depend on the number of pieces (threads). tests/trainer/test_nn.cpp checks that bit for bit
// for 1..8 pieces on the network's shapes, so an Eigen change that breaks it fails there.
// (The earlier rule, a shape-dependent count of up to 8 unaligned pieces, re-packed the uncut
// operand up to 8 times: 82 vs 99 GFLOP/s on one thread for the pretraining shapes.)
constexpr size_t kPieceGrain = 3 * size_t(Eigen::internal::packet_traits<float>::size);

template <class F>
void for_pieces(size_t extent, F&& f) {
    const size_t tiles = std::max<size_t>(extent / kPieceGrain, 1);
    const size_t want = size_t(std::max(gemm_pieces(), 1));
    const size_t per = (tiles + want - 1) / want;  // tiles per piece
    const size_t p = (tiles + per - 1) / per;  // pieces actually used
    const size_t step = per * kPieceGrain;
#pragma omp parallel for schedule(static) if (p > 1)
    for (size_t i = 0; i < p; ++i) {
        const size_t a = i * step;
        const size_t e = i + 1 == p ? extent : a + step;
        f(Eigen::Index(a), Eigen::Index(e - a));
    }
}

}  // namespace

void gemm_x_wt(const Mat& x, const float* w, size_t out, Mat& y) {
    ConstMatMap W(w, Eigen::Index(out), x.cols());
    y.resize(x.rows(), Eigen::Index(out));
    // Cut the larger side so the smaller operand is the one re-packed per piece.
    if (size_t(x.rows()) >= out)
        for_pieces(size_t(x.rows()), [&](Eigen::Index a, Eigen::Index m) {
            y.middleRows(a, m).noalias() = x.middleRows(a, m) * W.transpose();
        });
    else
        for_pieces(out, [&](Eigen::Index a, Eigen::Index m) {
            y.middleCols(a, m).noalias() = x * W.middleRows(a, m).transpose();
        });
}

void gemm_dyt_x(const Mat& dy, const Mat& x, float* g) {
    MatMap G(g, dy.cols(), x.cols());
    if (dy.cols() >= x.cols())
        for_pieces(size_t(dy.cols()), [&](Eigen::Index a, Eigen::Index m) {
            G.middleRows(a, m).noalias() = dy.middleCols(a, m).transpose() * x;
        });
    else
        for_pieces(size_t(x.cols()), [&](Eigen::Index a, Eigen::Index m) {
            G.middleCols(a, m).noalias() = dy.transpose() * x.middleCols(a, m);
        });
}

void gemm_dy_w(const Mat& dy, const float* w, size_t in, Mat& dx) {
    ConstMatMap W(w, dy.cols(), Eigen::Index(in));
    dx.resize(dy.rows(), Eigen::Index(in));
    if (size_t(dy.rows()) >= in)
        for_pieces(size_t(dy.rows()), [&](Eigen::Index a, Eigen::Index m) {
            dx.middleRows(a, m).noalias() = dy.middleRows(a, m) * W;
        });
    else
        for_pieces(in, [&](Eigen::Index a, Eigen::Index m) {
            dx.middleCols(a, m).noalias() = dy * W.middleCols(a, m);
        });
}

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

void Sgd::step(float* p, const float* g, size_t n) {
    if (velocity.size() != n) velocity.assign(n, 0.0f);
    float* v = velocity.data();
    const float mu = momentum, a = lr;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; ++i) {
        v[i] = mu * v[i] + g[i];
        p[i] -= a * v[i];
    }
}

void Adam::step(float* p, const float* g, size_t n) {
    if (m.size() != n) {
        m.assign(n, 0.0f);
        v.assign(n, 0.0f);
        t = 0;
    }
    ++t;
    const float c1 = float(1.0 / (1.0 - std::pow(double(beta1), double(t))));
    const float c2 = float(1.0 / (1.0 - std::pow(double(beta2), double(t))));
    const float b1 = beta1, b2 = beta2, e = eps, a = lr;
    float* mm = m.data();
    float* vv = v.data();
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; ++i) {
        mm[i] = b1 * mm[i] + (1 - b1) * g[i];
        vv[i] = b2 * vv[i] + (1 - b2) * g[i] * g[i];
        p[i] -= a * (mm[i] * c1) / (std::sqrt(vv[i] * c2) + e);
    }
}

}  // namespace dqt
