// DeepQuan training (paper Sections 3.1-3.3): pretrain a D-500-500-2000-L autoencoder, then
// alternate { K-means per subspace on z = f(x) ; SGD on sum_i J(z_i, C+, C-) + eta R(z_i) }.
//
//   J (Eq. 2)  max(0, s - (lambda d(z, C-) - d(z, C+)))   C+ = assigned codewords (concatenated over
//              the M subspaces), C- = one randomly drawn *unassigned* codeword per subspace.
//   R (Eq. 3)  ||x - g(z)||^2: summed over pixels as written in the paper ("deepquan", Adam), or its mean
//              over pixels (the paper's SGD variants; `r_mean`). After Adam pretraining the summed R has a
//              sharpness of ~4,000 while SGD with momentum 0.9 at lr 0.01 is stable only below
//              2 (1 + 0.9) / 0.01 = 380: that, not the loss value, made the literal recipe diverge at
//              iteration 3 (results/method-experiments.md). The mean (Keras' `mse`) divides it by D.
//   Quad (Eq. 1) ||z - C+||^2.
// d(.) is the plain L2 norm in the paper's text; `distance = squared` replaces it by the squared norm
// (see results/method-experiments.md for why that matters on our data).
//
// Variants (TrainConfig::variant):
//   "deepquan"  the shipped default: the best objective and schedule measured on our data
//               (documented in results/method-experiments.md). Knobs left at `automatic` take its values.
//   "paper"     the literal recipe: plain norms, SGD momentum 0.9, lr 0.01, batch 512, s 1, lambda 0.1,
//               eta 1, K-means every epoch, 3,500 alternating steps, no selection; one deviation: R is
//               the mean over pixels (see R above), without which SGD diverges.
//   "quad"      Eq. 1 only (eta = 0), otherwise as "paper".
//   "wtps"      Eq. 2 only (eta = 0), otherwise as "paper".
//   "daepq"     pretraining only, then PQ on the latent vectors (the paper's DAE-PQ baseline).
//
// The returned model's codebooks are a final K-means fit on z computed by dq::Encoder (the core's
// bit-exact forward pass) of the returned encoder, so gallery codes computed at export by the core
// match the codebooks the trainer fit.
//
// Determinism: the same config and data give a bit-identical model for any thread count (all
// reductions are ordered; OpenMP only splits independent work).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dataset.h"
#include "dq/model.h"
#include "nn.h"

