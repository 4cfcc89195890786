#include "train/quant_loss.h"

#include <cmath>

#include "dq/error.h"

namespace dqt {

uint32_t draw_unassigned(SplitMix64& rng, uint32_t K, uint32_t assigned) {
    DQ_CHECK(K >= 2 && assigned < K, "C-: no unassigned codeword to draw (K = %u, assigned codeword %u)", K, assigned);
    uint32_t r = uint32_t(rng.below(K - 1));
    return r >= assigned ? r + 1 : r;
}

double QuantLoss::operator()(const Mat& z, const Mat& pos, const Mat& neg, Mat* grad, double* active) const {
    DQ_CHECK(z.rows() == pos.rows() && z.rows() == neg.rows() && z.cols() == pos.cols() && z.cols() == neg.cols(),
             "quantization loss: z, C+ and C- must have the same shape (%ld x %ld, %ld x %ld, %ld x %ld)", long(z.rows()),
             long(z.cols()), long(pos.rows()), long(pos.cols()), long(neg.rows()), long(neg.cols()));
    const Eigen::Index n = z.rows();
    const Mat dp = z - pos, dn = z - neg;
    if (grad) grad->setZero(n, z.cols());
    double total = 0;
    size_t on = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        const double p2 = dp.row(i).squaredNorm();
        if (quad) {
            total += p2;
            ++on;
            if (grad) grad->row(i) = (2.0f / float(n)) * dp.row(i);
            continue;
        }
        if (quad_weight > 0) {
            total += double(quad_weight) * p2;
            if (grad) grad->row(i) = (2.0f * quad_weight / float(n)) * dp.row(i);
        }
        const double n2 = dn.row(i).squaredNorm();
        const double dpos = squared ? p2 : std::sqrt(p2), dneg = squared ? n2 : std::sqrt(n2);
        const double h = double(s) - (double(lambda) * dneg - dpos);
        if (h <= 0) continue;
        total += h;
        ++on;
        if (!grad) continue;
        // d/dz [d(z, c)] = 2 (z - c) squared, (z - c) / ||z - c|| plain (0 where the norm is 0).
        const double gp = squared ? 2.0 : (dpos > 0 ? 1.0 / dpos : 0.0);
        const double gn = squared ? 2.0 : (dneg > 0 ? 1.0 / dneg : 0.0);
        grad->row(i) += (float(gp / double(n)) * dp.row(i)) - (float(double(lambda) * gn / double(n)) * dn.row(i));
    }
    if (active) *active = n > 0 ? double(on) / double(n) : 0.0;
    return n > 0 ? total / double(n) : 0.0;
}

}  // namespace dqt
