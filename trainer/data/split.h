// The evaluation protocol's splits: the paper's (test queries against the gallery every method
// trains on) and the validation split inside that gallery, on which every tuning choice of the
// recipe (train/recipe.cpp) was made, so the test queries never took part.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace dqt {

/// The paper's protocol: `per_class` queries drawn per label with `seed`; every other image is both
/// training set and gallery. Indices refer to the dataset's rows, each list in increasing order.
/// Throws if the dataset has no labels, a label is negative, or a class has <= per_class images.
struct Split {
    std::vector<uint32_t> queries;
    std::vector<uint32_t> gallery;
};
Split paper_split(const Dataset& ds, size_t per_class, uint64_t seed);

/// How many queries each label gives: `per_class` each (the paper's 100), or, with percent > 0,
/// floor(percent / 100 × the label's images) but at least 1 — for real collections whose classes
/// range from a handful of images to thousands, where a fixed count either starves the big classes'
/// evaluation or exceeds the small ones. A label needs more images than its count either way.
struct QueryCount {
    size_t per_class = 100;
    double percent = 0;   ///< in (0, 100): the share rule above; 0: per_class

    size_t of(size_t label_images) const;
    /// "100" or "10%": as --queries-per-class takes it, and as report.json records it.
    std::string to_string() const;
};
/// "N" (1..1000000) or "P%" (0 < P < 100); throws dq::Error saying which form it takes.
QueryCount parse_query_count(const std::string& text);
Split paper_split(const Dataset& ds, const QueryCount& count, uint64_t seed);

/// Rows `idx` of ds as a new dataset (x, labels, pixels copied).
Dataset subset(const Dataset& ds, const std::vector<uint32_t>& idx);

/// A labelled dataset with its paper split applied: what `train`, `baseline` and their reports use.
struct LoadedSplit {
    Dataset all;
    Split split;
    Dataset gallery;   ///< = the training set
    Dataset queries;
};
/// Loads `dataset` (a bundled name or a path; `labels` as for load_dataset) and draws the paper split
/// with `per_class` queries per label and `seed`. Throws dq::Error when it has no labels.
LoadedSplit load_split(const std::string& dataset, const std::string& labels, size_t per_class, uint64_t seed);
/// The paper split of an already loaded labelled dataset (copied into the result).
LoadedSplit split_loaded(const Dataset& all, const QueryCount& count, uint64_t seed);

/// The validation split: `per_class` images per label of the paper split's gallery, drawn with seed
/// + 1000, are the validation queries; the rest of that gallery is the validation gallery (and the
/// training set of a validation run). Indices refer to rows of `gallery`.
Split validation_split(const Dataset& gallery, size_t per_class, uint64_t seed);

}  // namespace dqt
