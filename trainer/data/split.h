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

/// The validation split: `per_class` images per label of the paper split's gallery, drawn with seed
/// + 1000, are the validation queries; the rest of that gallery is the validation gallery (and the
/// training set of a validation run). Indices refer to rows of `gallery`.
Split validation_split(const Dataset& gallery, size_t per_class, uint64_t seed);

}  // namespace dqt
