#include "nn/gemm.h"

#include <algorithm>
#include <cmath>

#include <omp.h>

#include "util/rng.h"
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

}  // namespace dqt
