// `deepquan search`: one query image against a database.
#include <cstdio>

#include "cli/commands.h"
#include "cli/inputs.h"
#include "dq/error.h"
#include "dq/filter.h"
#include "dq/format.h"
#include "dq/index.h"
#include "util/atomic_file.h"
#include "data/dataset.h"
#include "data/image_decode.h"
#include "dq/image.h"

namespace dqt {

namespace {

// The bitmap of the items passing every filter given, or empty when none is.
std::vector<uint8_t> search_filter(const dq::Database& db, const std::vector<long long>& labels,
                                   const std::vector<long long>& allow_ids, const std::vector<long long>& deny_ids) {
    std::vector<uint8_t> bits;
    auto combine = [&](std::vector<uint8_t> b) {
        if (bits.empty())
            bits = std::move(b);
        else
            dq::filter_and(bits.data(), b.data(), db.size());
    };
    if (!labels.empty()) {
        if (!db.has_labels()) throw dq::Error("--labels: the database has no labels");
        const std::vector<int32_t> l(labels.begin(), labels.end());
        combine(dq::filter_by_labels(db, l.data(), l.size()));
    }
    if (!allow_ids.empty()) {
        const std::vector<uint32_t> i(allow_ids.begin(), allow_ids.end());
        combine(dq::filter_by_ids(db, i.data(), i.size(), true));
    }
    if (!deny_ids.empty()) {
        const std::vector<uint32_t> i(deny_ids.begin(), deny_ids.end());
        combine(dq::filter_by_ids(db, i.data(), i.size(), false));
    }
    return bits;
}

int run_search(const Args& a) {
    apply_threads(a);
    const std::string mode_s = a.str("mode", "adc");
    if (mode_s != "sdc" && mode_s != "adc") throw UsageError("--mode must be sdc or adc, got '" + mode_s + "'");
    const long long k = a.integer("k", 10, 1, 1LL << 31);
    dq::ScanOptions scan;
    scan.exact = a.has("exact");
    scan.pool = size_t(a.integer("pool", 0, 0, 1LL << 32));
    if (scan.exact && scan.pool) throw UsageError("--pool and --exact exclude each other (--exact scans every code)");
    // Filters (each checked before any file is read); several combine: an item must pass them all.
    const std::vector<long long> labels = a.integers("labels", -1, 0x7fffffff);
    const std::vector<long long> allow_ids = a.integers("ids", 0, 0xffffffffLL);
    const std::vector<long long> deny_ids = a.integers("exclude-ids", 0, 0xffffffffLL);
    std::string spec = a.required("image");
    size_t index_in_file = 0;
    size_t colon = spec.find_last_of(':');
    if (colon != std::string::npos && colon + 1 < spec.size() &&
        spec.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
        long long v = 0;
        if (!parse_ll(spec.substr(colon + 1), v)) throw UsageError("--image: bad index in '" + spec + "'");
        index_in_file = size_t(v);
        spec = spec.substr(0, colon);
    }
    auto [model, db] = load_model_and_database(a);
    if (size_t(k) > db.size())
        throw dq::Error(dq::strformat("k = %lld is larger than the database (%zu items)", k, db.size()));
    dq::Index index(model, std::move(db));
    if (scan.pool && !index.fast_scan())
        throw UsageError(dq::strformat("--pool applies to the K = 16 fast-scan only; this model (K = %u, M = %u) is scanned exactly",
                                       index.model().K, index.model().M));
    const std::vector<uint8_t> allow = search_filter(index.database(), labels, allow_ids, deny_ids);
    if (!allow.empty()) {
        scan.allow = allow.data();
        scan.allow_bits = index.size();
    }
    std::vector<float> x;
    int32_t qlabel = -1;
    if (is_dqdb(spec)) {
        dq::Database qdb = load_database(spec);
        if (!qdb.has_thumbnails()) throw dq::Error(spec + ": no thumbnails to use as a query image");
        if (index_in_file >= qdb.size())
            throw dq::Error(dq::strformat("%s: image index %zu out of range (%zu images)", spec.c_str(),
                                          index_in_file, qdb.size()));
        check_dims(spec, thumbnail_spec(qdb), model);
        x = scale_pixels(&qdb.thumbnails[index_in_file * qdb.thumb_bytes()], qdb.thumb_bytes(), model);
        if (qdb.has_labels()) qlabel = qdb.labels[index_in_file];
    } else if (sniff_image_file(spec) != ImageFormat::unknown) {
        // A PNG or JPEG: preprocessed as the model's image section says, as encode --images does.
        if (index_in_file != 0) throw UsageError("--image " + spec + ":" + std::to_string(index_in_file) +
                                                 ": a PNG or JPEG file holds one image (index 0)");
        if (!model.input.from_image_files)
            throw dq::Error(a.str("model") + ": this model was not trained on image files, so it cannot take " + spec);
        const DecodedImage img = decode_image_file(spec);
        dq::ImageTarget t;
        t.height = model.input.height;
        t.width = model.input.width;
        t.channels = model.input.channels;
        t.background = model.input.background;
        const std::vector<uint8_t> px = dq::preprocess_rgba(img.rgba.data(), img.height, img.width, t);
        x = scale_pixels(px.data(), px.size(), model);
    } else {
        auto reader = ImageReader::open(spec);
        check_dims(spec, reader->input(), model);
        if (index_in_file >= reader->size())
            throw dq::Error(dq::strformat("%s: image index %zu out of range (%zu images)", spec.c_str(),
                                          index_in_file, reader->size()));
        std::vector<float> skip;
        std::vector<uint8_t> px;
        for (size_t left = index_in_file; left > 0;) left -= reader->read(std::min<size_t>(left, 4096), skip, nullptr);
        reader->read(1, x, reader->is_u8() ? &px : nullptr);
        if (reader->is_u8()) x = scale_pixels(px.data(), px.size(), model);
        std::string lp = sibling_labels_path(spec);
        if (!lp.empty()) {
            std::vector<int32_t> l = read_labels(lp, reader->size());
            qlabel = l[index_in_file];
        }
    }
    std::vector<float> dist(static_cast<size_t>(k));
    std::vector<int64_t> ids(static_cast<size_t>(k)), positions(static_cast<size_t>(k));
    index.search(x.data(), 1, size_t(k), dq::parse_search_mode(mode_s), dist.data(), ids.data(), scan, positions.data());
    const dq::Database& d = index.database();
    // The fast path says how many candidates it re-ranked exactly (the recall knob).
    const size_t pool = index.scan_pool(size_t(k), scan);
    const std::string passing =
        allow.empty() ? "" : dq::strformat(", filter: %zu pass", dq::filter_count(allow.data(), d.size()));
    std::printf("query %s:%zu%s, %s, %zu items%s, kernel %s%s\n", spec.c_str(), index_in_file,
                qlabel >= 0 ? dq::strformat(" (label %d)", qlabel).c_str() : "", mode_s.c_str(), d.size(),
                passing.c_str(), index.scan_kernel_name(scan), pool ? dq::strformat(", pool %zu", pool).c_str() : "");
    std::printf("%5s %10s %12s %6s\n", "rank", "id", "distance", "label");
    // A filter passing fewer than k items leaves padding (id -1) at the end: not printed.
    for (long long r = 0; r < k && ids[size_t(r)] >= 0; ++r) {
        const int64_t id = ids[size_t(r)];
        // The hit's own position, not the id's first one: a database may hold an id twice.
        const int64_t pos = positions[size_t(r)];
        std::string label = "-";
        if (pos >= 0 && d.has_labels()) label = std::to_string(d.labels[size_t(pos)]);
        // An image folder's database names its items: the label's folder and the file's path.
        std::string name;
        if (pos >= 0 && d.has_labels() && !d.label_names.empty() && d.labels[size_t(pos)] >= 0)
            name += "  " + d.label_names[size_t(d.labels[size_t(pos)])];
        if (pos >= 0 && !d.strings.empty()) name += "  " + d.strings[size_t(pos)];
        std::printf("%5lld %10lld %12.4f %6s%s\n", r + 1, (long long)id, double(dist[size_t(r)]), label.c_str(), name.c_str());
    }
    return 0;
}

}  // namespace

const Command& search_command() {
    static const Command c{
        "search",
        "search a database with one image",
        {{"model", "M.dqm", "the model (required)"},
         {"db", "DB.dqdb", "a database of that model (required)"},
         {"image", "FILE[:INDEX]", "image INDEX (0) of an image file, a .dqdb with thumbnails, or a PNG / JPEG (required)"},
         {"k", "K", "results (10); -k K works too"},
         {"mode", "sdc|adc", "distance (adc)"},
         {"pool", "P", "K = 16: candidates the fast-scan re-ranks exactly (0 = max(8 k, 64))"},
         {"exact", nullptr, "K = 16: scan every code exactly instead of the fast-scan"},
         {"labels", "L,L,...", "return only items with one of these labels (-1 = unknown)"},
         {"ids", "I,I,...", "return only items with one of these ids"},
         {"exclude-ids", "I,I,...", "never return items with these ids"},
         {"threads", "T", "threads (0 = all cores)"}},
        "Filters act inside the scan: k results come back whenever k items pass (fewer are printed\n"
        "when fewer pass). --labels, --ids and --exclude-ids combine: an item must pass each one given.\n",
        run_search};
    return c;
}

}  // namespace dqt
