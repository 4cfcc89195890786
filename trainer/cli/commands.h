// The commands of the `deepquan` binary, one file each (cmd_*.cpp): each defines its flags, its help
// and what it runs in one Command (args.h); cli.cpp dispatches.
#pragma once

#include <cstdint>

#include "baselines/baselines.h"
#include "cli/args.h"
#include "data/split.h"
#include "train/trainer.h"

namespace dqt {

const Command& train_command();
const Command& baseline_command();
const Command& eval_command();
const Command& encode_command();
const Command& search_command();
const Command& export_faiss_command();
const Command& export_collection_command();

/// The training request of `train` (and DAE-PQ in `baseline`): the flags given; everything else is
/// left to the recipe (train/recipe.h).
TrainConfig parse_train_config(const Args& a, int bits, uint64_t seed);
/// DAE-PQ on one split: the pretrained autoencoder (0 alternating iterations), exported and
/// evaluated through the core like `train` (cmd_train.cpp).
BaselineResult run_daepq(const Args& a, const LoadedSplit& data, int bits, uint64_t seed);

}  // namespace dqt
