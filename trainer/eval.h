// Evaluation of PQ codes with the paper's protocol: rank the gallery for every query by SDC (Eq. 5)
// or ADC, then MAP@All, MAP@k, precision@k and a precision-recall curve (relevance = same label).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dq/metrics.h"
#include "dq/pq.h"

namespace dqt {

struct EvalResult {
    std::string mode;               ///< "sdc", "adc", "hamming", "l2"
    dq::RetrievalMetrics metrics;   ///< map_all, map_at_k (k = 1000), precision_at_k (k = 100), pr
    double seconds = 0;
};

/// pq: the quantizer; gallery_codes: ng × M; query_z: nq × dim floats (ADC uses these, SDC encodes
/// them first). Labels are the relevance ground truth. Uses the core's scan kernels and top-k.
EvalResult evaluate_pq(const dq::ProductQuantizer& pq, const uint8_t* gallery_codes, size_t ng,
                       const int32_t* gallery_labels, const float* query_z, size_t nq,
                       const int32_t* query_labels, bool adc);

}  // namespace dqt

