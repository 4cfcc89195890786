// Export of a trained model to model.dqm (weight types, int4 bias correction).
//
// Codes that leave the trainer are always computed by the core (dq::Index::encode: the encoder's
// fixed summation order and the core PQ encoder), from the model *as it reads back from its file*:
// with --weights f16, int8 or int4 the dequantized weights differ from the trained f32 ones, and the
// browser will encode its queries with the dequantized ones. That keeps the native and wasm codes
// bit-identical. (Eigen's training-time z is never used for exported codes.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dq/model.h"

namespace dqt {

/// Serializes `model` with weights stored as `wt`, and returns the model as read back from those
/// bytes (what every front end will load). bytes receives the file.
dq::Model serialize_model(dq::Model model, dq::WeightType wt, std::vector<uint8_t>& bytes);

/// What `train` ships: serialize_model, except that for int4 each layer's bias is first corrected
/// for the mean shift the rounded weights cause on the training images (bias correction, Nagel et
/// al. 2019): b_l += (W_l - Wq_l) · mean(x_l), x_l = layer l's input through the already corrected
/// int4 layers before it, so every layer's mean pre-activation matches the trained model's. On
/// mnist10k (32 bits, seed 0) it brings int4's MAP loss from about 0.5 / 0.7 (SDC / ADC) to under
/// 0.3; f16 and int8 move MAP by < 0.1 and are written unchanged.
/// x: n × input_dim floats (the training set); deterministic for any thread count.
dq::Model export_model(const dq::Model& trained, dq::WeightType wt, const float* x, size_t n,
                       std::vector<uint8_t>& bytes);

}  // namespace dqt
