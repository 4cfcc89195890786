// Retrieval metrics over ranked lists (relevance = same label).
//
// Conventions, as in the hashing literature the paper follows:
//  - AP of one ranked list of n items: (1/R) Σ_{r: rel(r)} precision@r, R = relevant items in the list.
//    MAP@All ranks the whole gallery (R = all relevant items in the gallery).
//  - MAP@k: the same over the top k only, normalized by the relevant items retrieved in the top k
//    (a list with none retrieved scores 0).
//  - precision@k = relevant in top k / k.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dq {

/// rel: n flags (1 = relevant), in rank order. Average precision normalized by the relevant items
/// among these n (0 when there are none).
double average_precision(const uint8_t* rel, size_t n);

/// Relevant items in the first k (k clipped to n), divided by k.
double precision_at(const uint8_t* rel, size_t n, size_t k);

/// Precision and recall after each of the given cut-offs. total_relevant: relevant items in the whole
/// gallery (recall's denominator).
struct PrPoint {
    double precision;
    double recall;
};
std::vector<PrPoint> pr_curve(const uint8_t* rel, size_t n, size_t total_relevant,
                              const std::vector<size_t>& cutoffs);

/// Aggregate evaluation of nq queries against a gallery.
/// ranked_labels: nq × n_ranked gallery labels in rank order (n_ranked = gallery size for MAP@All).
struct RetrievalMetrics {
    double map_all = 0;     ///< mean AP over the full ranking
    double map_at_k = 0;    ///< mean AP@map_k
    double precision_at_k = 0;  ///< mean precision@prec_k
    std::vector<PrPoint> pr;    ///< mean precision / recall at the cut-offs
};
RetrievalMetrics evaluate_rankings(const int32_t* query_labels, size_t nq, const int32_t* ranked_labels,
                                   size_t n_ranked, const std::vector<int64_t>& gallery_label_counts_by_label,
                                   size_t map_k, size_t prec_k, const std::vector<size_t>& pr_cutoffs);

}  // namespace dq
