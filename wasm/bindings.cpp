// Embind layer over dq::Index: the only file that includes emscripten headers.
//
// Conventions (the ESM wrapper in js/index.mjs builds the public API on them):
// - Inputs are JS typed arrays, copied into C++ vectors once (typed_memory_view(...).set(arr)).
// - Outputs are fresh typed arrays (.slice() of a view over a C++ buffer); no heap view outlives a
//   call, since memory growth detaches them.
// - Errors: every entry point catches dq::Error / std::exception and RETURNS a real JS Error made
//   with val::global("Error").new_(msg); the wrapper's shim throws it. Throwing it from here with
//   val::throw_() unwinds the wasm frames from JS without running their epilogues: measured on
//   3.1.6, the shadow-stack pointer then leaks ~48 bytes per error and the C++ exception object is
//   never freed, so enough bad calls would overflow the stack. Returning keeps both intact.
// - Big files go through a heap buffer: JS allocates it with allocBuffer(n), streams the download
//   into HEAPU8 at that address, and NativeIndex.open() parses from it; then JS frees it.
#include <emscripten/bind.h>
#include <emscripten/emmalloc.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dq/error.h"
#include "dq/filter.h"
#include "dq/format.h"
#include "dq/image.h"
#include "dq/index.h"

using emscripten::typed_memory_view;
using emscripten::val;

namespace {

val js_error(const std::string& msg) { return val::global("Error").new_(msg); }

// Runs f() and converts any C++ exception into a returned JS Error.
template <class F>
val guarded(F&& f) {
    try {
        return f();
    } catch (const std::bad_alloc&) {
        return js_error("out of memory (the WebAssembly heap is limited to 1 GiB)");
    } catch (const std::exception& e) {
        return js_error(e.what());
    } catch (...) {
        return js_error("deepquan: unknown native error");
    }
}

template <class T>
std::vector<T> copy_in(const val& arr, size_t expected, const char* what) {
    const size_t len = arr["length"].as<size_t>();
    DQ_CHECK(len == expected, "%s: expected %zu values, got %zu", what, expected, len);
    std::vector<T> v(len);
    if (len) val(typed_memory_view(len, v.data())).call<void>("set", arr);
    return v;
}

template <class T>
val copy_out(const T* p, size_t n) {
    return val(typed_memory_view(n, p)).call<val>("slice");
}

/// [height, width, channels] of a database's thumbnails, or null when it has none.
val thumb_shape(const dq::Database& db) {
    if (!db.thumb_height) return val::null();
    val shape = val::array();
    shape.call<void>("push", db.thumb_height);
    shape.call<void>("push", db.thumb_width);
    shape.call<void>("push", db.thumb_channels);
    return shape;
}

/// The colour an ImageData-like query is composited over: the one the model recorded (IMGP) for a
/// model trained on image files; black for any other model, since those were trained on pixel
/// datasets such as MNIST (white ink on black) and the page's drawing canvas relies on it.
uint32_t query_background(const dq::Model& m) { return m.input.from_image_files ? m.input.background : 0x000000; }

template <class T>
std::vector<T> copy_list(const val& arr) {
    const size_t len = arr["length"].as<size_t>();
    std::vector<T> v(len);
    if (len) val(typed_memory_view(len, v.data())).call<void>("set", arr);
    return v;
}

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

class NativeIndex {
public:
    /// Parses the model (and the database if has_db) from heap buffers the caller owns and frees.
    /// File errors are prefixed with the file they come from ("database file: ...").
    val open(uintptr_t model_ptr, size_t model_size, uintptr_t db_ptr, size_t db_size, bool has_db) {
        return guarded([&] {
            DQ_CHECK(!index_, "open: this index is already open");
            dq::Model model;
            try {
                model = dq::read_model(reinterpret_cast<const uint8_t*>(model_ptr), model_size);
            } catch (const dq::Error& e) {
                throw dq::FormatError(std::string("model file: ") + e.what());
            }
            if (has_db) {
                try {
                    dq::Database db = dq::read_database(reinterpret_cast<const uint8_t*>(db_ptr), db_size);
                    index_ = std::make_unique<dq::Index>(std::move(model), std::move(db));
                } catch (const dq::Error& e) {
                    throw dq::FormatError(std::string("database file: ") + e.what());
                }
            } else {
                index_ = std::make_unique<dq::Index>(std::move(model));
            }
            rebuild_positions();
            return val::undefined();
        });
    }

