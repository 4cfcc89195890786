// SGD with momentum and Adam over flat parameter arrays (mlp.h keeps every parameter of a network
// in one vector); their state is flat too, so a checkpoint can carry it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dqt {

struct Sgd {
    float lr = 0.01f;
    float momentum = 0.9f;
    std::vector<float> velocity;   ///< v <- momentum v + g ; p <- p - lr v
    void step(float* p, const float* g, size_t n);
};

struct Adam {
    float lr = 1e-3f;
    float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    std::vector<float> m, v;        ///< first and second moment estimates
    int64_t t = 0;                  ///< steps taken (bias correction)
    void step(float* p, const float* g, size_t n);
};

/// Either of the two behind one interface ("sgd" or "adam"), as the trainer selects it by name.
struct Optimizer {
    std::string kind = "sgd";
    Sgd sgd;
    Adam adam;
    void set_lr(float lr) { sgd.lr = lr; adam.lr = lr; }
    void step(float* p, const float* g, size_t n) {
        if (kind == "adam") adam.step(p, g, n); else sgd.step(p, g, n);
    }
};

}  // namespace dqt
