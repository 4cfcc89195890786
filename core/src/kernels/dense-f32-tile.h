// Tiling shared by the SIMD dense kernels (dq_dense_f32__avx2, dq_dense_f32__wasmsimd).
//
// The per-output arithmetic is fixed by encoder.h: 8 interleaved lanes (lane l = products at
// i ≡ l mod 8, increasing i, mul then add), the tail i >= 8*floor(in/8) added to lanes 0.. in the
// same way, then the tree ((l0+l4)+(l2+l6))+((l1+l5)+(l3+l7)). A vector of 8 floats holds exactly
// those 8 lanes, so the main loop is one vector mul + add per 8 inputs. The tail and the tree run in
// scalar code on the stored lanes (identical by construction, and they cost O(1) per output).
//
// Everything else here is loop order only: R input rows × J outputs per register tile (weights
// loaded once per R rows, inputs once per J outputs), outputs walked in blocks whose weights fit in
// L2 so a batch reuses them across all its rows. None of it changes any output's operation order.
//
// V is a traits struct: type reg (8 floats), zero(), load(const float*), madd(acc, w, x) = acc + w*x
// as a separate mul and add, store(float*, reg).
#pragma once

#include <cstddef>

namespace dq {
namespace dense_tile {

/// Lanes (8 floats of a stored accumulator) + tail, then the fixed tree.
inline float finish(float* lanes, const float* w, const float* x, size_t from, size_t in) {
    for (size_t i = from; i < in; ++i) lanes[i - from] += w[i] * x[i];
    return ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
}

/// y[r*out + j] for r < R, j < J, starting at the given row / output pointers.
template <class V, int R, int J>
inline void tile(const float* w, size_t in, const float* x, size_t out, float* y) {
    typename V::reg acc[R][J];
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < J; ++j) acc[r][j] = V::zero();
    const size_t in8 = in & ~size_t(7);
    for (size_t i = 0; i < in8; i += 8) {
        typename V::reg xv[R];
        for (int r = 0; r < R; ++r) xv[r] = V::load(x + r * in + i);
        for (int j = 0; j < J; ++j) {
            const typename V::reg wv = V::load(w + j * in + i);
            for (int r = 0; r < R; ++r) acc[r][j] = V::madd(acc[r][j], wv, xv[r]);
        }
    }
    alignas(32) float lanes[8];
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < J; ++j) {
            V::store(lanes, acc[r][j]);
            y[r * out + j] = finish(lanes, w + j * in, x + r * in, in8, in);
        }
}

/// Rows [r0, r0+R) × outputs [j0, j1): J-wide tiles, then single outputs.
template <class V, int R, int J>
inline void row_block(const float* w, size_t in, size_t out, const float* x, float* y, size_t j0, size_t j1) {
    size_t j = j0;
    for (; j + J <= j1; j += J) tile<V, R, J>(w + j * in, in, x, out, y + j);
    for (; j < j1; ++j) tile<V, R, 1>(w + j * in, in, x, out, y + j);
}

/// The whole product. RB rows × JB outputs per tile when several rows are given; a single row
/// (one query) uses 1 × J1 tiles, which keeps J1 independent accumulators in flight.
template <class V, int RB, int JB, int J1>
void dense(const float* w, size_t in, size_t out, const float* x, size_t n, float* y) {
    // Outputs per block: about 128 KiB of weights, so a batch streams them from L2, not memory.
    size_t jc = (size_t(128) << 10) / (sizeof(float) * (in ? in : 1));
    if (jc < 8) jc = 8;
    for (size_t j0 = 0; j0 < out; j0 += jc) {
        const size_t j1 = j0 + jc < out ? j0 + jc : out;
        size_t r = 0;
        for (; r + RB <= n; r += RB) row_block<V, RB, JB>(w, in, out, x + r * in, y + r * out, j0, j1);
        for (; r < n; ++r) row_block<V, 1, J1>(w, in, out, x + r * in, y + r * out, j0, j1);
    }
}

}  // namespace dense_tile
}  // namespace dq