namespace dqt {

/// Reported through TrainConfig::on_progress every `progress_every` iterations of either phase.
struct TrainProgress {
    std::string phase;         ///< "pretrain" or "alternate"
    int iteration = 0;         ///< iterations done in this phase
    int total = 0;             ///< iterations planned in this phase
    int epoch = 0;             ///< completed passes over the training set in this phase
    double loss = 0;           ///< pretrain: mean reconstruction loss; alternate: J + eta R (batch means)
    double J = 0;              ///< alternate: batch mean of the quantization term (0 in pretraining)
    double R = 0;              ///< batch mean of ||x - g(z)||^2
    double elapsed_seconds = 0;///< since train_deepquan started
    double eta_seconds = 0;    ///< estimated time left for the whole run (both phases)
};

/// Tri-state knobs: `automatic` takes the variant's value (see the variant table above).
enum class Toggle : int8_t { automatic = -1, off = 0, on = 1 };

struct TrainConfig {
    std::string variant = "deepquan";  ///< deepquan | paper | quad | wtps | daepq
    uint32_t bits = 32;        ///< code length B; M = B / 8 subspaces of K = 256 codewords
    uint32_t K = 256;          ///< codewords per subspace (256; 16 for 4-bit codes)
    uint32_t dsub = 16;        ///< latent dimensions per subspace: L = 16 M as in the paper
    std::vector<uint32_t> hidden = {500, 500, 2000};  ///< encoder widths between D and L (decoder mirrors)
    float s = 1.0f;            ///< margin of Eq. 2
    float lambda = 0.1f;       ///< weight of the negative distance in Eq. 2
    float eta = -1;            ///< weight of R in Eq. 4 (forced to 0 by quad / wtps); -1 = automatic (deepquan:
                               ///< 0.1, chosen on validation queries; the paper's variant: its MNIST value, 1)
    int iterations = -1;       ///< alternating-phase iterations; -1 = automatic (deepquan: its tuned count,
                               ///< 800 at 8 and 16 bits, 200 from 24 bits, at least `min_epochs`
                               ///< epochs; the paper's variants: 3,500)
    int min_epochs = -1;       ///< deepquan's floor on its automatic length, in epochs; -1 = automatic (6)
    int pretrain_iterations = -1;  ///< -1 = automatic (variant / dataset-size default)
    size_t batch = 512;        ///< alternating-phase batch
    size_t pretrain_batch = 256;
    float lr = -1;             ///< alternating-phase learning rate; -1 = automatic (SGD 0.01, Adam 1e-4)
    float momentum = 0.9f;     ///< SGD momentum (both phases when SGD)
    float pretrain_lr = -1;    ///< -1 = automatic (depends on the pretraining optimizer)
    float pretrain_noise = -1; ///< denoising pretraining: each input pixel dropped (zeroed, the rest scaled by
                               ///< 1/(1-p)) with this probability, the clean image reconstructed; 0 = plain
                               ///< autoencoder, -1 = automatic (0.4, for every variant; the CLI picks
                               ///< 0.6 for mnist10k and 0.2 for fashion70k, as validated)
    std::string pretrain_optimizer;  ///< "sgd" | "adam"; empty = automatic (adam). SGD averages R over pixels
                                     ///< (lr 0.05 by default), as the SGD variants do in the alternating phase
    std::string optimizer;     ///< alternating phase: "sgd" | "adam"; empty = automatic
    float adam_lr = -1;        ///< alternating-phase learning rate when its optimizer is Adam; -1 = automatic
    Toggle squared = Toggle::automatic;  ///< squared distances in J (off = the paper's plain norms)
    Toggle reassign = Toggle::automatic; ///< on: C+ = nearest codeword of the batch's current z; off: the
                                         ///< epoch's K-means assignment (the paper: h updated every epoch)
    float z_scale = -1;        ///< after pretraining, rescale z (and the decoder's input weights, so the
                               ///< autoencoder is unchanged) to this RMS per latent dimension; 0 = keep,
                               ///< -1 = automatic (deepquan: sqrt(64 / L), i.e. mean ||z||^2 = 64, chosen
                               ///< on validation queries; the paper's variants and daepq: keep). Fixes what s
                               ///< and lambda mean against z.
    Toggle r_mean = Toggle::automatic;   ///< on: R is the mean over pixels instead of the paper's sum (the
                                         ///< sum makes SGD at lr 0.01 unstable; see the experiments file)
    float quad_weight = -1;    ///< weight of Eq. 1 added to the triplet term (0 = none); -1 = automatic
    std::string lr_schedule;   ///< alternating phase: "constant" | "cosine" (to 0 at the last iteration);
                               ///< empty = automatic
    float grad_clip = -1;      ///< alternating phase: clip the global gradient norm to this (0 = never); -1 = automatic
    int kmeans_iters = 20;     ///< Lloyd iterations of each per-epoch K-means (warm-started after the first)
    /// The z each epoch's K-means runs on. on: the whole training set re-encoded by the current network
    /// (a forward pass over every image per epoch: 15 % of an alternating iteration). off: the z each
    /// image got in its own forward pass during the epoch just ended (at most one epoch old), and the
    /// images that epoch did not visit (n mod batch) re-encoded. The first epoch always encodes all.
    /// Automatic = off for every variant (the paper updates C "every epoch" and does not say on which z;
    /// validation in results/method-experiments.md, round 5).
    Toggle fresh_epoch_z = Toggle::automatic;
    uint64_t seed = 0;
    int threads = 0;           ///< OpenMP threads for this call; 0 = leave the current setting

    /// Cache of the pretrained autoencoder: if the file exists pretraining is skipped and the weights and
    /// random state are read from it (the run then ends byte-identical to one that pretrained); otherwise
    /// it is written after pretraining. Every variant with the same pretraining settings, seed, bits and
    /// training set can share one file; a file from other settings or data is an error. Empty = none.
    std::string pretrained_path;

    int progress_every = 50;   ///< iterations between on_progress calls
    std::function<void(const TrainProgress&)> on_progress;
    /// Monitoring / experiments: called at the start of an epoch of the alternating phase (right after its
    /// K-means) once at least `snapshot_every` iterations passed since the last call (and at iteration 0),
    /// with the current encoder and codebooks. 0 = never.
    int snapshot_every = 0;
    std::function<void(int iteration, int epoch, const dq::Model& model)> on_snapshot;

