// NativeIndex's searches: from pixels / feature vectors, from latent vectors, from codes; the
// filter each takes, and the hits they return.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dq/filter.h"
#include "native_index.h"

namespace dqjs {

namespace {

// A search filter checked by js/filter.mjs: null, or { labels?: Int32Array, ids?: Uint32Array,
// excludeIds?: Uint32Array, bitmap?: Uint8Array }, turned into one bitmap by the core's helpers
// (what `deepquan search --labels / --ids / --exclude-ids` runs), the parts and'ed.
struct Filter {
    bool on = false;
    std::vector<uint8_t> bits;
};

Filter filter_of(const dq::Index& ix, const val& f) {
    Filter out;
    if (f.isNull() || f.isUndefined()) return out;
    const dq::Database& db = ix.database();
    auto combine = [&](std::vector<uint8_t> b) {
        if (out.on)
            dq::filter_and(out.bits.data(), b.data(), db.size());
        else
            out.bits = std::move(b);
        out.on = true;
    };
    if (!f["labels"].isUndefined()) {
        const auto l = copy_list<int32_t>(f["labels"]);
        combine(dq::filter_by_labels(db, l.data(), l.size()));
    }
    if (!f["ids"].isUndefined()) {
        const auto i = copy_list<uint32_t>(f["ids"]);
        combine(dq::filter_by_ids(db, i.data(), i.size(), true));
    }
    if (!f["excludeIds"].isUndefined()) {
        const auto i = copy_list<uint32_t>(f["excludeIds"]);
        combine(dq::filter_by_ids(db, i.data(), i.size(), false));
    }
    if (!f["bitmap"].isUndefined()) combine(copy_in<uint8_t>(f["bitmap"], dq::filter_bytes(db.size()), "filter: bitmap"));
    DQ_CHECK(out.on, "filter: none of labels, ids, excludeIds, bitmap given");
    return out;
}

dq::ScanOptions scan_options(size_t pool, bool exact, const Filter& f, size_t size) {
    dq::ScanOptions o;
    o.pool = pool;
    o.exact = exact;
    if (f.on) {
        o.allow = f.bits.data();
        o.allow_bits = size;
    }
    return o;
}

}  // namespace

/// n queries of per_query values of type T copied in (`what` names them in a length error), the
/// filter built, then scan(queries, hits, options) runs one of dq::Index's searches into the hits.
template <class T, class Scan>
val NativeIndex::ranked(const dq::Index& ix, const val& queries, size_t n, size_t per_query, const char* what,
                        size_t k, size_t pool, bool exact, const val& filter, Scan&& scan) const {
    const auto qs = copy_in<T>(queries, n * per_query, what);
    const Filter f = filter_of(ix, filter);
    Hits h(n * k);
    scan(qs.data(), h, scan_options(pool, exact, f, ix.size()));
    return results(h);
}

val NativeIndex::search(const val& x, size_t n, size_t k, const std::string& mode, size_t pool, bool exact,
                        const val& filter) const {
    return guarded([&] {
        const dq::Index& ix = get();
        const dq::SearchMode sm = dq::parse_search_mode(mode);
        return ranked<float>(ix, x, n, ix.model().input_dim(), "search: pixels", k, pool, exact, filter,
                             [&](const float* q, Hits& h, const dq::ScanOptions& o) {
                                 ix.search(q, n, k, sm, h.d.data(), h.ids.data(), o, h.pos.data());
                             });
    });
}

val NativeIndex::searchLatent(const val& z, size_t n, size_t k, const std::string& mode, size_t pool, bool exact,
                              const val& filter) const {
    return guarded([&] {
        const dq::Index& ix = get();
        const dq::SearchMode sm = dq::parse_search_mode(mode);
        return ranked<float>(ix, z, n, ix.model().latent_dim(), "searchLatent: latent vectors", k, pool, exact, filter,
                             [&](const float* q, Hits& h, const dq::ScanOptions& o) {
                                 ix.search_latent(q, n, k, sm, h.d.data(), h.ids.data(), o, h.pos.data());
                             });
    });
}

val NativeIndex::searchCodes(const val& codes, size_t n, size_t k, size_t pool, bool exact, const val& filter) const {
    return guarded([&] {
        const dq::Index& ix = get();
        return ranked<uint8_t>(ix, codes, n, ix.model().M, "searchCodes: codes", k, pool, exact, filter,
                               [&](const uint8_t* q, Hits& h, const dq::ScanOptions& o) {
                                   ix.search_codes(q, n, k, h.d.data(), h.ids.data(), o, h.pos.data());
                               });
    });
}

// Labels by the hit's position, not its id: a database may hold an id twice (addDatabase of
// overlapping collections), each item with its own label.
val NativeIndex::results(const Hits& h) const {
    const dq::Database& db = get().database();
    std::vector<double> idd(h.ids.begin(), h.ids.end()), posd(h.pos.begin(), h.pos.end());
    val o = val::object();
    o.set("distances", copy_out(h.d.data(), h.d.size()));
    o.set("ids", copy_out(idd.data(), idd.size()));
    o.set("positions", copy_out(posd.data(), posd.size()));
    if (db.has_labels()) {
        std::vector<int32_t> ls(h.pos.size(), -1);
        for (size_t j = 0; j < h.pos.size(); ++j)
            if (h.pos[j] >= 0) ls[j] = db.labels[size_t(h.pos[j])];
        o.set("labels", copy_out(ls.data(), ls.size()));
    } else {
        o.set("labels", val::null());
    }
    return o;
}

}  // namespace dqjs
