// The DeepQuan autoencoder (paper Section 3.1, after Xie et al. 2016): encoder D-h1-...-hk-L and a
// mirrored decoder L-hk-...-h1-D, ReLU on every layer except the last of each (z and the
// reconstruction are linear).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dq/model.h"
#include "nn/mlp.h"

namespace dqt {

struct Autoencoder {
    Mlp encoder;   ///< D -> L
    Mlp decoder;   ///< L -> D

    Autoencoder() = default;
    /// hidden: widths between D and L, e.g. {500, 500, 2000}. Throws dq::Error on zero sizes.
    Autoencoder(uint32_t input_dim, const std::vector<uint32_t>& hidden, uint32_t latent_dim);

    uint32_t input_dim() const { return uint32_t(encoder.in_dim()); }
    uint32_t latent_dim() const { return uint32_t(encoder.out_dim()); }
    /// Initializes both networks (encoder from seed, decoder from a seed derived from it).
    void init(uint64_t seed);

    /// The encoder as core layers (weights copied; out × in row-major in both), for dq::Model.
    std::vector<dq::DenseLayer> encoder_layers() const;
    /// A dq::Model holding the encoder and the given codebooks (M × K × dsub floats).
    dq::Model to_model(const dq::InputSpec& input, uint32_t M, uint32_t K, std::vector<float> codebooks,
                       const std::string& meta_json) const;
};

}  // namespace dqt
