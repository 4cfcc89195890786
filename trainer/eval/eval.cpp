#include "eval/eval.h"

#include <Eigen/Dense>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>

#include "data/dataset.h"
#include "dq/error.h"
#include "dq/scan.h"

namespace dqt {

namespace {

// Maps a float to a u32 whose unsigned order is the float order (negatives included, NaN last).
inline uint32_t sortable(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::vector<size_t> default_pr_cutoffs(size_t ng) {
    std::vector<size_t> c;
    if (ng == 0) return c;
    const int steps = 40;
    for (int i = 0; i <= steps; ++i) {
        auto r = static_cast<size_t>(std::llround(std::pow(double(ng), double(i) / steps)));
        r = std::min(std::max<size_t>(r, 1), ng);
        if (c.empty() || c.back() != r) c.push_back(r);
    }
    if (c.back() != ng) c.push_back(ng);
    return c;
}

EvalResult evaluate_distances(const std::string& mode, size_t nq, size_t ng, const int32_t* gallery_labels,
                              const int32_t* query_labels, const DistanceBlock& distances,
                              const EvalOptions& opt) {
    DQ_CHECK(ng > 0, "evaluation: the gallery is empty");
    DQ_CHECK(ng < (size_t(1) << 32), "evaluation: gallery of %zu items exceeds 2^32", ng);
    DQ_CHECK(nq > 0, "evaluation: no queries");
    DQ_CHECK(gallery_labels && query_labels, "evaluation needs labels for the gallery and the queries");
    int32_t max_label = 0;
    for (size_t i = 0; i < ng; ++i) {
        DQ_CHECK(gallery_labels[i] >= 0, "evaluation: gallery item %zu has label %d (labels must be >= 0)", i,
                 gallery_labels[i]);
        max_label = std::max(max_label, gallery_labels[i]);
    }
    for (size_t q = 0; q < nq; ++q) {
        DQ_CHECK(query_labels[q] >= 0, "evaluation: query %zu has label %d (labels must be >= 0)", q, query_labels[q]);
        max_label = std::max(max_label, query_labels[q]);
    }
    std::vector<int64_t> counts(size_t(max_label) + 1, 0);
    for (size_t i = 0; i < ng; ++i) ++counts[size_t(gallery_labels[i])];

    EvalResult res;
    res.mode = mode;
    res.map_k = opt.map_k;
    res.prec_k = opt.prec_k;
    res.pr_cutoffs = opt.pr_cutoffs.empty() ? default_pr_cutoffs(ng) : opt.pr_cutoffs;
    const size_t nc = res.pr_cutoffs.size();
    res.query_ap.assign(nq, 0);
    res.query_ap_k.assign(nq, 0);
    res.query_p_k.assign(nq, 0);
    res.query_p_10.assign(nq, 0);
    std::vector<double> pr_p(nq * nc, 0), pr_r(nq * nc, 0);

    const double t0 = now_seconds();
    const size_t block = std::max<size_t>(1, std::min<size_t>({nq, 256, (size_t(16) << 20) / ng}));
    std::vector<float> dist(block * ng);
    std::exception_ptr error;
    for (size_t first = 0; first < nq; first += block) {
        const size_t count = std::min(block, nq - first);
        distances(first, count, dist.data());
#pragma omp parallel
        {
            std::vector<uint64_t> keys(ng);
            std::vector<int32_t> ranked(ng);
#pragma omp for schedule(dynamic, 1)
            for (long long qi = 0; qi < (long long)count; ++qi) {
                try {
                    const float* d = &dist[size_t(qi) * ng];
                    for (size_t i = 0; i < ng; ++i) keys[i] = (uint64_t(sortable(d[i])) << 32) | i;
                    std::sort(keys.begin(), keys.end());
                    for (size_t r = 0; r < ng; ++r) ranked[r] = gallery_labels[keys[r] & 0xffffffffu];
                    const size_t q = first + size_t(qi);
                    dq::RetrievalMetrics m = dq::evaluate_rankings(&query_labels[q], 1, ranked.data(), ng, counts,
                                                                   opt.map_k, opt.prec_k, res.pr_cutoffs);
                    res.query_ap[q] = m.map_all;
                    res.query_ap_k[q] = m.map_at_k;
                    res.query_p_k[q] = m.precision_at_k;
                    std::vector<uint8_t> rel(std::min<size_t>(ng, 10));
                    for (size_t r = 0; r < rel.size(); ++r) rel[r] = ranked[r] == query_labels[q];
                    res.query_p_10[q] = dq::precision_at(rel.data(), rel.size(), 10);
                    for (size_t c = 0; c < nc && c < m.pr.size(); ++c) {
                        pr_p[q * nc + c] = m.pr[c].precision;
                        pr_r[q * nc + c] = m.pr[c].recall;
                    }
                } catch (...) {
#pragma omp critical
                    if (!error) error = std::current_exception();
                }
            }
        }
        if (error) std::rethrow_exception(error);
    }
    // Reduce in query order: the same sums whatever the thread count.
    dq::RetrievalMetrics& m = res.metrics;
    m.pr.assign(nc, dq::PrPoint{0, 0});
    for (size_t q = 0; q < nq; ++q) {
        m.map_all += res.query_ap[q];
        m.map_at_k += res.query_ap_k[q];
        m.precision_at_k += res.query_p_k[q];
        res.precision_at_10 += res.query_p_10[q];
        for (size_t c = 0; c < nc; ++c) {
            m.pr[c].precision += pr_p[q * nc + c];
            m.pr[c].recall += pr_r[q * nc + c];
        }
    }
    m.map_all /= double(nq);
    m.map_at_k /= double(nq);
    m.precision_at_k /= double(nq);
    res.precision_at_10 /= double(nq);
    for (auto& p : m.pr) {
        p.precision /= double(nq);
        p.recall /= double(nq);
    }
    res.seconds = now_seconds() - t0;
    return res;
}

namespace {

// Distance rows for queries [first, first + count): one lookup table per query (lut_of(q, lut) fills
// it), scanned over every gallery code with the best kernel; queries in parallel.
template <class LutOf>
auto lut_scan_block(uint32_t M, uint32_t K, const uint8_t* gallery_codes, size_t ng, LutOf lut_of) {
    const dq::ScanKernel scan = dq::best_scan_kernel().fn;
    return [=](size_t first, size_t count, float* out) {
#pragma omp parallel
        {
            std::vector<float> lut(size_t(M) * K);
#pragma omp for schedule(static)
            for (long long i = 0; i < (long long)count; ++i) {
                lut_of(first + size_t(i), lut.data());
                scan(lut.data(), M, K, gallery_codes, ng, &out[size_t(i) * ng]);
            }
        }
    };
}

}  // namespace

EvalResult evaluate_pq_codes(const dq::ProductQuantizer& pq, const uint8_t* gallery_codes, size_t ng,
                             const int32_t* gallery_labels, const uint8_t* query_codes, size_t nq,
                             const int32_t* query_labels, const EvalOptions& opt) {
    const uint32_t M = pq.M(), K = pq.K();
    const std::vector<float> sdc = pq.compute_sdc_table();
    auto block = lut_scan_block(M, K, gallery_codes, ng, [&](size_t q, float* lut) {
        dq::ProductQuantizer::sdc_lut_from_code(sdc.data(), M, K, &query_codes[q * M], lut);
    });
    return evaluate_distances("sdc", nq, ng, gallery_labels, query_labels, block, opt);
}

EvalResult evaluate_pq(const dq::ProductQuantizer& pq, const uint8_t* gallery_codes, size_t ng,
                       const int32_t* gallery_labels, const float* query_z, size_t nq,
                       const int32_t* query_labels, bool adc, const EvalOptions& opt) {
    if (!adc) {
        std::vector<uint8_t> qcodes(nq * pq.M());
        pq.encode(query_z, nq, qcodes.data());
        return evaluate_pq_codes(pq, gallery_codes, ng, gallery_labels, qcodes.data(), nq, query_labels, opt);
    }
    const uint32_t M = pq.M(), K = pq.K();
    const size_t dim = pq.dim();
    auto block = lut_scan_block(M, K, gallery_codes, ng,
                                [&](size_t q, float* lut) { pq.compute_adc_lut(&query_z[q * dim], lut); });
    return evaluate_distances("adc", nq, ng, gallery_labels, query_labels, block, opt);
}

EvalResult evaluate_hamming(const uint64_t* gallery_bits, size_t ng, size_t words, const int32_t* gallery_labels,
                            const uint64_t* query_bits, size_t nq, const int32_t* query_labels,
                            const EvalOptions& opt) {
    auto block = [&](size_t first, size_t count, float* out) {
#pragma omp parallel for schedule(static)
        for (long long i = 0; i < (long long)count; ++i) {
            const uint64_t* q = &query_bits[(first + size_t(i)) * words];
            float* o = &out[size_t(i) * ng];
            for (size_t g = 0; g < ng; ++g) {
                const uint64_t* b = &gallery_bits[g * words];
                int d = 0;
                for (size_t w = 0; w < words; ++w) d += __builtin_popcountll(q[w] ^ b[w]);
                o[g] = float(d);
            }
        }
    };
    return evaluate_distances("hamming", nq, ng, gallery_labels, query_labels, block, opt);
}

EvalResult evaluate_l2(const float* gallery, size_t ng, size_t d, const int32_t* gallery_labels,
                       const float* queries, size_t nq, const int32_t* query_labels, const EvalOptions& opt) {
    using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Eigen::Map<const MatF> G(gallery, Eigen::Index(ng), Eigen::Index(d));
    Eigen::VectorXf gnorm = G.rowwise().squaredNorm();
    auto block = [&](size_t first, size_t count, float* out) {
        Eigen::Map<const MatF> Q(queries + first * d, Eigen::Index(count), Eigen::Index(d));
        Eigen::Map<MatF> D(out, Eigen::Index(count), Eigen::Index(ng));
        D.noalias() = Q * G.transpose();
        Eigen::VectorXf qnorm = Q.rowwise().squaredNorm();
        for (Eigen::Index i = 0; i < D.rows(); ++i)
            for (Eigen::Index j = 0; j < D.cols(); ++j)
                D(i, j) = std::max(0.0f, qnorm[i] + gnorm[j] - 2.0f * D(i, j));
    };
    return evaluate_distances("l2", nq, ng, gallery_labels, query_labels, block, opt);
}

MeanStd mean_std(const std::vector<double>& v) {
    MeanStd r;
    if (v.empty()) return r;
    for (double x : v) r.mean += x;
    r.mean /= double(v.size());
    if (v.size() > 1) {
        double s = 0;
        for (double x : v) s += (x - r.mean) * (x - r.mean);
        r.std = std::sqrt(s / double(v.size() - 1));
    }
    return r;
}

MetricSpread bootstrap_queries(const EvalResult& r, size_t trials, uint64_t seed) {
    const size_t nq = r.query_ap.size();
    DQ_CHECK(nq > 0, "bootstrap: the result has no per-query figures");
    std::vector<double> a, b, c;
    for (size_t t = 0; t < trials; ++t) {
        SplitMix64 rng(seed + t);
        double sa = 0, sb = 0, sc = 0;
        for (size_t i = 0; i < nq; ++i) {
            size_t q = rng.below(nq);
            sa += r.query_ap[q];
            sb += r.query_ap_k[q];
            sc += r.query_p_k[q];
        }
        a.push_back(sa / double(nq));
        b.push_back(sb / double(nq));
        c.push_back(sc / double(nq));
    }
    return MetricSpread{mean_std(a), mean_std(b), mean_std(c)};
}

MetricSpread spread_of(const std::vector<const EvalResult*>& results) {
    std::vector<double> a, b, c;
    for (const EvalResult* r : results) {
        a.push_back(r->metrics.map_all);
        b.push_back(r->metrics.map_at_k);
        c.push_back(r->metrics.precision_at_k);
    }
    return MetricSpread{mean_std(a), mean_std(b), mean_std(c)};
}

}  // namespace dqt
