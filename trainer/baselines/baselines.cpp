#include "baselines/baselines.h"

#include <Eigen/Dense>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "dq/error.h"
#include "pq/kmeans.h"
#include "baselines/pca.h"

namespace dqt {

namespace {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

size_t pq_m_for_bits(int bits, uint32_t K, const char* method) {
    DQ_CHECK(K == 256 || K == 16, "%s: K must be 256 or 16, got %u", method, K);
    const int sub = K == 256 ? 8 : 4;
    DQ_CHECK(bits >= sub && bits % sub == 0,
             "%s: bits must be a positive multiple of %d (%d bits per subspace for K = %u), got %d", method, sub, sub, K,
             bits);
    return size_t(bits) / size_t(sub);
}

std::vector<uint8_t> encode_all(const dq::ProductQuantizer& pq, const float* x, size_t n) {
    std::vector<uint8_t> codes(n * pq.M());
    pq.encode(x, n, codes.data());
    return codes;
}

void eval_pq_both(BaselineResult& r, const dq::ProductQuantizer& pq, const float* gx, size_t ng, const int32_t* gl,
                  const float* qx, size_t nq, const int32_t* ql, const EvalOptions& opt) {
    std::vector<uint8_t> gcodes = encode_all(pq, gx, ng);
    r.evals.push_back(evaluate_pq(pq, gcodes.data(), ng, gl, qx, nq, ql, false, opt));
    r.evals.push_back(evaluate_pq(pq, gcodes.data(), ng, gl, qx, nq, ql, true, opt));
}

}  // namespace

BaselineMethod parse_baseline_method(const std::string& s) {
    static const std::pair<const char*, BaselineMethod> names[] = {
        {"pq", BaselineMethod::pq},     {"opq", BaselineMethod::opq},   {"pcapq", BaselineMethod::pcapq},
        {"itq", BaselineMethod::itq},   {"lsh", BaselineMethod::lsh},   {"pcah", BaselineMethod::pcah},
        {"l2", BaselineMethod::l2},     {"daepq", BaselineMethod::daepq}};
    for (const auto& [n, m] : names)
        if (s == n) return m;
    throw dq::Error("unknown method '" + s + "' (expected pq, opq, pcapq, itq, lsh, pcah, l2 or daepq)");
}

bool baseline_uses_pq(BaselineMethod m) {
    return m == BaselineMethod::pq || m == BaselineMethod::opq || m == BaselineMethod::pcapq || m == BaselineMethod::daepq;
}

const char* to_string(BaselineMethod m) {
    switch (m) {
        case BaselineMethod::pq: return "pq";
        case BaselineMethod::opq: return "opq";
        case BaselineMethod::pcapq: return "pcapq";
        case BaselineMethod::itq: return "itq";
        case BaselineMethod::lsh: return "lsh";
        case BaselineMethod::pcah: return "pcah";
        case BaselineMethod::l2: return "l2";
        case BaselineMethod::daepq: return "daepq";
    }
    return "?";
}

dq::ProductQuantizer train_pq(const float* x, size_t n, size_t d, size_t M, size_t K, int kmeans_iters,
                              uint64_t seed, const float* init) {
    DQ_CHECK(M >= 1 && d % M == 0, "pq: %zu dimensions do not split into M = %zu equal subspaces", d, M);
    DQ_CHECK(n >= K, "pq: %zu training vectors for K = %zu codewords per subspace", n, K);
    const size_t dsub = d / M;
    std::vector<float> c = train_pq_codebooks(x, n, M, dsub, K, kmeans_iters, seed, nullptr, init);
    return dq::ProductQuantizer(uint32_t(M), uint32_t(K), uint32_t(dsub), std::move(c));
}

void Opq::rotate(const float* x, size_t n, float* out) const { matmul(x, n, d, rotation.data(), d, out); }

std::vector<size_t> eigenvalue_allocation(const std::vector<double>& eigenvalues, size_t M) {
    const size_t d = eigenvalues.size();
    DQ_CHECK(M >= 1 && d % M == 0, "eigenvalue allocation: %zu dimensions into M = %zu subspaces", d, M);
    const size_t cap = d / M;
    std::vector<std::vector<size_t>> buckets(M);
    std::vector<double> logprod(M, 0.0);
    for (size_t i = 0; i < d; ++i) {
        size_t best = M;
        for (size_t m = 0; m < M; ++m)
            if (buckets[m].size() < cap && (best == M || logprod[m] < logprod[best])) best = m;
        buckets[best].push_back(i);
        logprod[best] += std::log(std::max(eigenvalues[i], 1e-12));
    }
    std::vector<size_t> perm;
    for (const auto& b : buckets) perm.insert(perm.end(), b.begin(), b.end());
    return perm;
}

Opq train_opq(const float* x, size_t n, size_t d, size_t M, size_t K, int outer_iters, int kmeans_iters,
              int inner_iters, uint64_t seed) {
    DQ_CHECK(M >= 1 && d % M == 0, "opq: %zu dimensions do not split into M = %zu equal subspaces", d, M);
    Opq o;
    o.d = d;
    // Parametric start: principal directions, allocated to subspaces by balanced variance products.
    Pca pca = fit_pca(x, n, d, d);
    std::vector<size_t> perm = eigenvalue_allocation(pca.eigenvalues, M);
    o.rotation.assign(d * d, 0.0f);
    for (size_t j = 0; j < d; ++j)
        for (size_t i = 0; i < d; ++i) o.rotation[i * d + j] = pca.components[perm[j] * d + i];
    std::vector<float> y(n * d), yhat(n * d), m(d * d);
    std::vector<uint8_t> codes(n * M);
    o.rotate(x, n, y.data());
    o.pq = train_pq(y.data(), n, d, M, K, kmeans_iters, seed);
    o.distortion.push_back(o.pq.quantization_error(y.data(), n));
    for (int it = 0; it < outer_iters; ++it) {
        o.pq.encode(y.data(), n, codes.data());
        o.pq.decode(codes.data(), n, yhat.data());
        matmul_at_b(x, n, d, yhat.data(), d, m.data());
        o.rotation = procrustes(m.data(), d);
        o.rotate(x, n, y.data());
        std::vector<float> init = o.pq.centroids();
        o.pq = train_pq(y.data(), n, d, M, K, inner_iters, seed + 1 + uint64_t(it), init.data());
        o.distortion.push_back(o.pq.quantization_error(y.data(), n));
    }
    return o;
}

std::vector<uint64_t> BinaryHash::encode(const float* x, size_t n) const {
    using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Eigen::Map<const MatF> X(x, Eigen::Index(n), Eigen::Index(d));
    Eigen::Map<const MatF> P(projection.data(), Eigen::Index(d), Eigen::Index(bits));
    Eigen::Map<const Eigen::RowVectorXf> mu(mean.data(), Eigen::Index(d));
    MatF Y = (X.rowwise() - mu) * P;
    const size_t w = words();
    std::vector<uint64_t> out(n * w, 0);
    for (size_t i = 0; i < n; ++i)
        for (size_t b = 0; b < bits; ++b)
            if (Y(Eigen::Index(i), Eigen::Index(b)) >= 0.0f) out[i * w + b / 64] |= uint64_t(1) << (b % 64);
    return out;
}

namespace {

// PCAH's hash: sign of the projection onto the top `bits` principal components (projection = d × bits).
BinaryHash pcah_from(const Pca& pca) {
    BinaryHash h;
    h.d = pca.d;
    h.bits = pca.k;
    h.mean = pca.mean;
    h.projection.resize(pca.d * pca.k);
    for (size_t i = 0; i < pca.d; ++i)
        for (size_t b = 0; b < pca.k; ++b) h.projection[i * pca.k + b] = pca.components[b * pca.d + i];
    return h;
}

}  // namespace

BinaryHash train_pcah(const float* x, size_t n, size_t d, size_t bits) {
    DQ_CHECK(bits >= 1 && bits <= d, "pcah: %zu bits from %zu dimensions (need 1 <= bits <= dimensions)", bits, d);
    return pcah_from(fit_pca(x, n, d, bits));
}

BinaryHash train_itq(const float* x, size_t n, size_t d, size_t bits, int iters, uint64_t seed) {
    DQ_CHECK(bits >= 1 && bits <= d, "itq: %zu bits from %zu dimensions (need 1 <= bits <= dimensions)", bits, d);
    const Pca pca = fit_pca(x, n, d, bits);
    BinaryHash h = pcah_from(pca);
    std::vector<float> v(n * bits), z(n * bits), sgn(n * bits), m(bits * bits);
    pca.project(x, n, v.data());
    std::vector<float> r = random_orthogonal(bits, seed);
    for (int it = 0; it < iters; ++it) {
        matmul(v.data(), n, bits, r.data(), bits, z.data());
        double loss = 0;
        for (size_t i = 0; i < n * bits; ++i) {
            sgn[i] = z[i] >= 0.0f ? 1.0f : -1.0f;
            loss += double(sgn[i] - z[i]) * double(sgn[i] - z[i]);
        }
        h.loss.push_back(loss / double(n));
        matmul_at_b(v.data(), n, bits, sgn.data(), bits, m.data());
        r = procrustes(m.data(), bits);
    }
    // projection = componentsᵀ (d × bits) · R (bits × bits)
    std::vector<float> pt(h.projection);
    matmul(pt.data(), d, bits, r.data(), bits, h.projection.data());
    return h;
}

BinaryHash train_lsh(const float* x, size_t n, size_t d, size_t bits, uint64_t seed) {
    DQ_CHECK(bits >= 1, "lsh: bits must be positive");
    BinaryHash h;
    h.d = d;
    h.bits = bits;
    h.mean.assign(d, 0.0f);
    std::vector<double> mu(d, 0.0);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < d; ++j) mu[j] += x[i * d + j];
    for (size_t j = 0; j < d; ++j) h.mean[j] = float(mu[j] / double(std::max<size_t>(n, 1)));
    SplitMix64 rng(seed ^ 0x15c0ffee15ULL);
    h.projection.resize(d * bits);
    for (float& p : h.projection) p = float(rng.normal());
    return h;
}

