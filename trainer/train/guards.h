// The guards that stop a training run with a message instead of writing a useless model, and the
// statistics they watch (also logged per epoch: the paper's Fig. 2a is the codeword distance).
// Every check throws dq::Error naming the iteration and the numbers; "no model written".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/autoencoder.h"

namespace dqt {

struct Dataset;

/// Mean (plain) distance between the codewords of a subspace, averaged over subspaces: Fig. 2a.
/// cb: M × K × dsub.
double mean_codeword_distance(const std::vector<float>& cb, uint32_t M, uint32_t K, uint32_t dsub);
/// Distinct rows among n codes of M bytes, as a fraction of n.
double distinct_fraction(const std::vector<uint8_t>& codes, size_t n, size_t M);
/// Mean squared norm of n vectors of L floats.
double mean_sq_norm(const std::vector<float>& z, size_t n, size_t L);
bool all_finite(const float* p, size_t n);

/// How many distinct codes n images can take with M subspaces of K codewords: min(n, K^M). Training
/// has collapsed when fewer than 1 % of that many are in use (DAE-PQ starts near the ceiling on every
/// dataset we have); the image count alone is the wrong yardstick: 8-bit codes on 69,000 images can
/// never number more than 256, 0.37 % of them.
double code_ceiling(size_t n, size_t K, size_t M);
bool too_few_codes(double distinct_fraction, size_t n, double ceiling);

/// After an epoch's K-means: throws when the codes no longer tell images apart or the codewords merged
/// into a point (spread below 1e-3 of the first epoch's). distinct / spread: the log's per-epoch values.
void check_epoch(const std::vector<float>& distinct, const std::vector<float>& spread, size_t n, uint32_t K,
                 uint32_t M, int iteration, int epoch, bool variant_is_deepquan);
/// The final codes: throws when fewer than 1 % of the ceiling are distinct.
void check_final_codes(const std::vector<uint8_t>& codes, size_t n, uint32_t K, uint32_t M);
/// After pretraining: throws when the reconstruction is not finite, or not below 90 % of the error of
/// the mean image on (up to 2,048 evenly spaced) training images: an autoencoder that outputs the mean
/// image has learned nothing the codes could use. `how` describes the pretraining for the message.
void check_reconstruction_learned(Autoencoder& ae, const Dataset& ds, int iterations, const std::string& how);

}  // namespace dqt
