#include "data/standardize.h"

#include <cmath>

#include "dq/encoder.h"
#include "dq/error.h"

namespace dqt {

size_t compute_standardization(const Dataset& ds, dq::InputSpec& spec) {
    const size_t d = ds.dim, n = ds.n;
    DQ_CHECK(n >= 1 && d == spec.dim() && ds.x.size() == n * d,
             "standardization: %zu rows of %zu values (%zu floats) for an input of %u values", n, d, ds.x.size(),
             spec.dim());
    std::vector<double> mean(d, 0.0), var(d, 0.0);
    for (size_t r = 0; r < n; ++r)
        for (size_t i = 0; i < d; ++i) mean[i] += double(ds.x[r * d + i]);
    for (size_t i = 0; i < d; ++i) mean[i] /= double(n);
    for (size_t r = 0; r < n; ++r)
        for (size_t i = 0; i < d; ++i) {
            const double t = double(ds.x[r * d + i]) - mean[i];
            var[i] += t * t;
        }
    spec.mean.resize(d);
    spec.inv_std.resize(d);
    size_t constant = 0;
    for (size_t i = 0; i < d; ++i) {
        const double sd = std::sqrt(var[i] / double(n));
        const float inv = float(1.0 / sd);
        const bool zero = sd <= std::ldexp(std::fabs(mean[i]), -20) || !std::isfinite(inv) || !(inv > 0);
        spec.mean[i] = float(mean[i]);
        spec.inv_std[i] = zero ? 1.0f : inv;
        constant += zero;
    }
    return constant;
}

Dataset standardized_copy(const Dataset& ds, const dq::InputSpec& spec) {
    Dataset out = ds;
    out.input = spec;
    dq::standardize_inputs(spec, ds.x.data(), ds.n, out.x.data());
    return out;
}

}  // namespace dqt