    val info() const {
        return guarded([&] {
            const dq::Index& ix = get();
            const dq::Model& m = ix.model();
            const dq::Database& db = ix.database();
            val o = val::object();
            o.set("inputDim", m.input_dim());
            o.set("height", m.input.height);
            o.set("width", m.input.width);
            o.set("channels", m.input.channels);
            o.set("scale", m.input.scale);
            o.set("standardized", m.input.standardized());
            o.set("latentDim", m.latent_dim());
            o.set("M", m.M);
            o.set("K", m.K);
            o.set("dsub", m.dsub);
            o.set("bits", m.M * m.nbits());
            val layers = val::array();
            for (const auto& L : m.layers) layers.call<void>("push", L.out);
            o.set("layers", layers);
            o.set("size", double(db.size()));
            o.set("weightType", std::string(dq::to_string(m.weight_type)));
            o.set("hasLabels", db.has_labels());
            o.set("hasThumbnails", db.has_thumbnails());
            o.set("thumbShape", thumb_shape(db));
            o.set("scanKernel", std::string(ix.scan_kernel_name()));
            dq::ScanOptions exact;
            exact.exact = true;
            o.set("exactScanKernel", std::string(ix.scan_kernel_name(exact)));
            o.set("meta", m.meta_json);
            o.set("fromImageFiles", m.input.from_image_files);
            o.set("background", dq::format_background(query_background(m)));
            return o;
        });
    }

    /// x: n × inputDim floats; returns {distances: Float32Array, ids: Float64Array, positions:
    /// Float64Array, labels: Int32Array|null} (padding: id and position -1).
    /// pool, exact: dq::ScanOptions (K = 16 fast-scan candidates, 0 = default; exact scan).
    /// filter: see filter_of (null = every item).
    val search(const val& x, size_t n, size_t k, const std::string& mode, size_t pool, bool exact,
               const val& filter) const {
        return guarded([&] {
            const dq::Index& ix = get();
            const dq::SearchMode sm = dq::parse_search_mode(mode);
            const auto xs = copy_in<float>(x, n * ix.model().input_dim(), "search: pixels");
            const Filter f = filter_of(ix, filter);
            Hits h(n * k);
            ix.search(xs.data(), n, k, sm, h.d.data(), h.ids.data(), scan_options(pool, exact, f, ix.size()), h.pos.data());
            return results(h);
        });
    }

    /// search() from latent vectors (n × latentDim floats, embed()'s output): the pool encodes a
    /// query once and its workers scan from it.
    val searchLatent(const val& z, size_t n, size_t k, const std::string& mode, size_t pool, bool exact,
                     const val& filter) const {
        return guarded([&] {
            const dq::Index& ix = get();
            const dq::SearchMode sm = dq::parse_search_mode(mode);
            const auto zs = copy_in<float>(z, n * ix.model().latent_dim(), "searchLatent: latent vectors");
            const Filter f = filter_of(ix, filter);
            Hits h(n * k);
            ix.search_latent(zs.data(), n, k, sm, h.d.data(), h.ids.data(), scan_options(pool, exact, f, ix.size()),
                             h.pos.data());
            return results(h);
        });
    }

    /// SDC search from codes (n × M bytes), e.g. a database item's stored code.
    val searchCodes(const val& codes, size_t n, size_t k, size_t pool, bool exact, const val& filter) const {
        return guarded([&] {
            const dq::Index& ix = get();
            const auto cs = copy_in<uint8_t>(codes, n * ix.model().M, "searchCodes: codes");
            const Filter f = filter_of(ix, filter);
            Hits h(n * k);
            ix.search_codes(cs.data(), n, k, h.d.data(), h.ids.data(), scan_options(pool, exact, f, ix.size()), h.pos.data());
            return results(h);
        });
    }

    val encode(const val& x, size_t n) const {
        return guarded([&] {
            const dq::Index& ix = get();
            const auto xs = copy_in<float>(x, n * ix.model().input_dim(), "encode: pixels");
            std::vector<uint8_t> codes(n * ix.model().M);
            ix.encode(xs.data(), n, codes.data());
            return copy_out(codes.data(), codes.size());
        });
    }

    val embed(const val& x, size_t n) const {
        return guarded([&] {
            const dq::Index& ix = get();
            const auto xs = copy_in<float>(x, n * ix.model().input_dim(), "embed: pixels");
            std::vector<float> z(n * ix.model().latent_dim());
            ix.embed(xs.data(), n, z.data());
            return copy_out(z.data(), z.size());
        });
    }

