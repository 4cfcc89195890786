#include "data/split.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

#include "dq/error.h"

namespace dqt {

size_t QueryCount::of(size_t label_images) const {
    if (percent <= 0) return per_class;
    // The product in double is exact enough: label_images < 2^32 and percent has a short decimal form;
    // the floor of e.g. 10% of 130 must be 13, so a tiny epsilon keeps 12.999999 from rounding down.
    const size_t q = size_t(std::floor(double(label_images) * percent / 100.0 + 1e-9));
    return std::max<size_t>(q, 1);
}

std::string QueryCount::to_string() const {
    if (percent <= 0) return std::to_string(per_class);
    std::string s = dq::strformat("%.6g", percent);
    return s + "%";
}

QueryCount parse_query_count(const std::string& text) {
    QueryCount c;
    const bool pct = !text.empty() && text.back() == '%';
    const std::string num = pct ? text.substr(0, text.size() - 1) : text;
    char* end = nullptr;
    errno = 0;
    if (pct) {
        const double p = num.empty() ? NAN : std::strtod(num.c_str(), &end);
        if (num.empty() || errno || end != num.c_str() + num.size() || !(p > 0 && p < 100))
            throw dq::Error("'" + text + "' is neither a count N (1..1000000) nor a share P% with 0 < P < 100");
        c.percent = p;
        return c;
    }
    const long long n = num.empty() ? -1 : std::strtoll(num.c_str(), &end, 10);
    if (num.empty() || errno || end != num.c_str() + num.size() || n < 1 || n > 1000000)
        throw dq::Error("'" + text + "' is neither a count N (1..1000000) nor a share P% with 0 < P < 100");
    c.per_class = size_t(n);
    return c;
}

Split paper_split(const Dataset& ds, size_t per_class, uint64_t seed) {
    QueryCount c;
    c.per_class = per_class;
    return paper_split(ds, c, seed);
}

Split paper_split(const Dataset& ds, const QueryCount& count, uint64_t seed) {
    if (ds.labels.size() != ds.n)
        throw dq::Error(dq::strformat("split: dataset %s has %zu labels for %zu images (the paper split "
                                      "needs one label per image)",
                                      ds.name.c_str(), ds.labels.size(), ds.n));
    std::map<int32_t, std::vector<uint32_t>> by_label;
    for (size_t i = 0; i < ds.n; ++i) {
        if (ds.labels[i] < 0)
            throw dq::Error(dq::strformat("split: label of image %zu is %d (labels must be >= 0)", i,
                                          ds.labels[i]));
        by_label[ds.labels[i]].push_back(static_cast<uint32_t>(i));
    }
    Split split;
    std::vector<uint8_t> is_query(ds.n, 0);
    SplitMix64 rng(seed ^ 0x5eedda7a5e1170ULL);
    for (auto& [label, rows] : by_label) {
        const size_t per_class = count.of(rows.size());
        if (rows.size() <= per_class)
            throw dq::Error(dq::strformat("split: label %d has %zu images, needs more than %zu (queries "
                                          "per class%s) to leave a gallery",
                                          label, rows.size(), per_class,
                                          count.percent > 0 ? (", " + count.to_string()).c_str() : ""));
        // Partial Fisher–Yates: the first per_class positions become a uniform sample.
        for (size_t i = 0; i < per_class; ++i) {
            size_t j = i + rng.below(rows.size() - i);
            std::swap(rows[i], rows[j]);
            is_query[rows[i]] = 1;
        }
    }
    for (size_t i = 0; i < ds.n; ++i)
        (is_query[i] ? split.queries : split.gallery).push_back(static_cast<uint32_t>(i));
    return split;
}

Dataset subset(const Dataset& ds, const std::vector<uint32_t>& idx) {
    Dataset out;
    out.name = ds.name;
    out.input = ds.input;
    out.features = ds.features;
    out.n = idx.size();
    out.dim = ds.dim;
    out.x.resize(out.n * ds.dim);
    if (ds.has_labels()) out.labels.resize(out.n);
    if (ds.has_pixels()) out.pixels.resize(out.n * ds.dim);
    const size_t tb = size_t(ds.thumb_height) * ds.thumb_width * 3;
    out.thumb_height = ds.thumb_height;
    out.thumb_width = ds.thumb_width;
    out.label_names = ds.label_names;
    if (!ds.thumbs.empty()) out.thumbs.resize(out.n * tb);
    if (!ds.strings.empty()) out.strings.resize(out.n);
    for (size_t r = 0; r < idx.size(); ++r) {
        size_t i = idx[r];
        DQ_CHECK(i < ds.n, "subset: row %zu out of range (dataset has %zu)", i, ds.n);
        std::memcpy(&out.x[r * ds.dim], ds.row(i), ds.dim * sizeof(float));
        if (ds.has_labels()) out.labels[r] = ds.labels[i];
        if (ds.has_pixels()) std::memcpy(&out.pixels[r * ds.dim], &ds.pixels[i * ds.dim], ds.dim);
        if (!ds.thumbs.empty()) std::memcpy(&out.thumbs[r * tb], &ds.thumbs[i * tb], tb);
        if (!ds.strings.empty()) out.strings[r] = ds.strings[i];
    }
    return out;
}


LoadedSplit split_loaded(const Dataset& all, const QueryCount& count, uint64_t seed) {
    LoadedSplit d;
    d.all = all;
    d.split = paper_split(d.all, count, seed);
    d.gallery = subset(d.all, d.split.gallery);
    d.queries = subset(d.all, d.split.queries);
    return d;
}

LoadedSplit load_split(const std::string& dataset, const std::string& labels, size_t per_class, uint64_t seed) {
    LoadedSplit d;
    d.all = load_dataset(dataset, labels);
    if (!d.all.has_labels())
        throw dq::Error("dataset " + d.all.name + " has no labels (pass --labels FILE): the paper split needs them");
    d.split = paper_split(d.all, per_class, seed);
    d.gallery = subset(d.all, d.split.gallery);
    d.queries = subset(d.all, d.split.queries);
    return d;
}

Split validation_split(const Dataset& gallery, size_t per_class, uint64_t seed) {
    return paper_split(gallery, per_class, seed + 1000);
}

}  // namespace dqt
