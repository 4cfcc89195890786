// Datasets for training and evaluation: N images as an N×D float matrix in [0,1] plus labels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dq/model.h"

namespace dqt {

struct Dataset {
    std::string name;              ///< "mnist10k", "fashion70k" or the path it came from
    dq::InputSpec input;           ///< image shape and the u8 -> float scale
    size_t n = 0;                  ///< number of images
    size_t dim = 0;                ///< D = H*W*C
    std::vector<float> x;          ///< n × dim, row-major, values in [0,1]
    std::vector<int32_t> labels;   ///< n labels, or empty when unknown
    std::vector<uint8_t> pixels;   ///< n × dim original u8 pixels when the source had them (thumbnails)

    const float* row(size_t i) const { return x.data() + i * dim; }
};

/// The paper's protocol: `per_class` queries drawn per label with `seed`; every other image is both
/// training set and gallery. Indices refer to the dataset's rows, each list in increasing order.
struct Split {
    std::vector<uint32_t> queries;
    std::vector<uint32_t> gallery;
};
Split paper_split(const Dataset& ds, size_t per_class, uint64_t seed);

/// Rows `idx` of ds as a new dataset (x, labels, pixels copied).
Dataset subset(const Dataset& ds, const std::vector<uint32_t>& idx);

}  // namespace dqt
