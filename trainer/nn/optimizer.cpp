#include "nn/optimizer.h"

#include <cmath>

namespace dqt {

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
