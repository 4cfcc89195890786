#include "baselines/pca.h"

// GCC 12 reports a false -Wmaybe-uninitialized inside Eigen 3.4's self-adjoint and triangular
// matrix-vector kernels at -O2 (the eigensolver and QR pull them in); silence it for Eigen only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Dense>
#include <Eigen/SVD>
#pragma GCC diagnostic pop

#include <cmath>

#include "util/rng.h"
#include "dq/error.h"

namespace dqt {

using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using CMapF = Eigen::Map<const MatF>;
using MapF = Eigen::Map<MatF>;

void Pca::project(const float* x, size_t n, float* out) const {
    CMapF X(x, Eigen::Index(n), Eigen::Index(d));
    CMapF C(components.data(), Eigen::Index(k), Eigen::Index(d));
    Eigen::Map<const Eigen::RowVectorXf> mu(mean.data(), Eigen::Index(d));
    MapF(out, Eigen::Index(n), Eigen::Index(k)).noalias() = (X.rowwise() - mu) * C.transpose();
}

Pca fit_pca(const float* x, size_t n, size_t d, size_t k) {
    DQ_CHECK(n > 0 && d > 0, "PCA needs data, got %zu × %zu", n, d);
    DQ_CHECK(k >= 1 && k <= d, "PCA: %zu components requested from %zu dimensions", k, d);
    CMapF X(x, Eigen::Index(n), Eigen::Index(d));
    Pca p;
    p.d = d;
    p.k = k;
    Eigen::RowVectorXd mu = X.cast<double>().colwise().sum() / double(n);
    p.mean.resize(d);
    for (size_t j = 0; j < d; ++j) p.mean[j] = float(mu[Eigen::Index(j)]);
    MatF Xc = X.rowwise() - mu.cast<float>();
    MatF cov_f = (Xc.transpose() * Xc) / float(n);
    MatD cov = cov_f.cast<double>();
    cov = 0.5 * (cov + cov.transpose()).eval();
    Eigen::SelfAdjointEigenSolver<MatD> es(cov);
    DQ_CHECK(es.info() == Eigen::Success, "PCA: eigendecomposition of the %zu × %zu covariance failed", d, d);
    p.components.resize(k * d);
    p.eigenvalues.resize(k);
    for (size_t i = 0; i < k; ++i) {
        Eigen::Index col = Eigen::Index(d - 1 - i);  // Eigen sorts eigenvalues increasingly
        Eigen::VectorXd v = es.eigenvectors().col(col);
        Eigen::Index arg = 0;
        v.cwiseAbs().maxCoeff(&arg);
        if (v[arg] < 0) v = -v;
        p.eigenvalues[i] = std::max(0.0, es.eigenvalues()[col]);
        for (size_t j = 0; j < d; ++j) p.components[i * d + j] = float(v[Eigen::Index(j)]);
    }
    return p;
}

void matmul(const float* a, size_t n, size_t k, const float* b, size_t m, float* out) {
    MapF(out, Eigen::Index(n), Eigen::Index(m)).noalias() =
        CMapF(a, Eigen::Index(n), Eigen::Index(k)) * CMapF(b, Eigen::Index(k), Eigen::Index(m));
}

void matmul_at_b(const float* a, size_t n, size_t k, const float* b, size_t m, float* at_b) {
    MapF(at_b, Eigen::Index(k), Eigen::Index(m)).noalias() =
        CMapF(a, Eigen::Index(n), Eigen::Index(k)).transpose() * CMapF(b, Eigen::Index(n), Eigen::Index(m));
}

std::vector<float> random_orthogonal(size_t d, uint64_t seed) {
    SplitMix64 rng(seed);
    const auto dd = static_cast<Eigen::Index>(d);
    MatD g(dd, dd);
    for (Eigen::Index i = 0; i < g.rows(); ++i)
        for (Eigen::Index j = 0; j < g.cols(); ++j) g(i, j) = rng.normal();
    Eigen::HouseholderQR<MatD> qr(g);
    MatD q = qr.householderQ();
    MatD r = qr.matrixQR().triangularView<Eigen::Upper>();
    for (Eigen::Index j = 0; j < q.cols(); ++j)
        if (r(j, j) < 0) q.col(j) = -q.col(j);
    std::vector<float> out(d * d);
    for (size_t i = 0; i < d; ++i)
        for (size_t j = 0; j < d; ++j) out[i * d + j] = float(q(Eigen::Index(i), Eigen::Index(j)));
    return out;
}

std::vector<float> procrustes(const float* m, size_t d) {
    MatD M = CMapF(m, Eigen::Index(d), Eigen::Index(d)).cast<double>();
    Eigen::BDCSVD<MatD> svd(M, Eigen::ComputeFullU | Eigen::ComputeFullV);
    MatD R = svd.matrixU() * svd.matrixV().transpose();
    std::vector<float> out(d * d);
    for (size_t i = 0; i < d; ++i)
        for (size_t j = 0; j < d; ++j) out[i * d + j] = float(R(Eigen::Index(i), Eigen::Index(j)));
    return out;
}

double orthogonality_error(const float* r, size_t d) {
    MatD R = CMapF(r, Eigen::Index(d), Eigen::Index(d)).cast<double>();
    MatD e = R.transpose() * R - MatD::Identity(Eigen::Index(d), Eigen::Index(d));
    return e.cwiseAbs().maxCoeff();
}

}  // namespace dqt