    /// ids: Uint32Array(n); labels: Int32Array(n) or null.
    val add(const val& x, size_t n, const val& ids, const val& labels) {
        return guarded([&] {
            dq::Index& ix = get();
            const auto xs = copy_in<float>(x, n * ix.model().input_dim(), "add: pixels");
            const auto is = copy_in<uint32_t>(ids, n, "add: ids");
            std::vector<int32_t> ls;
            if (!labels.isNull() && !labels.isUndefined()) ls = copy_in<int32_t>(labels, n, "add: labels");
            const size_t before = ix.size();
            ix.add(xs.data(), n, is.data(), ls.empty() ? nullptr : ls.data());
            note_added(before);
            return val::undefined();
        });
    }

    /// Appends every item of a .dqdb (heap bytes the caller owns) encoded with this index's model:
    /// a collection's codes file (collection.mjs). Checked like open() checks a database; all or
    /// nothing. Returns the number of items added.
    val appendDatabase(uintptr_t ptr, size_t size) {
        return guarded([&] {
            dq::Index& ix = get();
            dq::Database db;
            try {
                db = dq::read_database(reinterpret_cast<const uint8_t*>(ptr), size);
                dq::check_compatible(ix.model(), db);
            } catch (const dq::Error& e) {
                throw dq::FormatError(std::string("database file: ") + e.what());
            }
            const size_t before = ix.size();
            ix.add_codes(db.codes.data(), db.size(), db.ids.data(), db.has_labels() ? db.labels.data() : nullptr);
            note_added(before);
            return val(double(db.size()));
        });
    }

    /// Removes the items carrying these ids (Uint32Array); returns how many went. All or nothing.
    val removeIds(const val& ids) {
        return guarded([&] {
            const auto is = copy_list<uint32_t>(ids);
            const size_t removed = get().remove_ids(is.data(), is.size());
            rebuild_positions();
            return val(double(removed));
        });
    }

    /// Removes the items at these positions (Uint32Array, positions before the removal). All or nothing.
    val removePositions(const val& positions) {
        return guarded([&] {
            const auto ps = copy_list<uint32_t>(positions);
            const std::vector<size_t> at(ps.begin(), ps.end());
            get().remove_positions(at.data(), at.size());
            rebuild_positions();
            return val::undefined();
        });
    }

    val thumbnail(size_t position) const {
        return guarded([&] {
            const dq::Database& db = get().database();
            DQ_CHECK(db.has_thumbnails(), "the database has no thumbnails");
            DQ_CHECK(position < db.size(), "thumbnail: position %zu out of range (%zu items)", position, db.size());
            return copy_out(&db.thumbnails[position * db.thumb_bytes()], db.thumb_bytes());
        });
    }

    val code(size_t position) const {
        return guarded([&] {
            const dq::Database& db = get().database();
            DQ_CHECK(position < db.size(), "code: position %zu out of range (%zu items)", position, db.size());
            return copy_out(&db.codes[position * db.M], db.M);
        });
    }

    /// The database as .dqdb bytes (what write_database makes natively): the items added since it
    /// was opened included, the removed ones gone, so any front end, the native CLI among them, can
    /// reopen it.
    val save() const {
        return guarded([&] {
            const std::vector<uint8_t> bytes = dq::write_database(get().database());
            return copy_out(bytes.data(), bytes.size());
        });
    }

    val labels() const {
        return guarded([&] {
            const dq::Database& db = get().database();
            return db.has_labels() ? copy_out(db.labels.data(), db.labels.size()) : val::null();
        });
    }

    val ids() const {
        return guarded([&] {
            const dq::Database& db = get().database();
            return copy_out(db.ids.data(), db.ids.size());
        });
    }

    /// Position of an external id (first occurrence), or -1.
    val positionOf(double id) const {
        return guarded([&] { return val(double(position(id))); });
    }

    void close() {
        index_.reset();
        by_id_.clear();
        by_id_.shrink_to_fit();
    }

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

