#include "nn/autoencoder.h"

#include "dq/error.h"

namespace dqt {

namespace {

std::vector<LayerSpec> chain(const std::vector<uint32_t>& widths) {
    std::vector<LayerSpec> l;
    for (size_t i = 0; i + 1 < widths.size(); ++i) l.push_back({widths[i], widths[i + 1], i + 2 < widths.size()});
    return l;
}

}  // namespace

Autoencoder::Autoencoder(uint32_t input_dim, const std::vector<uint32_t>& hidden, uint32_t latent_dim) {
    DQ_CHECK(input_dim > 0 && latent_dim > 0, "autoencoder: input dim %u and latent dim %u must be positive",
             input_dim, latent_dim);
    std::vector<uint32_t> w{input_dim};
    for (uint32_t h : hidden) {
        DQ_CHECK(h > 0, "autoencoder: a hidden layer has width 0");
        w.push_back(h);
    }
    w.push_back(latent_dim);
    encoder = Mlp(chain(w));
    std::vector<uint32_t> r(w.rbegin(), w.rend());
    decoder = Mlp(chain(r));
}

void Autoencoder::init(uint64_t seed) {
    encoder.init(seed);
    decoder.init(seed ^ 0xdec0de5eedULL);
}

std::vector<dq::DenseLayer> Autoencoder::encoder_layers() const {
    std::vector<dq::DenseLayer> out;
    const auto& p = encoder.params();
    for (size_t l = 0; l < encoder.layers().size(); ++l) {
        const LayerSpec& s = encoder.layers()[l];
        dq::DenseLayer d;
        d.in = s.in;
        d.out = s.out;
        d.act = s.relu ? dq::Activation::relu : dq::Activation::linear;
        d.weight.assign(p.begin() + ptrdiff_t(encoder.w_offset(l)),
                        p.begin() + ptrdiff_t(encoder.w_offset(l) + size_t(s.out) * s.in));
        d.bias.assign(p.begin() + ptrdiff_t(encoder.b_offset(l)), p.begin() + ptrdiff_t(encoder.b_offset(l) + s.out));
        out.push_back(std::move(d));
    }
    return out;
}

dq::Model Autoencoder::to_model(const dq::InputSpec& input, uint32_t M, uint32_t K, std::vector<float> codebooks,
                                const std::string& meta_json) const {
    DQ_CHECK(M > 0 && latent_dim() % M == 0, "autoencoder: latent dim %u does not split into M = %u subspaces",
             latent_dim(), M);
    dq::Model m;
    m.input = input;
    m.layers = encoder_layers();
    m.M = M;
    m.K = K;
    m.dsub = latent_dim() / M;
    m.codebooks = std::move(codebooks);
    m.meta_json = meta_json;
    m.validate();
    return m;
}

}  // namespace dqt
