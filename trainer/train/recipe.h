// The training recipe, in one place: the variants, every default, every value validated on a bundled
// dataset, and the one function (resolve_recipe) that turns what a caller asked for into the complete
// set of values a run follows. The CLI and the experiment tools both call it, so an experiment can
// never silently run without a shipped default.
//
// Adding a knob: a field in TrainRequest and in Recipe with its default in resolve_recipe (this file
// and recipe.cpp), its flag (cli/cmd_train.cpp), its use (trainer.cpp).
//
// Variants:
//   deepquan  the shipped default: the best objective and schedule measured on our data
//             (results/method-experiments.md); knobs left automatic take its values.
//   paper     the literal recipe: plain norms, SGD momentum 0.9, lr 0.01, batch 512, s 1, lambda 0.1,
//             eta 1, K-means every epoch, 3,500 alternating steps; one deviation: R is the mean over
//             pixels (the summed R makes SGD at lr 0.01 diverge by iteration 3).
//   quad      Eq. 1 only (eta = 0), otherwise as paper.
//   wtps      Eq. 2 only (eta = 0), otherwise as paper.
//   daepq     pretraining only, then PQ on the latent vectors (the paper's DAE-PQ baseline).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dqt {

enum class Variant : uint8_t { deepquan, paper, quad, wtps, daepq };
constexpr Variant kVariants[] = {Variant::deepquan, Variant::paper, Variant::quad, Variant::wtps, Variant::daepq};
const char* variant_name(Variant v);
/// nullopt for a name that is not a variant.
std::optional<Variant> parse_variant(const std::string& name);
/// "deepquan, paper, quad, wtps or daepq", for help texts and errors.
std::string variant_list();

/// What a caller asks for. Every std::optional left empty is decided by resolve_recipe: the variant's
/// value, or the value validated on `dataset` when it is one of the bundled ones.
struct TrainRequest {
    Variant variant = Variant::deepquan;
    /// The data's name as the user gave it: "mnist10k" and "fashion70k" get their validated values,
    /// anything else (a path) the general defaults.
    std::string dataset;
    uint32_t bits = 32;        ///< code length B; M = B / 8 subspaces of K = 256 codewords (B / 4 for K = 16)
    uint32_t K = 256;          ///< codewords per subspace (256; 16 for 4-bit codes)
    uint32_t dsub = 16;        ///< latent dimensions per subspace: L = 16 M as in the paper
    std::vector<uint32_t> hidden = {500, 500, 2000};  ///< encoder widths between D and L (decoder mirrors)
    uint64_t seed = 0;

    std::optional<float> s;              ///< margin of Eq. 2 (1)
    std::optional<float> lambda;         ///< weight of the negative distance in Eq. 2 (0.1; fashion70k/deepquan 0.02)
    std::optional<float> eta;            ///< weight of R in Eq. 4 (deepquan 0.1, paper 1; quad/wtps always 0)
    std::optional<int> iterations;       ///< alternating-phase iterations (deepquan: by length, >= min_epochs)
    std::optional<int> min_epochs;       ///< deepquan's floor on its automatic length (6; fashion70k 16)
    std::optional<int> pretrain_iterations;  ///< (4,000)
    std::optional<size_t> batch;         ///< alternating-phase batch (512)
    std::optional<size_t> pretrain_batch;///< (256)
    std::optional<std::string> optimizer;          ///< alternating phase: sgd | adam (deepquan adam, else sgd)
    std::optional<float> lr;             ///< its learning rate (SGD 0.01; Adam 3e-4)
    std::optional<float> adam_lr;        ///< the learning rate when the optimizer is Adam (overrides lr)
    std::optional<float> momentum;       ///< SGD momentum, both phases (0.9)
    std::optional<std::string> lr_schedule;        ///< constant | cosine (to 0 at the last iteration) (constant)
    std::optional<float> grad_clip;      ///< clip the global gradient norm to this; 0 = never (0)
    std::optional<std::string> pretrain_optimizer; ///< sgd | adam (adam)
    std::optional<float> pretrain_lr;    ///< (Adam 1e-3; SGD 0.05, with R averaged over pixels)
    std::optional<float> pretrain_noise; ///< denoising: input dropout probability in [0, 1)
                                         ///< (mnist10k 0.6, fashion70k 0.2, other data 0.4)
    std::optional<bool> squared;         ///< squared distances in J (deepquan on; the paper's plain norms off)
    std::optional<bool> reassign;        ///< C+ = nearest codeword of the batch's current z, not the epoch's
                                         ///< K-means assignment (off)
    std::optional<bool> r_mean;          ///< R is the mean over pixels, not the sum (deepquan off, else on)
    std::optional<float> quad_weight;    ///< weight of Eq. 1 added to the triplet term (0)
    std::optional<float> z_scale;        ///< RMS per latent dimension after pretraining; 0 = keep
                                         ///< (deepquan sqrt(64 / L): mean ||z||^2 = 64; others keep)
    std::optional<bool> fresh_epoch_z;   ///< each epoch's K-means on re-encoded z, not the epoch's own (off)
    int kmeans_iters = 20;               ///< Lloyd iterations of each per-epoch K-means
};

/// Every value a run follows, nothing left automatic. json() goes into report.json and the model's
/// provenance, so its keys and number formatting are part of the output bytes.
struct Recipe {
    Variant variant = Variant::deepquan;
    bool pretrain_only = false;
    bool quad = false;
    bool squared = false;
    bool reassign = false;
    bool fresh_epoch_z = false;
    bool r_mean = false;
    float s = 1, lambda = 0.1f, eta = 1, quad_weight = 0;
    std::string lr_schedule = "constant";
    float grad_clip = 0;
    int iterations = 0, pretrain_iterations = 0;
    size_t batch = 512, pretrain_batch = 256;
    std::string optimizer = "sgd";
    float lr = 0.01f, momentum = 0.9f;
    std::string pretrain_optimizer = "adam";
    bool pretrain_r_mean = false;
    float pretrain_lr = 1e-3f;
    float pretrain_noise = 0;
    float z_scale = 0;
    int kmeans_iters = 20;
    uint32_t M = 0, K = 256, dsub = 16;
    std::vector<uint32_t> hidden;
    uint64_t seed = 0;

    /// The resolved values as one JSON object (no trailing newline).
    std::string json() const;
    /// Everything pretraining depends on besides the data, and nothing else: variants with the same key
    /// start their alternating phase from the same autoencoder, so they can share a cached one.
    std::string pretrain_key() const;
};

/// The recipe for `req` on a training set of `n` images. Throws dq::Error naming the knob for an
/// impossible request ("bits must be a positive multiple of 8 ...", "pretrain noise must be in [0, 1)").
Recipe resolve_recipe(const TrainRequest& req, size_t n);

}  // namespace dqt
