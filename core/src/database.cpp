#include "dq/database.h"

#include "dq/error.h"
#include "dq/model.h"
#include "format_layout.h"

namespace dq {

void Database::validate() const {
    DQ_CHECK(M >= 1 && M <= kMaxWidth, "M is %u, must be in [1, %u]", M, kMaxWidth);
    DQ_CHECK(K == 16 || K == 256, "K is %u, must be 16 or 256", K);
    const uint64_t n = ids.size();
    DQ_CHECK(n <= 0xffffffffull, "%llu items (limit 2^32 - 1)", (unsigned long long)n);
    DQ_CHECK(codes.size() == n * M, "%zu code bytes, expected N*M = %llu*%u", codes.size(), (unsigned long long)n, M);
    if (K < 256)
        for (size_t i = 0; i < codes.size(); ++i)
            DQ_CHECK(codes[i] < K, "item %zu, subspace %zu: code %u is not below K=%u", i / M, i % M,
                     unsigned(codes[i]), K);
    DQ_CHECK(labels.empty() || labels.size() == n, "%zu labels for %llu items", labels.size(), (unsigned long long)n);

    const bool any_dim = thumb_height || thumb_width || thumb_channels;
    const bool all_dims = thumb_height && thumb_width && thumb_channels;
    DQ_CHECK(any_dim == all_dims, "thumbnail shape %ux%ux%u: either all or none of the dims must be zero",
             thumb_height, thumb_width, thumb_channels);
    if (all_dims) {
        DQ_CHECK(thumb_height <= kMaxWidth && thumb_width <= kMaxWidth && thumb_channels <= 4,
                 "thumbnail shape %ux%ux%u is out of range (dims <= %u, channels <= 4)", thumb_height, thumb_width,
                 thumb_channels, kMaxWidth);
        uint64_t per = 0, total = 0;
        DQ_CHECK(fmt::mul_ok(uint64_t(thumb_height) * thumb_width, thumb_channels, &per) && fmt::mul_ok(per, n, &total) &&
                     thumbnails.size() == total,
                 "%zu thumbnail bytes, expected N*%ux%ux%u = %llu*%llu", thumbnails.size(), thumb_height, thumb_width,
                 thumb_channels, (unsigned long long)n, (unsigned long long)per);
    } else {
        DQ_CHECK(thumbnails.empty(), "%zu thumbnail bytes but the thumbnail shape is 0x0x0", thumbnails.size());
    }

    DQ_CHECK(strings.empty() || strings.size() == n, "%zu strings for %llu items", strings.size(), (unsigned long long)n);
    uint64_t blob = 0;
    for (size_t i = 0; i < strings.size(); ++i) {
        const std::string& s = strings[i];
        const size_t ok = fmt::utf8_valid_prefix(reinterpret_cast<const uint8_t*>(s.data()), s.size());
        DQ_CHECK(ok == s.size(), "string %zu is not valid UTF-8 (byte %zu of %zu)", i, ok, s.size());
        blob += s.size();
    }
    DQ_CHECK(blob <= 0xffffffffull, "strings total %llu bytes (limit 2^32 - 1)", (unsigned long long)blob);

    if (label_names.empty()) return;
    DQ_CHECK(!labels.empty(), "%zu label names but no labels", label_names.size());
    DQ_CHECK(label_names.size() <= kMaxLabelNames, "%zu label names (limit %u)", label_names.size(), kMaxLabelNames);
    blob = 0;
    for (size_t i = 0; i < label_names.size(); ++i) {
        const std::string& s = label_names[i];
        const size_t ok = fmt::utf8_valid_prefix(reinterpret_cast<const uint8_t*>(s.data()), s.size());
        DQ_CHECK(ok == s.size(), "label name %zu is not valid UTF-8 (byte %zu of %zu)", i, ok, s.size());
        blob += s.size();
    }
    DQ_CHECK(blob <= 0xffffffffull, "label names total %llu bytes (limit 2^32 - 1)", (unsigned long long)blob);
    for (size_t i = 0; i < labels.size(); ++i)
        DQ_CHECK(labels[i] >= -1 && int64_t(labels[i]) < int64_t(label_names.size()),
                 "item %zu: label %d has no name (%zu label names; -1 = unlabelled)", i, labels[i], label_names.size());
}

Database slice(const Database& db, size_t begin, size_t end) {
    DQ_CHECK(begin <= end && end <= db.size(), "slice: items [%zu, %zu) of a database of %zu items", begin, end,
             db.size());
    Database out;
    out.M = db.M;
    out.K = db.K;
    out.model_fingerprint = db.model_fingerprint;
    out.codes.assign(db.codes.begin() + ptrdiff_t(begin * db.M), db.codes.begin() + ptrdiff_t(end * db.M));
    out.ids.assign(db.ids.begin() + ptrdiff_t(begin), db.ids.begin() + ptrdiff_t(end));
    if (db.has_labels()) {
        out.labels.assign(db.labels.begin() + ptrdiff_t(begin), db.labels.begin() + ptrdiff_t(end));
        // Names of label values, not of items: every non-empty shard has them all (an empty one has
        // no labels, so it may hold no names).
        if (end > begin) out.label_names = db.label_names;
    }
    if (db.thumb_height) {
        out.thumb_height = db.thumb_height;
        out.thumb_width = db.thumb_width;
        out.thumb_channels = db.thumb_channels;
        const size_t tb = db.thumb_bytes();
        if (db.has_thumbnails())
            out.thumbnails.assign(db.thumbnails.begin() + ptrdiff_t(begin * tb), db.thumbnails.begin() + ptrdiff_t(end * tb));
    }
    if (!db.strings.empty()) out.strings.assign(db.strings.begin() + ptrdiff_t(begin), db.strings.begin() + ptrdiff_t(end));
    return out;
}

}  // namespace dq