BaselineResult run_baseline(const BaselineConfig& cfg, const Dataset& gallery, const Dataset& queries) {
    DQ_CHECK(gallery.dim == queries.dim, "baseline: gallery has %zu dimensions, queries %zu", gallery.dim,
             queries.dim);
    DQ_CHECK(gallery.has_labels() && queries.has_labels(), "baseline: evaluation needs labels");
    BaselineResult r;
    r.method = to_string(cfg.method);
    r.bits = cfg.bits;
    r.seed = cfg.seed;
    const size_t d = gallery.dim, ng = gallery.n, nq = queries.n;
    const int32_t* gl = gallery.labels.data();
    const int32_t* ql = queries.labels.data();
    DQ_CHECK(cfg.K == 256 || baseline_uses_pq(cfg.method),
             "%s: K = %u codewords applies to the PQ methods only (%s is a binary hash or exact)", r.method.c_str(), cfg.K,
             r.method.c_str());
    const size_t K = cfg.K;
    const double t0 = now_seconds();
    switch (cfg.method) {
        case BaselineMethod::pq: {
            const size_t M = pq_m_for_bits(cfg.bits, cfg.K, "pq");
            dq::ProductQuantizer pq = train_pq(gallery.x.data(), ng, d, M, K, cfg.kmeans_iters, cfg.seed);
            r.train_seconds = now_seconds() - t0;
            r.detail = dq::strformat("M=%zu K=%zu dsub=%zu", M, K, d / M);
            eval_pq_both(r, pq, gallery.x.data(), ng, gl, queries.x.data(), nq, ql, cfg.eval);
            break;
        }
        case BaselineMethod::opq: {
            const size_t M = pq_m_for_bits(cfg.bits, cfg.K, "opq");
            Opq o = train_opq(gallery.x.data(), ng, d, M, K, cfg.opq_iters, cfg.kmeans_iters, cfg.opq_inner, cfg.seed);
            r.train_seconds = now_seconds() - t0;
            r.detail = dq::strformat("M=%zu K=%zu dsub=%zu outer=%d distortion %.4f -> %.4f", M, K, d / M,
                                     cfg.opq_iters, o.distortion.front(), o.distortion.back());
            std::vector<float> gy(ng * d), qy(nq * d);
            o.rotate(gallery.x.data(), ng, gy.data());
            o.rotate(queries.x.data(), nq, qy.data());
            eval_pq_both(r, o.pq, gy.data(), ng, gl, qy.data(), nq, ql, cfg.eval);
            break;
        }
        case BaselineMethod::pcapq: {
            const size_t M = pq_m_for_bits(cfg.bits, cfg.K, "pcapq");
            const size_t L = std::min(16 * M, d - d % M);
            DQ_CHECK(L >= M, "pcapq: %zu dimensions are fewer than M = %zu", d, M);
            Pca pca = fit_pca(gallery.x.data(), ng, d, L);
            std::vector<float> gz(ng * L), qz(nq * L);
            pca.project(gallery.x.data(), ng, gz.data());
            pca.project(queries.x.data(), nq, qz.data());
            dq::ProductQuantizer pq = train_pq(gz.data(), ng, L, M, K, cfg.kmeans_iters, cfg.seed);
            r.train_seconds = now_seconds() - t0;
            r.detail = dq::strformat("PCA %zu -> %zu, M=%zu K=%zu dsub=%zu", d, L, M, K, L / M);
            eval_pq_both(r, pq, gz.data(), ng, gl, qz.data(), nq, ql, cfg.eval);
            break;
        }
        case BaselineMethod::itq:
        case BaselineMethod::lsh:
        case BaselineMethod::pcah: {
            DQ_CHECK(cfg.bits >= 1, "%s: bits must be positive, got %d", r.method.c_str(), cfg.bits);
            const size_t B = size_t(cfg.bits);
            BinaryHash h = cfg.method == BaselineMethod::itq   ? train_itq(gallery.x.data(), ng, d, B, cfg.itq_iters, cfg.seed)
                           : cfg.method == BaselineMethod::lsh ? train_lsh(gallery.x.data(), ng, d, B, cfg.seed)
                                                               : train_pcah(gallery.x.data(), ng, d, B);
            r.train_seconds = now_seconds() - t0;
            r.detail = dq::strformat("%zu bits", B);
            if (!h.loss.empty())
                r.detail += dq::strformat(", ITQ loss %.4f -> %.4f", h.loss.front(), h.loss.back());
            std::vector<uint64_t> gb = h.encode(gallery.x.data(), ng), qb = h.encode(queries.x.data(), nq);
            r.evals.push_back(evaluate_hamming(gb.data(), ng, h.words(), gl, qb.data(), nq, ql, cfg.eval));
            break;
        }
        case BaselineMethod::l2:
            r.detail = dq::strformat("exact float L2, %zu dimensions", d);
            r.evals.push_back(evaluate_l2(gallery.x.data(), ng, d, gl, queries.x.data(), nq, ql, cfg.eval));
            break;
        case BaselineMethod::daepq:
            throw dq::Error("daepq needs the autoencoder: run it through `deepquan baseline --method daepq`");
    }
    return r;
}

}  // namespace dqt
