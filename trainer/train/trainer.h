// DeepQuan training (paper Sections 3.1-3.3): pretrain a D-500-500-2000-L autoencoder, then
// alternate { K-means per subspace on z = f(x) ; SGD on sum_i J(z_i, C+, C-) + eta R(z_i) }.
//
//   J, Quad: quant_loss.h.
//   R (Eq. 3) ||x - g(z)||^2: summed over pixels as written in the paper ("deepquan", Adam), or its mean
//             over pixels (the paper's SGD variants; `r_mean`). After Adam pretraining the summed R has a
//             sharpness of ~4,000 while SGD with momentum 0.9 at lr 0.01 is stable only below
//             2 (1 + 0.9) / 0.01 = 380: that, not the loss value, made the literal recipe diverge at
//             iteration 3 (results/method-experiments.md). The mean (Keras' `mse`) divides it by D.
// What is trained with which values: recipe.h. The guards that stop a collapsing run: guards.h. The
// state a checkpoint carries: train_state.h / checkpoint.h.
//
// The returned model's codebooks are a final K-means fit on z computed by dq::Encoder (the core's
// bit-exact forward pass) of the returned encoder, so gallery codes computed at export by the core
// match the codebooks the trainer fit.
//
// Determinism: the same config and data give a bit-identical model for any thread count (all
// reductions are ordered; OpenMP only splits independent work).
#pragma once

#include <functional>
#include <string>

#include "data/dataset.h"
#include "dq/model.h"
#include "train/recipe.h"
#include "train/train_log.h"

namespace dqt {

/// A training run: what to train (the TrainRequest the recipe resolves) and how to run it.
struct TrainConfig : TrainRequest {
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

struct TrainResult {
    dq::Model model;   ///< encoder (ReLU hidden, linear last layer) + PQ codebooks; meta_json has provenance
    TrainLog log;
};

/// Trains DeepQuan on `train_set` (its labels are never read). Throws dq::Error on a bad config
/// ("bits must be a multiple of 8 ...") and when a guard fires: non-finite loss, reconstruction stuck at
/// the mean image, codeword spread collapsing or too few distinct codes ("training collapsed at
/// iteration 240 (epoch 14): ..."), so no useless model is ever written.
/// Throws dqt::Interrupted (util/interrupt.h) if an interrupt arrives.
TrainResult train_deepquan(const TrainConfig& cfg, const Dataset& train_set);

}  // namespace dqt