    /// Checkpointing: if non-empty, the full training state is written (atomically) to this file every
    /// `checkpoint_every` iterations and at phase boundaries; with `resume` it is read back first and
    /// the run continues, ending bit-identical to an uninterrupted run with the same config.
    std::string checkpoint_path;
    int checkpoint_every = 250;
    bool resume = false;
};

/// What happened during training, for report.json and the plots.
struct TrainLog {
    std::string variant;                  ///< the variant actually run
    std::string settings_json;            ///< the resolved knobs (after `automatic` was filled in), JSON object
    // Pretraining, sampled every `progress_every` iterations.
    std::vector<int> pretrain_iteration;
    std::vector<float> pretrain_loss;     ///< mean ||x - g(f(x))||^2 over the batch
    // Alternating phase, one entry per iteration.
    std::vector<float> J;                 ///< batch mean of J (or of Eq. 1 for quad)
    std::vector<float> R;                 ///< batch mean of R
    std::vector<float> hinge_active;      ///< fraction of the batch with an active hinge (1 for quad)
    // Alternating phase, one entry per epoch (K-means refit); epoch 0 = right after pretraining.
    std::vector<int> epoch_iteration;     ///< iteration at which the epoch's K-means ran
    std::vector<float> codeword_distance; ///< mean distance between codewords of a subspace (paper Fig. 2a)
    std::vector<float> distinct_codes;    ///< distinct full codes among the training set / n
    std::vector<float> quantization_error;///< mean ||z - q(z)||^2 after the K-means
    std::vector<float> z_norm;            ///< mean ||z||^2
    int epochs = 0;                       ///< alternating-phase epochs completed
    int iterations_run = 0;               ///< alternating iterations actually run
    double pretrain_seconds = 0;
    double alternate_seconds = 0;
    double kmeans_seconds = 0;            ///< part of alternate_seconds spent refitting codebooks
    double encode_seconds = 0;            ///< part of alternate_seconds spent encoding training images for the
                                          ///< epochs' K-means (all at the first epoch, then those an epoch left
                                          ///< out; all every epoch with fresh_epoch_z)
    double seconds_per_pretrain_iteration = 0;
    double seconds_per_iteration = 0;     ///< alternating, K-means included
    double total_seconds = 0;
    std::string message;                  ///< notes (e.g. which selection rule fired); guards throw instead
    std::string pretrained_cache = "none";  ///< "none", "written" or "loaded" (TrainConfig::pretrained_path)
};

struct TrainResult {
    dq::Model model;   ///< encoder (ReLU hidden, linear last layer) + PQ codebooks; meta_json has provenance
    TrainLog log;
};

/// Trains DeepQuan on `train_set` (its labels are never read). Throws dq::Error on a bad config
/// ("bits must be a multiple of 8 ...", "unknown variant 'x'") and when a guard fires: non-finite
/// loss, reconstruction stuck at the mean image, codeword spread collapsing or too few distinct codes
/// ("training collapsed at iteration 240 (epoch 14): ..."), so no useless model is ever written.
/// Throws dqt::Interrupted (atomic_file.h) if an interrupt arrives.
TrainResult train_deepquan(const TrainConfig& cfg, const Dataset& train_set);

/// The TrainLog as a JSON object (curves as arrays), for report.json.
std::string train_log_json(const TrainLog& log);

// ---- Building blocks, exposed for the tests -------------------------------------------------------

/// The quantization term of one batch. z, pos (C+ concatenated over the subspaces) and neg (C-): n × L.
///   triplet (Eq. 2): max(0, s - (lambda d(z, neg) - d(z, pos))), d = ||.||_2 or ||.||_2^2 (squared)
///   quad (Eq. 1):    ||z - pos||^2
/// Returns the batch mean; grad (if non-null) receives d(mean)/dz (n × L); active (if non-null) the
/// fraction of rows whose hinge is active (1 for quad). Where a plain norm is 0 its gradient is taken as 0.
struct QuantLoss {
    bool quad = false;
    bool squared = false;
    float s = 1.0f;
    float lambda = 0.1f;
    float quad_weight = 0;  ///< triplet only: adds quad_weight * ||z - pos||^2 (Eq. 1) to every row
    double operator()(const Mat& z, const Mat& pos, const Mat& neg, Mat* grad, double* active) const;
};

}  // namespace dqt
