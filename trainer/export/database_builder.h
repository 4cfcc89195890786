// gallery.dqdb from images: codes computed by the core (dq::Index::encode) from the model as it reads
// back from its file, so native and browser codes are bit-identical; labels, thumbnails (optionally on
// fewer gray levels) and ids kept beside them.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "dq/database.h"
#include "dq/model.h"

namespace dqt {

/// Pixel map to `levels` evenly spaced gray values round(k * 255 / (levels - 1)), k = 0..levels-1:
/// each byte goes to the nearest of them (the lower one on a tie), so it moves by at most half the
/// widest gap, round(255 / (2 (levels - 1))). levels in [2, 256]; 256 is the identity.
std::array<uint8_t, 256> gray_levels_lut(uint32_t levels);

/// Accumulates a database in chunks (bounded memory apart from the codes, labels and thumbnails
/// themselves). Thread-parallel encoding; the result does not depend on the thread count.
class DatabaseBuilder {
public:
    /// keep_labels: store a LABL section (labels given to add(); -1 where unknown).
    /// thumb: thumbnail shape (0 = none); add() must then pass pixels of that size per item.
    /// thumb_levels: thumbnails are stored through gray_levels_lut(thumb_levels), which only makes
    /// them compress better (codes always come from the exact inputs given to add()).
    DatabaseBuilder(const dq::Model& model, bool keep_labels, uint32_t thumb_h, uint32_t thumb_w, uint32_t thumb_c,
                    uint32_t thumb_levels = 256);

    /// x: n × model.input_dim() floats; ids: n; labels: n or nullptr; pixels: n × thumb bytes or nullptr.
    void add(const float* x, size_t n, const uint32_t* ids, const int32_t* labels, const uint8_t* pixels);
    size_t size() const { return db_.ids.size(); }
    /// The finished database (validated).
    dq::Database finish();

private:
    const dq::Model& model_;
    dq::Database db_;
    bool keep_labels_;
    std::array<uint8_t, 256> thumb_lut_;
};

/// Database of the rows `rows` of ds (ids = the dataset row numbers, so a hit names its source
/// image), labels if ds has them, thumbnails if ds has u8 pixels and `thumbnails` (with
/// `thumb_levels` gray levels, see DatabaseBuilder); with folder_thumbnails, an image folder's own RGB
/// thumbnails (Dataset::thumbs) instead of its input pixels. Strings and label names come along.
dq::Database build_database(const dq::Model& model, const Dataset& ds, const std::vector<uint32_t>& rows,
                            bool thumbnails = true, uint32_t thumb_levels = 256, bool folder_thumbnails = false);

}  // namespace dqt
