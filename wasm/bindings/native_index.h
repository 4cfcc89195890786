// NativeIndex: the JS-facing dq::Index (model + code database) that js/index.mjs wraps. Its
// lifetime, model information, encoding and item bookkeeping are in native_index.cpp; its searches
// (and the filters they take) in index_search.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dq/index.h"
#include "js_values.h"

namespace dqjs {

class NativeIndex {
public:
    /// Parses the model (and the database if has_db) from heap buffers the caller owns and frees.
    /// File errors are prefixed with the file they come from ("database file: ...").
    val open(uintptr_t model_ptr, size_t model_size, uintptr_t db_ptr, size_t db_size, bool has_db);
    val info() const;

    /// x: n × inputDim floats; returns {distances: Float32Array, ids: Float64Array, positions:
    /// Float64Array, labels: Int32Array|null} (padding: id and position -1).
    /// pool, exact: dq::ScanOptions (K = 16 fast-scan candidates, 0 = default; exact scan).
    /// filter: see filter_of in index_search.cpp (null = every item).
    val search(const val& x, size_t n, size_t k, const std::string& mode, size_t pool, bool exact,
               const val& filter) const;
    /// search() from latent vectors (n × latentDim floats, embed()'s output): the pool encodes a
    /// query once and its workers scan from it.
    val searchLatent(const val& z, size_t n, size_t k, const std::string& mode, size_t pool, bool exact,
                     const val& filter) const;
    /// SDC search from codes (n × M bytes), e.g. a database item's stored code.
    val searchCodes(const val& codes, size_t n, size_t k, size_t pool, bool exact, const val& filter) const;

    val encode(const val& x, size_t n) const;
    val embed(const val& x, size_t n) const;

    /// ids: Uint32Array(n); labels: Int32Array(n) or null.
    val add(const val& x, size_t n, const val& ids, const val& labels);
    /// Appends every item of a .dqdb (heap bytes the caller owns) encoded with this index's model:
    /// a collection's codes file (collection.mjs). Checked like open() checks a database; all or
    /// nothing. Returns the number of items added.
    val appendDatabase(uintptr_t ptr, size_t size);
    /// Removes the items carrying these ids (Uint32Array); returns how many went. All or nothing.
    val removeIds(const val& ids);
    /// Removes the items at these positions (Uint32Array, positions before the removal). All or nothing.
    val removePositions(const val& positions);

    val thumbnail(size_t position) const;
    val code(size_t position) const;
    /// The database as .dqdb bytes (what write_database makes natively): the items added since it
    /// was opened included, the removed ones gone, so any front end, the native CLI among them, can
    /// reopen it.
    val save() const;
    val labels() const;
    val ids() const;
    /// Position of an external id (first occurrence), or -1.
    val positionOf(double id) const;

    void close();

private:
    dq::Index& get() const {
        DQ_CHECK(index_ != nullptr, "this index is closed");
        return *index_;
    }

    struct Hits {
        explicit Hits(size_t n) : d(n), ids(n), pos(n) {}
        std::vector<float> d;
        std::vector<int64_t> ids, pos;
    };

    // The body the three searches share (index_search.cpp).
    template <class T, class Scan>
    val ranked(const dq::Index& ix, const val& queries, size_t n, size_t per_query, const char* what, size_t k,
               size_t pool, bool exact, const val& filter, Scan&& scan) const;
    val results(const Hits& h) const;

    int64_t position(double id) const;
    void rebuild_positions();
    void note_added(size_t before);

    std::unique_ptr<dq::Index> index_;
    bool identity_ = true;
    std::vector<std::pair<uint32_t, uint32_t>> by_id_;
};

}  // namespace dqjs
