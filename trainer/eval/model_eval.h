// Evaluation of a model as it ships: codes and latent vectors computed by the core (dq::Index, the
// encoder every front end runs), ranked by the core's scan. `deepquan train` reports these figures and
// the experiment tools call the same function, so a figure in results/ means the same thing everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dq/model.h"
#include "eval/eval.h"

namespace dqt {

/// SDC (from the query codes) and, if `adc`, ADC (from the queries' latent vectors): the results in
/// that order. gallery_codes: ng × M, query_codes: nq × M, query_x: nq × input_dim floats.
std::vector<EvalResult> evaluate_model(const dq::Model& model, const uint8_t* gallery_codes, size_t ng,
                                       const int32_t* gallery_labels, const uint8_t* query_codes,
                                       const float* query_x, size_t nq, const int32_t* query_labels,
                                       bool adc = true);

/// The same, encoding gallery_x (ng × input_dim) and query_x with the core first.
std::vector<EvalResult> evaluate_model(const dq::Model& model, const float* gallery_x, size_t ng,
                                       const int32_t* gallery_labels, const float* query_x, size_t nq,
                                       const int32_t* query_labels, bool adc = true);

}  // namespace dqt
