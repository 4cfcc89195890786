// The random-model builder every native test program shares: the format and encoder suites
// (tests/core/test_format_util.h) and the golden-data tool (tests/tools/dq_golden.cpp). Both build
// the same structure; they differ only in the weight and bias ranges and in what they put in the
// codebooks afterwards.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "dq/model.h"
#include "test_support.h"

namespace dqtest {

/// Input h×w×c -> hidden[0] (relu) -> ... -> M*dsub (linear), M, K and dsub set; codebooks, meta
/// and weight type left to the caller. Draws from rng layer by layer, in this order: in × out
/// weights uniform in ±weight_range(in), then out biases uniform in ±bias_range. The order is part of
/// the contract: golden data and tests depend on these exact numbers.
template <class WeightRange>
dq::Model random_model(uint32_t h, uint32_t w, uint32_t c, const std::vector<uint32_t>& hidden, uint32_t M,
                       uint32_t K, uint32_t dsub, Rng& rng, WeightRange weight_range, float bias_range) {
    dq::Model m;
    m.input.height = h;
    m.input.width = w;
    m.input.channels = c;
    std::vector<uint32_t> dims = {h * w * c};
    dims.insert(dims.end(), hidden.begin(), hidden.end());
    dims.push_back(M * dsub);
    for (size_t l = 0; l + 1 < dims.size(); ++l) {
        dq::DenseLayer L;
        L.in = dims[l];
        L.out = dims[l + 1];
        L.act = l + 2 < dims.size() ? dq::Activation::relu : dq::Activation::linear;
        const float a = weight_range(L.in);
        L.weight.resize(size_t(L.in) * L.out);
        L.bias.resize(L.out);
        for (float& v : L.weight) v = rng.uniform(-a, a);
        for (float& v : L.bias) v = rng.uniform(-bias_range, bias_range);
        m.layers.push_back(std::move(L));
    }
    m.M = M;
    m.K = K;
    m.dsub = dsub;
    return m;
}

}  // namespace dqtest
