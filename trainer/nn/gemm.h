// The trainer's matrix products: row-major Eigen matrices (one sample per row) and three GEMM shapes,
// each cut into one piece per OpenMP thread so that the bits do not depend on the thread count.
//
// Determinism: Eigen's own multi-threaded GEMM gives results that depend on the thread count, so
// every product here is cut into one piece per OpenMP thread on a grid of three SIMD packets (24 rows
// or columns with AVX2, 48 with AVX-512) that leaves each element's summation exactly as in the
// unsplit product (see gemm.cpp); pieces run in parallel, each as a single-threaded Eigen GEMM. Same
// inputs, same bits, for any number of threads.
#pragma once

#include <Eigen/Dense>

#include <cstddef>

namespace dqt {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatMap = Eigen::Map<Mat>;
using ConstMatMap = Eigen::Map<const Mat>;

/// Pieces the products below are cut into: set_gemm_pieces(n) if n > 0 was set, else the OpenMP
/// thread count. Only speed depends on it (tests set it to check that).
int gemm_pieces();
void set_gemm_pieces(int n);

/// y (n × out) = x (n × in) · Wᵀ, W: out × in row-major. y is resized.
void gemm_x_wt(const Mat& x, const float* w, size_t out, Mat& y);
/// g (out × in) = dyᵀ (out × n) · x (n × in), written into g (row-major, out × in floats).
void gemm_dyt_x(const Mat& dy, const Mat& x, float* g);
/// dx (n × in) = dy (n × out) · W (out × in). dx is resized.
void gemm_dy_w(const Mat& dy, const float* w, size_t in, Mat& dx);

}  // namespace dqt
