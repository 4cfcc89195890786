#include "dq/metrics.h"

#include "dq/error.h"

namespace dq {

double average_precision(const uint8_t* rel, size_t n) {
    size_t hits = 0;
    double sum = 0.0;
    for (size_t r = 0; r < n; ++r) {
        if (!rel[r]) continue;
        ++hits;
        sum += double(hits) / double(r + 1);
    }
    return hits ? sum / double(hits) : 0.0;
}

double precision_at(const uint8_t* rel, size_t n, size_t k) {
    DQ_CHECK(k > 0, "precision_at: k must be positive, got 0");
    const size_t top = k < n ? k : n;
    size_t hits = 0;
    for (size_t r = 0; r < top; ++r) hits += rel[r] ? 1 : 0;
    return double(hits) / double(k);
}

std::vector<PrPoint> pr_curve(const uint8_t* rel, size_t n, size_t total_relevant, const std::vector<size_t>& cutoffs) {
    std::vector<PrPoint> out;
    out.reserve(cutoffs.size());
    for (size_t c = 0; c < cutoffs.size(); ++c) {
        DQ_CHECK(cutoffs[c] > 0, "pr_curve: cut-off %zu is 0, must be positive", c);
        const size_t top = cutoffs[c] < n ? cutoffs[c] : n;
        size_t hits = 0;
        for (size_t r = 0; r < top; ++r) hits += rel[r] ? 1 : 0;
        DQ_CHECK(hits <= total_relevant,
                 "pr_curve: %zu relevant items in the top %zu but total_relevant is only %zu", hits, top,
                 total_relevant);
        out.push_back(PrPoint{double(hits) / double(cutoffs[c]),
                              total_relevant ? double(hits) / double(total_relevant) : 0.0});
    }
    return out;
}

RetrievalMetrics evaluate_rankings(const int32_t* query_labels, size_t nq, const int32_t* ranked_labels,
                                   size_t n_ranked, const std::vector<int64_t>& gallery_label_counts_by_label,
                                   size_t map_k, size_t prec_k, const std::vector<size_t>& pr_cutoffs) {
    DQ_CHECK(nq > 0, "evaluate_rankings: no queries (nq = 0)");
    DQ_CHECK(map_k > 0, "evaluate_rankings: map_k must be positive, got 0");
    DQ_CHECK(prec_k > 0, "evaluate_rankings: prec_k must be positive, got 0");
    RetrievalMetrics m;
    m.pr.assign(pr_cutoffs.size(), PrPoint{0.0, 0.0});
    std::vector<uint8_t> rel(n_ranked);
    const size_t top_k = map_k < n_ranked ? map_k : n_ranked;
    for (size_t q = 0; q < nq; ++q) {
        const int32_t label = query_labels[q];
        DQ_CHECK(label >= 0 && size_t(label) < gallery_label_counts_by_label.size(),
                 "evaluate_rankings: query %zu has label %d, outside the %zu label counts", q, label,
                 gallery_label_counts_by_label.size());
        const int64_t total = gallery_label_counts_by_label[size_t(label)];
        DQ_CHECK(total >= 0, "evaluate_rankings: gallery count of label %d is negative (%lld)", label,
                 (long long)total);
        const int32_t* ranked = ranked_labels + q * n_ranked;
        for (size_t r = 0; r < n_ranked; ++r) rel[r] = ranked[r] == label ? 1 : 0;
        m.map_all += average_precision(rel.data(), n_ranked);
        m.map_at_k += average_precision(rel.data(), top_k);
        m.precision_at_k += precision_at(rel.data(), n_ranked, prec_k);
        const std::vector<PrPoint> pr = pr_curve(rel.data(), n_ranked, size_t(total), pr_cutoffs);
        for (size_t c = 0; c < pr.size(); ++c) {
            m.pr[c].precision += pr[c].precision;
            m.pr[c].recall += pr[c].recall;
        }
    }
    const double count = double(nq);
    m.map_all /= count;
    m.map_at_k /= count;
    m.precision_at_k /= count;
    for (PrPoint& p : m.pr) {
        p.precision /= count;
        p.recall /= count;
    }
    return m;
}

}  // namespace dq