    // Labels by the hit's position, not its id: a database may hold an id twice (addDatabase of
    // overlapping collections), each item with its own label.
    val results(const Hits& h) const {
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

    // Id -> position. Databases written by the trainer use ids 0..N-1 (identity: no table at all);
    // otherwise a vector of (id, position) sorted by id, so a lookup is a binary search and the
    // first occurrence of a duplicated id wins, as in Index::position_of.
    int64_t position(double id) const {
        const dq::Database& db = get().database();
        if (!(id >= 0 && id <= 4294967295.0) || id != double(uint64_t(id))) return -1;
        const uint32_t u = uint32_t(id);
        if (identity_) return u < db.size() ? int64_t(u) : -1;
        auto it = std::lower_bound(by_id_.begin(), by_id_.end(), std::make_pair(u, uint32_t(0)));
        return it != by_id_.end() && it->first == u ? int64_t(it->second) : -1;
    }

    void rebuild_positions() {
        const auto& ids = get().database().ids;
        identity_ = true;
        for (size_t i = 0; i < ids.size() && identity_; ++i) identity_ = ids[i] == i;
        by_id_.clear();
        if (identity_) return;
        by_id_.reserve(ids.size());
        for (size_t i = 0; i < ids.size(); ++i) by_id_.emplace_back(ids[i], uint32_t(i));
        std::sort(by_id_.begin(), by_id_.end());
    }

    void note_added(size_t before) {
        const auto& ids = get().database().ids;
        if (identity_) {
            bool still = true;
            for (size_t i = before; i < ids.size() && still; ++i) still = ids[i] == i;
            if (still) return;
            rebuild_positions();
            return;
        }
        // Append the new (id, position) pairs, sort them and merge: O((N + n) log n) for a batch,
        // where inserting each one in place was O(N) per item (quadratic for addDatabase of 1 M).
        const size_t old_size = by_id_.size();
        for (size_t i = before; i < ids.size(); ++i) by_id_.emplace_back(ids[i], uint32_t(i));
        std::sort(by_id_.begin() + ptrdiff_t(old_size), by_id_.end());
        std::inplace_merge(by_id_.begin(), by_id_.begin() + ptrdiff_t(old_size), by_id_.end());
    }

    std::unique_ptr<dq::Index> index_;
    bool identity_ = true;
    std::vector<std::pair<uint32_t, uint32_t>> by_id_;
};

// A database without a model (the page's query set, a gallery's thumbnails): the core's reader
// validates the file exactly as NativeIndex.open does, everything comes back as fresh JS values, and
// the parsed dq::Database is freed before returning, so the caller has nothing to dispose.
// Returns {size, M, K, ids: Uint32Array, labels: Int32Array|null, thumbShape: [h, w, c]|null,
// thumbnails: Uint8Array|null, strings: string[]|null}.
val read_database_js(uintptr_t ptr, size_t size) {
    return guarded([&] {
        dq::Database db;
        try {
            db = dq::read_database(reinterpret_cast<const uint8_t*>(ptr), size);
        } catch (const dq::Error& e) {
            throw dq::FormatError(std::string("database file: ") + e.what());
        }
        val o = val::object();
        o.set("size", double(db.size()));
        o.set("M", db.M);
        o.set("K", db.K);
        o.set("ids", copy_out(db.ids.data(), db.ids.size()));
        o.set("labels", db.has_labels() ? copy_out(db.labels.data(), db.labels.size()) : val::null());
        if (db.label_names.empty()) {
            o.set("labelNames", val::null());
        } else {
            val names = val::array();
            for (const std::string& s : db.label_names) names.call<void>("push", s);
            o.set("labelNames", names);
        }
        o.set("thumbShape", thumb_shape(db));
        o.set("thumbnails", db.thumb_height ? copy_out(db.thumbnails.data(), db.thumbnails.size()) : val::null());
        if (db.strings.empty()) {
            o.set("strings", val::null());
        } else {
            val strings = val::array();
            for (const std::string& s : db.strings) strings.call<void>("push", s);
            o.set("strings", strings);
        }
        return o;
    });
}

// Splits a .dqdb (heap bytes the caller owns) into `parts` contiguous shards of near-equal size, each
// returned as the bytes of a valid .dqdb (a JS array of Uint8Array): shard i holds items
// [floor(i N / parts), floor((i + 1) N / parts)), so their concatenation is the database in order.
// One shard is built at a time, so the heap holds the file, its parse and one shard at most.
val shard_database_js(uintptr_t ptr, size_t size, size_t parts) {
    return guarded([&] {
        DQ_CHECK(parts >= 1 && parts <= 1024, "shards: %zu parts, must be in [1, 1024]", parts);
        dq::Database db;
        try {
            db = dq::read_database(reinterpret_cast<const uint8_t*>(ptr), size);
        } catch (const dq::Error& e) {
            throw dq::FormatError(std::string("database file: ") + e.what());
        }
        const size_t n = db.size();
        val out = val::array();
        for (size_t i = 0; i < parts; ++i) {
            const size_t b = size_t(uint64_t(i) * n / parts), e = size_t(uint64_t(i + 1) * n / parts);
            const std::vector<uint8_t> bytes = dq::write_database(dq::slice(db, b, e));
            out.call<void>("push", copy_out(bytes.data(), bytes.size()));
        }
        return out;
    });
}

// dq/image.h's preprocess_rgba: rgba (Uint8Array / Uint8ClampedArray of src_height × src_width × 4
// straight RGBA bytes) -> Uint8Array of height × width × channels, composited over background
// (0xRRGGBB). The one arithmetic for decoded images, the trainer's too. The source size is checked
// before the pixels are copied in, so a huge claimed size allocates nothing.
val preprocess_rgba_js(const val& rgba, uint32_t src_height, uint32_t src_width, uint32_t height, uint32_t width,
                       uint32_t channels, uint32_t background) {
    return guarded([&] {
        DQ_CHECK(src_height >= 1 && src_height <= dq::kMaxImageSide && src_width >= 1 && src_width <= dq::kMaxImageSide,
                 "image size %ux%u: each side must be in [1, %u]", src_height, src_width, dq::kMaxImageSide);
        DQ_CHECK(uint64_t(src_height) * src_width <= dq::kMaxImagePixels, "image size %ux%u: more than %llu pixels",
                 src_height, src_width, (unsigned long long)dq::kMaxImagePixels);
        dq::ImageTarget t;
        t.height = height;
        t.width = width;
        t.channels = channels;
        t.background = background;
        dq::validate(t);
        const auto px = copy_in<uint8_t>(rgba, size_t(src_height) * src_width * 4, "image: RGBA bytes");
        const std::vector<uint8_t> out = dq::preprocess_rgba(px.data(), src_height, src_width, t);
        return copy_out(out.data(), out.size());
    });
}

// Heap buffers for file bytes: 64-byte aligned like the file sections. 0 means out of memory.
double alloc_buffer(double size) {
    if (!(size >= 0) || size > 4294967295.0) return 0;
    void* p = std::aligned_alloc(64, (size_t(size) + 63) & ~size_t(63));
    return double(reinterpret_cast<uintptr_t>(p));
}

void free_buffer(double ptr) { std::free(reinterpret_cast<void*>(uintptr_t(ptr))); }

// Bytes malloc'ed and not freed (emmalloc's dynamic heap minus its free blocks): what a leak test
// watches, since the WebAssembly memory itself never shrinks and grows only in big steps.
double heap_used() {
    return double(emmalloc_dynamic_heap_size()) - double(emmalloc_free_dynamic_memory());
}

}  // namespace

EMSCRIPTEN_BINDINGS(deepquan) {
    emscripten::function("allocBuffer", &alloc_buffer);
    emscripten::function("freeBuffer", &free_buffer);
    emscripten::function("heapUsed", &heap_used);
    emscripten::function("readDatabase", &read_database_js);
    emscripten::function("shardDatabase", &shard_database_js);
    emscripten::function("preprocessRgba", &preprocess_rgba_js);
    emscripten::constant("formatVersionMajor", int(dq::kFormatVersionMajor));
    emscripten::constant("formatVersionMinor", int(dq::kFormatVersionMinor));
    emscripten::class_<NativeIndex>("NativeIndex")
        .constructor<>()
        .function("open", &NativeIndex::open)
        .function("info", &NativeIndex::info)
        .function("search", &NativeIndex::search)
        .function("searchCodes", &NativeIndex::searchCodes)
        .function("searchLatent", &NativeIndex::searchLatent)
        .function("encode", &NativeIndex::encode)
        .function("embed", &NativeIndex::embed)
        .function("add", &NativeIndex::add)
        .function("appendDatabase", &NativeIndex::appendDatabase)
        .function("removeIds", &NativeIndex::removeIds)
        .function("removePositions", &NativeIndex::removePositions)
        .function("thumbnail", &NativeIndex::thumbnail)
        .function("code", &NativeIndex::code)
        .function("save", &NativeIndex::save)
        .function("labels", &NativeIndex::labels)
        .function("ids", &NativeIndex::ids)
        .function("positionOf", &NativeIndex::positionOf)
        .function("close", &NativeIndex::close);
}
