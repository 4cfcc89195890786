// Index: a model plus a code database, searchable from raw pixels.
//
// This is the query-time object every front end shares (trainer CLI `search`, the wasm package, the
// page): encode the query with the model's encoder, build its M×K lookup table (SDC: from its own
// code through the K×K tables, paper Eq. 5; ADC: from its float latent vector), scan all codes with
// the kernel chosen at construction, keep the top k.
//
// Two scan paths, picked at construction from the model's K:
//   K = 256: the float LUT kernel (scan.h) over the n × M byte codes; exact.
//   K = 16 (M ≤ 256): the 4-bit fast-scan (fastscan.h) over a blocked copy of the codes, derived once
//     at construction and extended by add()/add_codes(); u8 table sums pick a candidate pool that is
//     re-ranked with the float LUT, so every returned distance is the exact one and a pool covering
//     the database returns exactly the exact scan's top-k. ScanOptions sets the pool or forces the
//     exact scan. The blocked copy costs ceil(n / 32) × 16 × M2 bytes (about half of the byte codes).
//
// Filtered search: ScanOptions::allow (a bitmap over positions, filter.h) is applied inside the top-k
// selection on both paths, so a row holds min(k, passing items) results, padded as past size().
//
// Updates: add() appends; remove_ids() / remove_positions() delete items by physical compaction:
// the remaining items keep their order and move down to dense positions 0..size()-1, so positions
// taken before a removal are stale after it (ids are the stable key), database() (and so
// write_database, save) holds only the remaining items, and the blocked fast-scan copy is rebuilt
// from the compacted codes. Removed items can never come back in results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dq/database.h"
#include "dq/encoder.h"
#include "dq/fastscan.h"
#include "dq/scan_batch.h"
#include "dq/model.h"
#include "dq/pq.h"
#include "dq/scan.h"

namespace dq {

enum class SearchMode : uint8_t { sdc = 0, adc = 1 };
/// Parses "sdc" | "adc"; throws dq::Error otherwise.
SearchMode parse_search_mode(const std::string& s);

/// How search() and search_codes() scan the codes. Distances returned are exact on every path.
struct ScanOptions {
    /// K = 16 fast-scan: candidates re-ranked exactly, 0 = fastscan_default_pool(k); clipped to
    /// [k, size()], so pool ≥ size() gives exactly the exact scan's top-k. A recall / speed knob;
    /// ignored on the exact path.
    size_t pool = 0;
    /// Scan every code with the float LUT kernel even when K = 16 (the reference the fast path is
    /// measured against).
    bool exact = false;
    /// Filter: nullptr (every item), or a bitmap of allow_bits = size() bits (filter.h) built for the
    /// database as it is now; only passing items are returned, and the fast-scan's pool is clipped
    /// to the passing count. A size other than size() throws dq::Error (a bitmap from before an
    /// add or remove).
    const uint8_t* allow = nullptr;
    size_t allow_bits = 0;
};

class Index {
public:
    /// Takes ownership. Throws FormatError if `db` was not encoded with `model`.
    Index(Model model, Database db);
    /// An empty database for `model` (fill it with add()).
    explicit Index(Model model);

    const Model& model() const { return model_; }
    const Database& database() const { return db_; }
    const ProductQuantizer& pq() const { return pq_; }
    const Encoder& encoder() const { return encoder_; }
    /// Whether search() and search_codes() take the fast-scan path by default (K = 16, M ≤ 256).
    bool fast_scan() const { return fast_kernel_ != nullptr; }
    /// The kernel a search with these options runs: e.g. "dq_scan_lut4_blk32__avx2" for K = 16,
    /// "dq_scan_lut8_u8__avx2" for K = 256 or with opt.exact. distances() always runs the latter.
    const char* scan_kernel_name(const ScanOptions& opt = {}) const {
        return fast_kernel_ && !opt.exact ? fast_kernel_->name : scan_->name;
    }
    /// The kernel a search of several queries at once runs: the batched scan (scan_batch.h, e.g.
    /// "dq_scan_lut8_q16__avx2") on the exact path where a SIMD one exists, else scan_kernel_name(opt)
    /// (the fast path, and the scalar-only builds, go query by query).
    const char* batch_scan_kernel_name(const ScanOptions& opt = {}) const {
        return batch_ && !(fast_kernel_ && !opt.exact) ? batch_->name : scan_kernel_name(opt);
    }
    /// Candidates a search for k results with these options re-ranks exactly (fastscan_pool()), or
    /// 0 on the exact path (K = 256, or opt.exact).
    size_t scan_pool(size_t k, const ScanOptions& opt = {}) const;
    size_t size() const { return db_.size(); }

