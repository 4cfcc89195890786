#include "export/model_export.h"

#include <cstdlib>
#include <cstring>
#include <memory>

#include "dq/encoder.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"

namespace dqt {

dq::Model serialize_model(dq::Model model, dq::WeightType wt, std::vector<uint8_t>& bytes) {
    model.weight_type = wt;
    bytes = dq::write_model(model);
    return dq::read_model(bytes.data(), bytes.size());
}

namespace {

// Per-input sums of layer `upto`'s input over x, in double: chunks through layers [0, upto) of m
// by the core encoder (the exact forward pass the exported model will run), chunk sums added in
// chunk order, so the result does not depend on the thread count.
std::vector<double> layer_input_sums(const dq::Model& m, size_t upto, const float* x, size_t n) {
    const size_t chunk = 256, nchunks = (n + chunk - 1) / chunk, D = m.input_dim();
    const size_t width = upto == 0 ? D : m.layers[upto - 1].out;
    std::vector<std::vector<double>> part(nchunks);
    const dq::Encoder enc(m);
#pragma omp parallel for schedule(dynamic, 1)
    for (long long c = 0; c < (long long)nchunks; ++c) {
        const size_t b = size_t(c) * chunk, k = std::min(n, b + chunk) - b;
        std::vector<float> cur(k * width);
        enc.forward_prefix(x + b * D, k, upto, cur.data());
        std::vector<double>& s = part[size_t(c)];
        s.assign(width, 0.0);
        for (size_t i = 0; i < k; ++i)
            for (size_t j = 0; j < width; ++j) s[j] += cur[i * width + j];
    }
    std::vector<double> sum(width, 0.0);
    for (const auto& s : part)
        for (size_t j = 0; j < width; ++j) sum[j] += s[j];
    return sum;
}

}  // namespace

dq::Model export_model(const dq::Model& trained, dq::WeightType wt, const float* x, size_t n,
                       std::vector<uint8_t>& bytes) {
    dq::Model q = serialize_model(trained, wt, bytes);
    if (wt != dq::WeightType::int4 || n == 0) return q;
    // q holds the int4 weights; its biases are corrected layer by layer, each correction seen by
    // the layers after it. The writer re-quantizes `fixed`'s (trained) weights to the same q.
    dq::Model fixed = trained;
    for (size_t l = 0; l < q.layers.size(); ++l) {
        const std::vector<double> sum = layer_input_sums(q, l, x, n);
        dq::DenseLayer& L = q.layers[l];
        const dq::DenseLayer& T = trained.layers[l];
        for (uint32_t r = 0; r < L.out; ++r) {
            double shift = 0;
            for (uint32_t c = 0; c < L.in; ++c)
                shift += (double(T.weight[size_t(r) * L.in + c]) - double(L.weight[size_t(r) * L.in + c])) * (sum[c] / double(n));
            L.bias[r] = float(double(T.bias[r]) + shift);
        }
        fixed.layers[l].bias = L.bias;
    }
    return serialize_model(fixed, wt, bytes);
}

}  // namespace dqt
