// Everything a training run needs to continue from where it stopped: what a checkpoint holds
// (checkpoint.h). The loop (trainer.cpp) owns one; nothing else in it survives a resume.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/autoencoder.h"
#include "nn/optimizer.h"
#include "train/train_log.h"
#include "util/rng.h"

namespace dqt {

struct TrainState {
    int phase = 0;                  ///< 0 pretrain, 1 alternating, 2 done
    int it = 0;                     ///< iterations done in the current phase
    int epoch = 0;                  ///< epochs started in the current phase
    Autoencoder ae;
    Optimizer opt_enc, opt_dec;
    SplitMix64 rng{0};
    std::vector<uint32_t> perm;     ///< this epoch's order of the training set
    size_t perm_pos = 0;
    std::vector<float> codebooks;   ///< M × K × dsub (empty before the first K-means)
    std::vector<float> z;           ///< n × L: the latent vectors the next K-means runs on
    std::vector<uint8_t> z_seen;    ///< n: 1 where z holds the image's z from this epoch's forward pass
    TrainLog log;
    double elapsed_before = 0;      ///< seconds of the run before this process (resume)
};

}  // namespace dqt