    /// x: n × input_dim floats (already scaled as the model expects); z: n × latent_dim.
    /// Throws dq::Error on non-finite input.
    void embed(const float* x, size_t n, float* z) const;
    /// x: n × input_dim; codes: n × M.
    void encode(const float* x, size_t n, uint8_t* codes) const;

    /// x: n × input_dim; distances: n × k; ids: n × k (external ids, -1 padding past size()).
    /// Each row sorted by (distance, id, position). positions: nullptr, or n × k the hits' database
    /// positions (-1 padding): which item a hit is when ids repeat. Throws dq::Error if k == 0.
    void search(const float* x, size_t n, size_t k, SearchMode mode, float* distances, int64_t* ids,
                const ScanOptions& opt = {}, int64_t* positions = nullptr) const;
    /// search() from latent vectors already computed (z: n × latent_dim, embed()'s output): SDC
    /// encodes them, ADC scans from them; search() is embed() followed by this, bit for bit. Lets a
    /// front end encode once and scan shards elsewhere. Throws dq::Error on a non-finite value.
    void search_latent(const float* z, size_t n, size_t k, SearchMode mode, float* distances, int64_t* ids,
                       const ScanOptions& opt = {}, int64_t* positions = nullptr) const;
    /// SDC search from codes already computed (n × M bytes).
    void search_codes(const uint8_t* codes, size_t n, size_t k, float* distances, int64_t* ids,
                      const ScanOptions& opt = {}, int64_t* positions = nullptr) const;
    /// Distances to every database item for one query (size() floats), in database order; always
    /// the exact scan.
    void distances(const float* x, SearchMode mode, float* out) const;

    /// Encodes and appends n items. labels may be nullptr (stored as -1 if the database has labels).
    void add(const float* x, size_t n, const uint32_t* ids, const int32_t* labels);
    /// Appends n already-encoded items (the K = 16 blocked copy grows in place, never repacked).
    void add_codes(const uint8_t* codes, size_t n, const uint32_t* ids, const int32_t* labels);

    /// Removes every item carrying one of ids[0..n) (ids need not be unique in a database); returns
    /// how many items went. All or nothing: an id no item carries, or one listed twice, throws
    /// dq::Error naming it and removes nothing.
    size_t remove_ids(const uint32_t* ids, size_t n);
    /// Removes the items at positions[0..n) (positions before the removal, any order). All or
    /// nothing: a position out of range or listed twice throws dq::Error naming it.
    void remove_positions(const size_t* positions, size_t n);

    /// Position of an external id in the database, or -1.
    int64_t position_of(uint32_t id) const;

private:
    void lut_for(const float* z, const uint8_t* code, SearchMode mode, float* lut) const;
    void scan_topk(const float* lut, size_t k, const ScanOptions& opt, float* distances, int64_t* ids,
                   int64_t* positions) const;
    /// scan_topk for nq <= kScanBatch queries at once (luts: nq tables one after another), exact path
    /// only; row r of distances / ids / positions is query r's, equal to scan_topk's.
    void scan_topk_batch(const float* luts, size_t nq, size_t k, const ScanOptions& opt, float* distances,
                         int64_t* ids, int64_t* positions) const;
    /// The top-k of queries 0..n-1 whose tables lut(r, out) fills: in groups of kScanBatch through the
    /// batched scan on the exact path (a group of one, or the fast path, query by query).
    template <class Lut>
    void scan_queries(size_t n, size_t k, const ScanOptions& opt, float* distances, int64_t* ids,
                      int64_t* positions, Lut lut) const;
    void check_filter(const ScanOptions& opt) const;
    void compact(const std::vector<uint8_t>& drop);

    Model model_;
    Database db_;
    ProductQuantizer pq_;
    Encoder encoder_;
    std::vector<float> sdc_;     ///< M × K × K
    const ScanKernelInfo* scan_ = nullptr;
    FastScanCodes fast_;                               ///< blocked copy of db_.codes (K = 16 only)
    const FastScanKernelInfo* fast_kernel_ = nullptr;  ///< non-null when the fast path applies
    const ScanBatchKernelInfo* batch_ = nullptr;       ///< the batched scan of the exact path (null: none but the scalar one)
};

}  // namespace dq
