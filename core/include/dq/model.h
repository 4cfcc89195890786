// In-memory model: the encoder network plus the product-quantizer codebooks.
//
// This is what `model.dqm` holds (see format.h for the bytes). The trainer builds one, the writer
// serializes it, the reader rebuilds it, and Encoder / ProductQuantizer / Index are constructed
// from it. Weights are always held as f32 here: f16, int8 and int4 exist only on disk and are
// expanded once at load.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dq {

enum class Activation : uint8_t {
    linear = 0,
    relu = 1,
};

/// Format limits, enforced by Model::validate() and Database::validate(), so that anything valid can
/// be written and read back, and a reader can refuse absurd sizes before allocating anything.
constexpr uint32_t kMaxLayers = 256;       ///< dense layers per encoder (sections are named W000..)
constexpr uint32_t kMaxWidth = 1u << 20;   ///< input dim, every layer width, latent dim and M

/// Storage type of encoder weights in the file.
enum class WeightType : uint8_t {
    f32 = 0,
    f16 = 1,
    int8 = 2,  ///< symmetric, one f32 scale per output row: w = q * scale[row], q in [-127, 127]
    int4 = 3,  ///< q in [-7, 7], two per byte, one f32 scale per 32 inputs of a row (format 1.1)
};

const char* to_string(WeightType t);
/// Parses "f32" | "f16" | "int8" | "int4"; throws dq::Error otherwise.
WeightType parse_weight_type(const std::string& s);

/// How raw image bytes become the encoder's input vector.
struct InputSpec {
    uint32_t height = 28;    ///< image rows
    uint32_t width = 28;     ///< image columns
    uint32_t channels = 1;   ///< 1 = gray; the vector is H*W*C values, row-major, channel last
    float scale = 1.0f / 255.0f;  ///< x = pixel_u8 * scale (pixels in [0,1] when 1/255)
    /// True for a model trained on decoded image files (PNG / JPEG): a query image must then go
    /// through dq/image.h's preprocess_rgba() with this shape and `background` to give the bytes
    /// the model saw. False for pixel datasets (IDX, npy), whose bytes go in as they are.
    bool from_image_files = false;
    uint32_t background = 0xffffff;  ///< 0xRRGGBB alpha was composited over (from_image_files only)
    /// Input standardization of a model trained on feature vectors (npy float / fvecs: embeddings,
    /// descriptors in any range); both empty for pixel models. When set, both hold dim() values and
    /// the encoder's first layer sees x'[i] = (x[i] - mean[i]) * inv_std[i], computed in float in
    /// exactly that order (dq::standardize_inputs), so every front end gets the same bits.
    /// inv_std[i] = 1 / std of dimension i on the training set, or 1 for a zero-variance dimension
    /// (see trainer/data/standardize.h for the rule); every value finite, inv_std > 0.
    std::vector<float> mean;
    std::vector<float> inv_std;
    bool standardized() const { return !mean.empty(); }
    uint32_t dim() const { return height * width * channels; }
};

/// One dense layer y = act(W x + b).
struct DenseLayer {
    uint32_t in = 0;                 ///< input width
    uint32_t out = 0;                ///< output width
    Activation act = Activation::relu;
    std::vector<float> weight;       ///< out × in, row-major: row j holds the weights of output j
    std::vector<float> bias;         ///< out
};

/// Encoder + codebooks. Invariants checked by validate(): 1..kMaxLayers layers that chain
/// (layers[i].out == layers[i+1].in), layers[0].in == input.dim(), layers.back().out == M * dsub,
/// every width and dim in [1, kMaxWidth], K in {16, 256}, weight/bias/codebook vector sizes
/// (out × in, out, M × K × dsub), input.scale finite and > 0, all weights/biases/codebooks finite,
/// input.mean / input.inv_std both empty or both input.dim() finite values with inv_std > 0 (and not
/// combined with from_image_files).
struct Model {
    InputSpec input;
    std::vector<DenseLayer> layers;
    uint32_t M = 0;                  ///< number of subspaces (bytes per code when K = 256)
    uint32_t K = 256;                ///< codewords per subspace: 256 (8-bit) or 16 (4-bit)
    uint32_t dsub = 0;               ///< dimensions per subspace; latent dim L = M * dsub
    std::vector<float> codebooks;    ///< M × K × dsub, Faiss order: codebooks[(m*K + k)*dsub + j]
    WeightType weight_type = WeightType::f32;  ///< dtype it was read from / is to be written as
    std::string meta_json = "{}";    ///< provenance: hyper-parameters, seed, dataset, writer version

    uint32_t input_dim() const { return input.dim(); }
    uint32_t latent_dim() const { return M * dsub; }
    uint32_t nbits() const { return K == 16 ? 4u : 8u; }
    /// Throws dq::Error naming the first broken invariant.
    void validate() const;
};

/// A fingerprint of the codebooks (64-bit FNV-1a over M, K, dsub and the codebook bytes). A database
/// stores the fingerprint of the model that encoded it; a mismatch is refused.
uint64_t codebook_fingerprint(const Model& model);

}  // namespace dq
