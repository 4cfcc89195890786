// What a training run reports while it runs (TrainProgress) and what it leaves behind (TrainLog, for
// report.json and the plots).
#pragma once

#include <string>
#include <vector>

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

/// What happened during training. Checkpoints carry it (checkpoint.h), so a resumed run reports the
/// whole run.
struct TrainLog {
    std::string variant;                  ///< the variant actually run
    std::string settings_json;            ///< Recipe::json() of the run
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
    std::string message;                  ///< notes; guards throw instead
    std::string pretrained_cache = "none";  ///< "none", "written" or "loaded" (TrainConfig::pretrained_path)
};

/// The TrainLog as a JSON object (curves as arrays), for report.json.
std::string train_log_json(const TrainLog& log);

}  // namespace dqt
