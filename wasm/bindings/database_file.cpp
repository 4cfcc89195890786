// Code databases without a model: readDatabase (a .dqdb's contents as JS values, for the page's
// query set and a gallery's thumbnails) and shardDatabase (a .dqdb split for the worker pool), plus
// the file format version the core reads.
#include <emscripten/bind.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dq/format.h"
#include "js_values.h"

namespace dqjs {

namespace {

/// dq::read_database of heap bytes the caller owns, its errors prefixed as NativeIndex.open's.
dq::Database parse_database(uintptr_t ptr, size_t size) {
    try {
        return dq::read_database(reinterpret_cast<const uint8_t*>(ptr), size);
    } catch (const dq::Error& e) {
        throw dq::FormatError(std::string("database file: ") + e.what());
    }
}

/// A JS array of the strings, or null when there are none.
val strings_or_null(const std::vector<std::string>& v) {
    if (v.empty()) return val::null();
    val a = val::array();
    for (const std::string& s : v) a.call<void>("push", s);
    return a;
}

// A database without a model (the page's query set, a gallery's thumbnails): the core's reader
// validates the file exactly as NativeIndex.open does, everything comes back as fresh JS values, and
// the parsed dq::Database is freed before returning, so the caller has nothing to dispose.
// Returns {size, M, K, ids: Uint32Array, labels: Int32Array|null, labelNames: string[]|null,
// thumbShape: [h, w, c]|null, thumbnails: Uint8Array|null, strings: string[]|null}.
val read_database_js(uintptr_t ptr, size_t size) {
    return guarded([&] {
        const dq::Database db = parse_database(ptr, size);
        val o = val::object();
        o.set("size", double(db.size()));
        o.set("M", db.M);
        o.set("K", db.K);
        o.set("ids", copy_out(db.ids.data(), db.ids.size()));
        o.set("labels", db.has_labels() ? copy_out(db.labels.data(), db.labels.size()) : val::null());
        o.set("labelNames", strings_or_null(db.label_names));
        o.set("thumbShape", thumb_shape(db));
        o.set("thumbnails", db.thumb_height ? copy_out(db.thumbnails.data(), db.thumbnails.size()) : val::null());
        o.set("strings", strings_or_null(db.strings));
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
        const dq::Database db = parse_database(ptr, size);
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

}  // namespace

}  // namespace dqjs

EMSCRIPTEN_BINDINGS(deepquan_database_file) {
    emscripten::function("readDatabase", &dqjs::read_database_js);
    emscripten::function("shardDatabase", &dqjs::shard_database_js);
    emscripten::constant("formatVersionMajor", int(dq::kFormatVersionMajor));
    emscripten::constant("formatVersionMinor", int(dq::kFormatVersionMinor));
}
