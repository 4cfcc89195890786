// Evaluation with the paper's protocol: rank the whole gallery for every query, then MAP@All,
// MAP@k, precision@k and a precision-recall curve (relevance = same label), through dq::metrics.
//
// Rankings sort by (distance, gallery position): ties — frequent with SDC tables and Hamming
// distances — go to the earlier gallery item, so a result never depends on the thread count.
// Queries run in parallel (OpenMP); per-query figures are reduced in query order, so the means are
// bit-identical for any number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dq/metrics.h"
#include "dq/pq.h"

namespace dqt {

struct EvalOptions {
    size_t map_k = 1000;              ///< MAP@k cut-off
    size_t prec_k = 100;              ///< precision@k cut-off
    std::vector<size_t> pr_cutoffs;   ///< ranks of the PR curve; empty = default_pr_cutoffs(gallery)
};

struct EvalResult {
    std::string mode;               ///< "sdc", "adc", "hamming", "l2"
    dq::RetrievalMetrics metrics;   ///< map_all, map_at_k (k = 1000), precision_at_k (k = 100), pr
    double seconds = 0;             ///< wall time of ranking + scoring
    size_t map_k = 1000;            ///< cut-offs the metrics used
    size_t prec_k = 100;
    std::vector<size_t> pr_cutoffs; ///< ranks of metrics.pr
    std::vector<double> query_ap;   ///< nq: AP over the full ranking per query (for resampling)
    std::vector<double> query_ap_k; ///< nq: AP@map_k per query
    std::vector<double> query_p_k;  ///< nq: precision@prec_k per query
    /// Precision@10 (dq::precision_at with k = 10), beside precision@prec_k: the first screen of results a
    /// person sees, which the clip-art benchmark reports. Not in the PR curve, whose cut-offs are log-spaced.
    double precision_at_10 = 0;
    std::vector<double> query_p_10; ///< nq: precision@10 per query
};

/// About 40 log-spaced ranks from 1 to ng (always including ng).
std::vector<size_t> default_pr_cutoffs(size_t ng);

/// Fills out[0 .. count*ng) with the distances of queries [first, first+count) to every gallery item
/// (row-major, one row of ng per query). Called from one thread; may parallelize inside.
using DistanceBlock = std::function<void(size_t first, size_t count, float* out)>;

/// The generic evaluator all the others share: ranks each query's row and scores it.
EvalResult evaluate_distances(const std::string& mode, size_t nq, size_t ng, const int32_t* gallery_labels,
                              const int32_t* query_labels, const DistanceBlock& distances,
                              const EvalOptions& opt = {});

/// pq: the quantizer; gallery_codes: ng × M; query_z: nq × dim floats (ADC uses these, SDC encodes
/// them first). Labels are the relevance ground truth. Uses the core's scan kernels and top-k.
EvalResult evaluate_pq(const dq::ProductQuantizer& pq, const uint8_t* gallery_codes, size_t ng,
                       const int32_t* gallery_labels, const float* query_z, size_t nq,
                       const int32_t* query_labels, bool adc, const EvalOptions& opt = {});

/// SDC from query codes already computed (nq × M), e.g. by dq::Index::encode.
EvalResult evaluate_pq_codes(const dq::ProductQuantizer& pq, const uint8_t* gallery_codes, size_t ng,
                             const int32_t* gallery_labels, const uint8_t* query_codes, size_t nq,
                             const int32_t* query_labels, const EvalOptions& opt = {});

/// Hamming ranking of bit codes: words 64-bit words per code (bits beyond B are zero), gallery
/// ng × words, queries nq × words. Distance = popcount(q xor g).
EvalResult evaluate_hamming(const uint64_t* gallery_bits, size_t ng, size_t words, const int32_t* gallery_labels,
                            const uint64_t* query_bits, size_t nq, const int32_t* query_labels,
                            const EvalOptions& opt = {});

/// Exact squared L2 between float vectors (gallery ng × d, queries nq × d): the reference ranking.
EvalResult evaluate_l2(const float* gallery, size_t ng, size_t d, const int32_t* gallery_labels,
                       const float* queries, size_t nq, const int32_t* query_labels,
                       const EvalOptions& opt = {});

/// Mean and sample standard deviation (0 for fewer than two values).
struct MeanStd {
    double mean = 0;
    double std = 0;
};
MeanStd mean_std(const std::vector<double>& v);

/// Mean ± std of MAP@All, MAP@k and precision@k.
struct MetricSpread {
    MeanStd map_all, map_at_k, precision_at_k;
};

/// Bootstrap resampling of the queries of one result: `trials` resamples (with replacement) drawn
/// with seeds seed, seed+1, ...
MetricSpread bootstrap_queries(const EvalResult& r, size_t trials, uint64_t seed);

/// Spread over several results of the same kind (e.g. one per seed).
MetricSpread spread_of(const std::vector<const EvalResult*>& results);

}  // namespace dqt
