#include "dq/model.h"

#include <cmath>
#include <cstring>

#include "dq/error.h"
#include "dq/fnv.h"
#include "dq/image.h"

namespace dq {

const char* to_string(WeightType t) {
    switch (t) {
        case WeightType::f32: return "f32";
        case WeightType::f16: return "f16";
        case WeightType::int8: return "int8";
        case WeightType::int4: return "int4";
    }
    return "unknown";
}

WeightType parse_weight_type(const std::string& s) {
    if (s == "f32") return WeightType::f32;
    if (s == "f16") return WeightType::f16;
    if (s == "int8") return WeightType::int8;
    if (s == "int4") return WeightType::int4;
    throw Error("unknown weight type \"" + s + "\" (expected f32, f16, int8 or int4)");
}

namespace {

// Index of the first non-finite value, or n.
size_t first_non_finite(const std::vector<float>& v) {
    for (size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i])) return i;
    return v.size();
}

void check_width(uint64_t v, const char* what) {
    DQ_CHECK(v >= 1 && v <= kMaxWidth, "%s is %llu, must be in [1, %u]", what, (unsigned long long)v, kMaxWidth);
}

}  // namespace

void Model::validate() const {
    DQ_CHECK(input.height >= 1 && input.width >= 1 && input.channels >= 1,
             "input shape %ux%ux%u has a zero dimension", input.height, input.width, input.channels);
    const uint64_t in_dim = uint64_t(input.height) * input.width * input.channels;
    DQ_CHECK(in_dim <= kMaxWidth, "input dim %ux%ux%u = %llu exceeds %u", input.height, input.width, input.channels,
             (unsigned long long)in_dim, kMaxWidth);
    DQ_CHECK(std::isfinite(input.scale) && input.scale > 0, "input scale %g must be finite and > 0", double(input.scale));
    if (input.from_image_files) {
        DQ_CHECK(input.channels == 1 || input.channels == 3, "a model of image files has %u channels, must be 1 or 3",
                 input.channels);
        DQ_CHECK(input.height <= kMaxImageSide && input.width <= kMaxImageSide,
                 "a model of image files is %ux%u, each side must be at most %u", input.height, input.width, kMaxImageSide);
        DQ_CHECK(input.background <= 0xffffff, "input background 0x%x is not a 0xRRGGBB colour", input.background);
    }
    if (!input.mean.empty() || !input.inv_std.empty()) {
        DQ_CHECK(input.mean.size() == in_dim && input.inv_std.size() == in_dim,
                 "input standardization has %zu means and %zu scales, expected the input dim %llu each",
                 input.mean.size(), input.inv_std.size(), (unsigned long long)in_dim);
        DQ_CHECK(!input.from_image_files, "a model of image files cannot also standardize its inputs");
        size_t bad = first_non_finite(input.mean);
        DQ_CHECK(bad == in_dim, "input standardization: mean[%zu] is %g, not finite", bad,
                 double(input.mean[bad < in_dim ? bad : 0]));
        for (size_t i = 0; i < in_dim; ++i)
            DQ_CHECK(std::isfinite(input.inv_std[i]) && input.inv_std[i] > 0,
                     "input standardization: scale[%zu] is %g, must be finite and > 0", i, double(input.inv_std[i]));
    }
    DQ_CHECK(!layers.empty(), "the encoder has no layers");
    DQ_CHECK(layers.size() <= kMaxLayers, "%zu layers (limit %u)", layers.size(), kMaxLayers);
    DQ_CHECK(weight_type == WeightType::f32 || weight_type == WeightType::f16 || weight_type == WeightType::int8 ||
                 weight_type == WeightType::int4,
             "unknown weight type %u", unsigned(weight_type));
    check_width(M, "M");
    DQ_CHECK(K == 16 || K == 256, "K is %u, must be 16 or 256", K);
    check_width(dsub, "dsub");
    const uint64_t latent = uint64_t(M) * dsub;
    DQ_CHECK(latent <= kMaxWidth, "latent dim M*dsub = %u*%u exceeds %u", M, dsub, kMaxWidth);

    uint64_t prev = in_dim;
    for (size_t l = 0; l < layers.size(); ++l) {
        const DenseLayer& L = layers[l];
        DQ_CHECK(L.in == prev, "layer %zu: input width %u, but %s %llu", l, L.in,
                 l == 0 ? "the input dim is" : "the previous layer outputs", (unsigned long long)prev);
        DQ_CHECK(L.out >= 1 && L.out <= kMaxWidth, "layer %zu: output width %u, must be in [1, %u]", l, L.out, kMaxWidth);
        DQ_CHECK(L.act == Activation::linear || L.act == Activation::relu, "layer %zu: unknown activation %u", l,
                 unsigned(L.act));
        DQ_CHECK(L.weight.size() == uint64_t(L.out) * L.in, "layer %zu: %zu weights, expected out*in = %u*%u", l,
                 L.weight.size(), L.out, L.in);
        DQ_CHECK(L.bias.size() == L.out, "layer %zu: %zu biases, expected %u", l, L.bias.size(), L.out);
        size_t bad = first_non_finite(L.weight);
        DQ_CHECK(bad == L.weight.size(), "layer %zu: weight[%zu] (row %zu, col %zu) is %g, not finite", l, bad,
                 bad / L.in, bad % L.in, double(L.weight[bad < L.weight.size() ? bad : 0]));
        bad = first_non_finite(L.bias);
        DQ_CHECK(bad == L.bias.size(), "layer %zu: bias[%zu] is %g, not finite", l, bad,
                 double(L.bias[bad < L.bias.size() ? bad : 0]));
        prev = L.out;
    }
    DQ_CHECK(prev == latent, "the last layer outputs %llu values, but M*dsub = %u*%u = %llu",
             (unsigned long long)prev, M, dsub, (unsigned long long)latent);
    DQ_CHECK(codebooks.size() == latent * K, "%zu codebook values, expected M*K*dsub = %u*%u*%u", codebooks.size(),
             M, K, dsub);
    const size_t bad = first_non_finite(codebooks);
    DQ_CHECK(bad == codebooks.size(), "codebook value %zu (m=%zu, k=%zu) is %g, not finite", bad,
             bad / (size_t(K) * dsub), bad / dsub % K, double(codebooks[bad < codebooks.size() ? bad : 0]));
}

uint64_t codebook_fingerprint(const Model& model) {
    // Over little-endian bytes whatever the host's order, so a file's fingerprint is portable.
    uint64_t h = kFnvOffset;
    auto u32 = [&h](uint32_t v) {
        const uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
        h = fnv1a(b, 4, h);
    };
    u32(model.M);
    u32(model.K);
    u32(model.dsub);
    for (float f : model.codebooks) {
        uint32_t u;
        std::memcpy(&u, &f, 4);
        u32(u);
    }
    return h;
}

}  // namespace dq
