// Checkpoints (the whole TrainState, for --resume) and the pretrained-autoencoder cache (the networks
// and random state right after pretraining, for --pretrained), written atomically and CRC-sealed, so a
// flipped byte is refused instead of silently trained on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "train/train_state.h"

namespace dqt {

/// Writes `st` to `path` (atomically); `fingerprint` identifies the recipe and data it belongs to, and
/// `elapsed_seconds` (the run's time so far) is read back as st.elapsed_before.
void save_checkpoint(const std::string& path, uint64_t fingerprint, const TrainState& st, double elapsed_seconds);
/// Reads a checkpoint into `st`; false when there is no file at `path` (a fresh run). Throws
/// dq::Error when it belongs to another recipe or data set, is of another version, or is corrupt.
bool load_checkpoint(const std::string& path, uint64_t fingerprint, TrainState& st);

/// Writes the pretrained autoencoder, the random state and the pretraining log of `st`, keyed by the
/// pretraining settings (`key`, Recipe::pretrain_key) and the training data (`data_fingerprint`).
void save_pretrained(const std::string& path, const std::string& key, uint64_t data_fingerprint,
                     const TrainState& st);
/// Reads such a file into `st`; false when there is none. Throws dq::Error when it was made with other
/// settings (the message names both keys) or data (`n` images of dimension `dim`), or is corrupt.
bool load_pretrained(const std::string& path, const std::string& key, uint64_t data_fingerprint, size_t n,
                     size_t dim, TrainState& st);

}  // namespace dqt
