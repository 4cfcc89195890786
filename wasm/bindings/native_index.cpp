// NativeIndex: opening a model and database, the model's information, encoding, adding and
// removing items, reading items back, and the id -> position table; plus its Embind registration
// (the searches are in index_search.cpp).
#include <emscripten/bind.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dq/format.h"
#include "dq/image.h"
#include "native_index.h"

namespace dqjs {

namespace {

/// The colour an ImageData-like query is composited over: the one the model recorded (IMGP) for a
/// model trained on image files; black for any other model, since those were trained on pixel
/// datasets such as MNIST (white ink on black) and the page's drawing canvas relies on it.
uint32_t query_background(const dq::Model& m) { return m.input.from_image_files ? m.input.background : 0x000000; }

}  // namespace

val NativeIndex::open(uintptr_t model_ptr, size_t model_size, uintptr_t db_ptr, size_t db_size, bool has_db) {
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

val NativeIndex::info() const {
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
        o.set("batchScanKernel", std::string(ix.batch_scan_kernel_name()));
        o.set("meta", m.meta_json);
        o.set("fromImageFiles", m.input.from_image_files);
        o.set("background", dq::format_background(query_background(m)));
        return o;
    });
}

val NativeIndex::encode(const val& x, size_t n) const {
    return guarded([&] {
        const dq::Index& ix = get();
        const auto xs = copy_in<float>(x, n * ix.model().input_dim(), "encode: pixels");
        std::vector<uint8_t> codes(n * ix.model().M);
        ix.encode(xs.data(), n, codes.data());
        return copy_out(codes.data(), codes.size());
    });
}

val NativeIndex::embed(const val& x, size_t n) const {
    return guarded([&] {
        const dq::Index& ix = get();
        const auto xs = copy_in<float>(x, n * ix.model().input_dim(), "embed: pixels");
        std::vector<float> z(n * ix.model().latent_dim());
        ix.embed(xs.data(), n, z.data());
        return copy_out(z.data(), z.size());
    });
}

val NativeIndex::add(const val& x, size_t n, const val& ids, const val& labels) {
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

val NativeIndex::appendDatabase(uintptr_t ptr, size_t size) {
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

val NativeIndex::removeIds(const val& ids) {
    return guarded([&] {
        const auto is = copy_list<uint32_t>(ids);
        const size_t removed = get().remove_ids(is.data(), is.size());
        rebuild_positions();
        return val(double(removed));
    });
}

val NativeIndex::removePositions(const val& positions) {
    return guarded([&] {
        const auto ps = copy_list<uint32_t>(positions);
        const std::vector<size_t> at(ps.begin(), ps.end());
        get().remove_positions(at.data(), at.size());
        rebuild_positions();
        return val::undefined();
    });
}

val NativeIndex::thumbnail(size_t position) const {
    return guarded([&] {
        const dq::Database& db = get().database();
        DQ_CHECK(db.has_thumbnails(), "the database has no thumbnails");
        DQ_CHECK(position < db.size(), "thumbnail: position %zu out of range (%zu items)", position, db.size());
        return copy_out(&db.thumbnails[position * db.thumb_bytes()], db.thumb_bytes());
    });
}

val NativeIndex::code(size_t position) const {
    return guarded([&] {
        const dq::Database& db = get().database();
        DQ_CHECK(position < db.size(), "code: position %zu out of range (%zu items)", position, db.size());
        return copy_out(&db.codes[position * db.M], db.M);
    });
}

val NativeIndex::save() const {
    return guarded([&] {
        const std::vector<uint8_t> bytes = dq::write_database(get().database());
        return copy_out(bytes.data(), bytes.size());
    });
}

val NativeIndex::labels() const {
    return guarded([&] {
        const dq::Database& db = get().database();
        return db.has_labels() ? copy_out(db.labels.data(), db.labels.size()) : val::null();
    });
}

val NativeIndex::ids() const {
    return guarded([&] {
        const dq::Database& db = get().database();
        return copy_out(db.ids.data(), db.ids.size());
    });
}

val NativeIndex::positionOf(double id) const {
    return guarded([&] { return val(double(position(id))); });
}

void NativeIndex::close() {
    index_.reset();
    by_id_.clear();
    by_id_.shrink_to_fit();
}

// Id -> position. Databases written by the trainer use ids 0..N-1 (identity: no table at all);
// otherwise a vector of (id, position) sorted by id, so a lookup is a binary search and the
// first occurrence of a duplicated id wins, as in Index::position_of.
int64_t NativeIndex::position(double id) const {
    const dq::Database& db = get().database();
    if (!(id >= 0 && id <= 4294967295.0) || id != double(uint64_t(id))) return -1;
    const uint32_t u = uint32_t(id);
    if (identity_) return u < db.size() ? int64_t(u) : -1;
    auto it = std::lower_bound(by_id_.begin(), by_id_.end(), std::make_pair(u, uint32_t(0)));
    return it != by_id_.end() && it->first == u ? int64_t(it->second) : -1;
}

void NativeIndex::rebuild_positions() {
    const auto& ids = get().database().ids;
    identity_ = true;
    for (size_t i = 0; i < ids.size() && identity_; ++i) identity_ = ids[i] == i;
    by_id_.clear();
    if (identity_) return;
    by_id_.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) by_id_.emplace_back(ids[i], uint32_t(i));
    std::sort(by_id_.begin(), by_id_.end());
}

void NativeIndex::note_added(size_t before) {
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

}  // namespace dqjs

EMSCRIPTEN_BINDINGS(deepquan_index) {
    using dqjs::NativeIndex;
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
