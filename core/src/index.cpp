#include "dq/index.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "dq/error.h"
#include "dq/filter.h"
#include "dq/format.h"
#include "dq/topk.h"

namespace dq {

namespace {

// Codes scanned per chunk before their distances go to the top-k: 8 KiB of floats stays in L1.
constexpr size_t kScanChunk = 2048;
// Queries embedded per encoder call (the encoder's batch path reuses each weight block across them).
constexpr size_t kQueryChunk = 64;

Model validated(Model m) {
    m.validate();
    return m;
}

Database compatible(const Model& model, Database db) {
    db.validate();
    check_compatible(model, db);
    return db;
}

// The fast path needs K = 16 and M within the u16 sums' range (fastscan.h); otherwise exact only.
bool fastscan_applies(const Model& m) { return m.K == 16 && m.M <= kFastScanMaxM; }

FastScanCodes blocked_codes(const Model& m, const Database& db) {
    return fastscan_applies(m) ? FastScanCodes(db.codes.data(), db.size(), m.M) : FastScanCodes();
}

const FastScanKernelInfo* fast_kernel_for(const Model& m) {
    return fastscan_applies(m) ? &best_fastscan_kernel() : nullptr;
}

// The batched scan where a SIMD kernel runs it. With only the scalar reference (the baseline wasm
// module, a CPU without AVX2) queries go one by one: there the batch measured 0.8x to 2.3x of 16 single
// searches (tests/bench/bench_scan --only batch, wasm baseline build), not a clear gain.
const ScanBatchKernelInfo* batch_kernel() {
    const ScanBatchKernelInfo& best = best_scan_batch_kernel();
    return best.fn == &dq_scan_lut8_q16__scalar ? nullptr : &best;
}

Database empty_for(const Model& model) {
    Database db;
    db.M = model.M;
    db.K = model.K;
    db.model_fingerprint = codebook_fingerprint(model);
    return db;
}

}  // namespace

SearchMode parse_search_mode(const std::string& s) {
    if (s == "sdc") return SearchMode::sdc;
    if (s == "adc") return SearchMode::adc;
    throw Error("unknown search mode \"" + s + "\" (expected sdc or adc)");
}

Index::Index(Model model, Database db)
    : model_(validated(std::move(model))),
      db_(compatible(model_, std::move(db))),
      pq_(model_.M, model_.K, model_.dsub, model_.codebooks),
      encoder_(model_),
      sdc_(pq_.compute_sdc_table()),
      scan_(&best_scan_kernel()),
      fast_(blocked_codes(model_, db_)),
      fast_kernel_(fast_kernel_for(model_)),
      batch_(batch_kernel()) {}

Index::Index(Model model)
    : model_(validated(std::move(model))),
      db_(empty_for(model_)),
      pq_(model_.M, model_.K, model_.dsub, model_.codebooks),
      encoder_(model_),
      sdc_(pq_.compute_sdc_table()),
      scan_(&best_scan_kernel()),
      fast_(blocked_codes(model_, db_)),
      fast_kernel_(fast_kernel_for(model_)),
      batch_(batch_kernel()) {}

void Index::embed(const float* x, size_t n, float* z) const { encoder_.forward(x, n, z); }

void Index::encode(const float* x, size_t n, uint8_t* codes) const {
    const size_t d = model_.input_dim(), L = model_.latent_dim();
    std::vector<float> z(std::min(n, kQueryChunk) * L);
    for (size_t r = 0; r < n; r += kQueryChunk) {
        const size_t rows = std::min(kQueryChunk, n - r);
        encoder_.forward(x + r * d, rows, z.data());
        pq_.encode(z.data(), rows, codes + r * model_.M);
    }
}

void Index::lut_for(const float* z, const uint8_t* code, SearchMode mode, float* lut) const {
    if (mode == SearchMode::adc)
        pq_.compute_adc_lut(z, lut);
    else
        ProductQuantizer::sdc_lut_from_code(sdc_.data(), model_.M, model_.K, code, lut);
}

size_t Index::scan_pool(size_t k, const ScanOptions& opt) const {
    if (!fast_kernel_ || opt.exact) return 0;
    check_filter(opt);
    return fastscan_pool(k, opt.pool, opt.allow ? filter_count(opt.allow, size()) : size());
}

void Index::check_filter(const ScanOptions& opt) const {
    DQ_CHECK(opt.allow || opt.allow_bits == 0, "filter: no bitmap given but allow_bits = %zu", opt.allow_bits);
    DQ_CHECK(!opt.allow || opt.allow_bits == size(),
             "filter: a bitmap of %zu positions for an index of %zu items (build it after the last add or remove)",
             opt.allow_bits, size());
}

void Index::scan_topk(const float* lut, size_t k, const ScanOptions& opt, float* distances, int64_t* ids,
                      int64_t* positions) const {
    if (fast_kernel_ && !opt.exact) {
        fast_.search(lut, k, opt.pool, db_.ids.data(), distances, ids, fast_kernel_->fn, opt.allow, positions);
        return;
    }
    const size_t n = size(), M = model_.M;
    const size_t kk = std::min(k, n);
    TopK top(kk);
    float buf[kScanChunk];
    static_assert(kScanChunk % 8 == 0, "a chunk starts on a bitmap byte");
    for (size_t first = 0; first < n; first += kScanChunk) {
        const size_t cnt = std::min(kScanChunk, n - first);
        const uint8_t* bits = opt.allow ? opt.allow + first / 8 : nullptr;
        // A chunk no item of which passes is not scanned at all.
        if (bits && std::all_of(bits, bits + filter_bytes(cnt), [](uint8_t b) { return b == 0; })) continue;
        scan_->fn(lut, model_.M, model_.K, db_.codes.data() + first * M, cnt, buf);
        // TopK never selects a NaN: failing items are masked out inside the selection.
        if (bits)
            for (size_t j = 0; j < cnt; ++j)
                if (!filter_passes(bits, j)) buf[j] = std::numeric_limits<float>::quiet_NaN();
        top.push(buf, db_.ids.data() + first, cnt, first);
    }
    top.result(distances, ids, positions);
    for (size_t j = kk; j < k; ++j) {
        distances[j] = std::numeric_limits<float>::infinity();
        ids[j] = -1;
        if (positions) positions[j] = -1;
    }
}

void Index::scan_topk_batch(const float* luts, size_t nq, size_t k, const ScanOptions& opt, float* distances,
                            int64_t* ids, int64_t* positions) const {
    const size_t n = size(), cells = size_t(model_.M) * model_.K;
    const size_t kk = std::min(k, n);
    std::vector<float> lutq(cells * kScanBatch);
    interleave_luts(luts, nq, model_.M, model_.K, lutq.data());
    std::vector<TopK> tops(nq, TopK(kk));
    scan_batch_topk(batch_->fn, lutq.data(), model_.M, model_.K, db_.codes.data(), n, db_.ids.data(), opt.allow, nq,
                    tops.data());
    for (size_t q = 0; q < nq; ++q) {
        float* d = distances + q * k;
        int64_t* id = ids + q * k;
        int64_t* pos = positions ? positions + q * k : nullptr;
        tops[q].result(d, id, pos);
        for (size_t j = kk; j < k; ++j) {
            d[j] = std::numeric_limits<float>::infinity();
            id[j] = -1;
            if (pos) pos[j] = -1;
        }
    }
}

template <class Lut>
void Index::scan_queries(size_t n, size_t k, const ScanOptions& opt, float* distances, int64_t* ids,
                         int64_t* positions, Lut lut) const {
    const size_t cells = size_t(model_.M) * model_.K;
    const bool batched = batch_ && !(fast_kernel_ && !opt.exact);
    std::vector<float> luts(cells * (batched ? kScanBatch : 1));
    for (size_t r0 = 0; r0 < n;) {
        const size_t g = batched ? std::min<size_t>(kScanBatch, n - r0) : 1;
        if (g == 1) {
            lut(r0, luts.data());
            scan_topk(luts.data(), k, opt, distances + r0 * k, ids + r0 * k, positions ? positions + r0 * k : nullptr);
        } else {
            for (size_t q = 0; q < g; ++q) lut(r0 + q, luts.data() + q * cells);
            scan_topk_batch(luts.data(), g, k, opt, distances + r0 * k, ids + r0 * k,
                            positions ? positions + r0 * k : nullptr);
        }
        r0 += g;
    }
}

void Index::search(const float* x, size_t n, size_t k, SearchMode mode, float* distances, int64_t* ids,
                   const ScanOptions& opt, int64_t* positions) const {
    DQ_CHECK(k > 0, "k must be positive, got 0");
    check_filter(opt);
    const size_t d = model_.input_dim(), L = model_.latent_dim();
    std::vector<float> z(std::min(n, kQueryChunk) * L);
    for (size_t r0 = 0; r0 < n; r0 += kQueryChunk) {
        const size_t rows = std::min(kQueryChunk, n - r0);
        encoder_.forward(x + r0 * d, rows, z.data());
        search_latent(z.data(), rows, k, mode, distances + r0 * k, ids + r0 * k, opt,
                      positions ? positions + r0 * k : nullptr);
    }
}

void Index::search_latent(const float* z, size_t n, size_t k, SearchMode mode, float* distances, int64_t* ids,
                          const ScanOptions& opt, int64_t* positions) const {
    DQ_CHECK(k > 0, "k must be positive, got 0");
    check_filter(opt);
    const size_t L = model_.latent_dim(), M = model_.M;
    for (size_t i = 0; i < n * L; ++i)
        DQ_CHECK(std::isfinite(z[i]), "search: latent vector %zu, dimension %zu is not finite", i / L, i % L);
    std::vector<uint8_t> code(M);
    scan_queries(n, k, opt, distances, ids, positions, [&](size_t r, float* lut) {
        const float* zr = z + r * L;
        if (mode == SearchMode::sdc) pq_.encode(zr, 1, code.data());
        lut_for(zr, code.data(), mode, lut);
    });
}

void Index::search_codes(const uint8_t* codes, size_t n, size_t k, float* distances, int64_t* ids,
                         const ScanOptions& opt, int64_t* positions) const {
    DQ_CHECK(k > 0, "k must be positive, got 0");
    check_filter(opt);
    scan_queries(n, k, opt, distances, ids, positions, [&](size_t r, float* lut) {
        lut_for(nullptr, codes + r * model_.M, SearchMode::sdc, lut);
    });
}

void Index::distances(const float* x, SearchMode mode, float* out) const {
    std::vector<float> z(model_.latent_dim()), lut(size_t(model_.M) * model_.K);
    std::vector<uint8_t> code(model_.M);
    encoder_.forward(x, 1, z.data());
    if (mode == SearchMode::sdc) pq_.encode(z.data(), 1, code.data());
    lut_for(z.data(), code.data(), mode, lut.data());
    for (size_t first = 0; first < size(); first += kScanChunk) {
        const size_t cnt = std::min(kScanChunk, size() - first);
        scan_->fn(lut.data(), model_.M, model_.K, db_.codes.data() + first * model_.M, cnt, out + first);
    }
}

void Index::add(const float* x, size_t n, const uint32_t* ids, const int32_t* labels) {
    std::vector<uint8_t> codes(n * model_.M);
    encode(x, n, codes.data());
    add_codes(codes.data(), n, ids, labels);
}

// Added items get what the database's optional columns need to stay consistent: label -1 when no
// label is given, zero thumbnails and empty strings (Index::add has no pixels to keep). Labels given
// to a database that had none start the column, the earlier items marked unknown (-1).
void Index::add_codes(const uint8_t* codes, size_t n, const uint32_t* ids, const int32_t* labels) {
    if (n == 0) return;
    DQ_CHECK(ids != nullptr, "add: %zu items but no ids", n);
    const size_t N = size(), M = model_.M;
    DQ_CHECK(n <= 0xffffffffull - N, "add: %zu items to %zu would exceed 2^32 - 1 items", n, N);
    for (size_t i = 0; i < n * M; ++i)
        DQ_CHECK(codes[i] < model_.K, "add: item %zu, subspace %zu: code %u is not below K=%u", i / M, i % M,
                 unsigned(codes[i]), model_.K);
    if (fast_kernel_) fast_.append(codes, n);
    db_.codes.insert(db_.codes.end(), codes, codes + n * M);
    db_.ids.insert(db_.ids.end(), ids, ids + n);
    // has_labels() is "labels is not empty", false for an empty index even once labels are given:
    // decide from what was there before, so the first labelled add keeps its labels.
    const bool had_labels = db_.has_labels();
    if (labels && !had_labels) db_.labels.assign(N, -1);
    if (labels || had_labels) {
        if (labels)
            db_.labels.insert(db_.labels.end(), labels, labels + n);
        else
            db_.labels.resize(N + n, -1);
    }
    // The shape, not the bytes: a database emptied by remove() keeps its thumbnail shape.
    if (db_.thumb_height) db_.thumbnails.resize((N + n) * db_.thumb_bytes(), 0);
    if (!db_.strings.empty()) db_.strings.resize(N + n);
}

size_t Index::remove_ids(const uint32_t* ids, size_t n) {
    if (n == 0) return 0;
    std::vector<uint32_t> want(ids, ids + n);
    std::sort(want.begin(), want.end());
    const auto dup = std::adjacent_find(want.begin(), want.end());
    DQ_CHECK(dup == want.end(), "remove: id %u is listed twice", *dup);
    std::vector<uint8_t> drop(size(), 0), found(n, 0);
    size_t count = 0;
    for (size_t i = 0; i < size(); ++i) {
        const auto it = std::lower_bound(want.begin(), want.end(), db_.ids[i]);
        if (it != want.end() && *it == db_.ids[i]) {
            drop[i] = 1;
            found[size_t(it - want.begin())] = 1;
            ++count;
        }
    }
    // The first unknown id in the caller's order.
    for (size_t j = 0; j < n; ++j) {
        const size_t w = size_t(std::lower_bound(want.begin(), want.end(), ids[j]) - want.begin());
        DQ_CHECK(found[w], "remove: no item has id %u (nothing removed)", ids[j]);
    }
    compact(drop);
    return count;
}

void Index::remove_positions(const size_t* positions, size_t n) {
    if (n == 0) return;
    std::vector<uint8_t> drop(size(), 0);
    for (size_t j = 0; j < n; ++j) {
        const size_t p = positions[j];
        DQ_CHECK(p < size(), "remove: position %zu out of range (%zu items; nothing removed)", p, size());
        DQ_CHECK(!drop[p], "remove: position %zu is listed twice (nothing removed)", p);
        drop[p] = 1;
    }
    compact(drop);
}

// Moves the kept items down in place, every column alike. The new blocked copy is built first, so an
// allocation failure leaves the index as it was; the in-place moves after it cannot throw.
void Index::compact(const std::vector<uint8_t>& drop) {
    const size_t N = size(), M = model_.M, tb = db_.thumb_bytes();
    std::vector<uint8_t> codes;
    codes.reserve(N * M);
    for (size_t i = 0; i < N; ++i)
        if (!drop[i]) codes.insert(codes.end(), db_.codes.begin() + ptrdiff_t(i * M), db_.codes.begin() + ptrdiff_t((i + 1) * M));
    const size_t kept = codes.size() / M;
    FastScanCodes fast = fast_kernel_ ? FastScanCodes(codes.data(), kept, model_.M) : FastScanCodes();
    size_t w = 0;
    for (size_t i = 0; i < N; ++i) {
        if (drop[i]) continue;
        db_.ids[w] = db_.ids[i];
        if (db_.has_labels()) db_.labels[w] = db_.labels[i];
        if (db_.has_thumbnails() && w != i)
            std::copy(db_.thumbnails.begin() + ptrdiff_t(i * tb), db_.thumbnails.begin() + ptrdiff_t((i + 1) * tb),
                      db_.thumbnails.begin() + ptrdiff_t(w * tb));
        if (!db_.strings.empty() && w != i) db_.strings[w] = std::move(db_.strings[i]);
        ++w;
    }
    db_.ids.resize(kept);
    if (db_.has_labels()) db_.labels.resize(kept);
    if (db_.has_thumbnails()) db_.thumbnails.resize(kept * tb);
    if (!db_.strings.empty()) db_.strings.resize(kept);
    db_.codes.swap(codes);
    fast_ = std::move(fast);
}

int64_t Index::position_of(uint32_t id) const {
    const auto it = std::find(db_.ids.begin(), db_.ids.end(), id);
    return it == db_.ids.end() ? -1 : int64_t(it - db_.ids.begin());
}

}  // namespace dq
