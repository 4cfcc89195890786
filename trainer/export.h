// Export: model.dqm, gallery.dqdb and Faiss IndexPQ files.
//
// Codes that leave the trainer are always computed by the core (dq::Index::encode: the encoder's
// fixed summation order and the core PQ encoder), from the model *as it reads back from its file*:
// with --weights f16, int8 or int4 the dequantized weights differ from the trained f32 ones, and the
// browser will encode its queries with the dequantized ones. That keeps the native and wasm codes
// bit-identical. (Eigen's training-time z is never used for exported codes.)
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dataset.h"
#include "dq/database.h"
#include "dq/model.h"

namespace dqt {

/// Serializes `model` with weights stored as `wt`, and returns the model as read back from those
/// bytes (what every front end will load). bytes receives the file.
dq::Model serialize_model(dq::Model model, dq::WeightType wt, std::vector<uint8_t>& bytes);

/// What `train` ships: serialize_model, except that for int4 each layer's bias is first corrected
/// for the mean shift the rounded weights cause on the training images (bias correction, Nagel et
/// al. 2019): b_l += (W_l - Wq_l) · mean(x_l), x_l = layer l's input through the already corrected
/// int4 layers before it, so every layer's mean pre-activation matches the trained model's. On
/// mnist10k (32 bits, seed 0) it brings int4's MAP loss from about 0.5 / 0.7 (SDC / ADC) to under
/// 0.3; f16 and int8 move MAP by < 0.1 and are written unchanged.
/// x: n × input_dim floats (the training set); deterministic for any thread count.
dq::Model export_model(const dq::Model& trained, dq::WeightType wt, const float* x, size_t n,
                       std::vector<uint8_t>& bytes);

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
/// `thumb_levels` gray levels, see DatabaseBuilder).
dq::Database build_database(const dq::Model& model, const Dataset& ds, const std::vector<uint32_t>& rows,
                            bool thumbnails = true, uint32_t thumb_levels = 256);

/// Faiss serialization (see STYLE.md "Faiss IndexPQ, byte by byte"): an IndexPQ ("IxPq", L2,
/// d = latent dim, nbits 8 or 4 with LSB-first packing, search_type ST_PQ) holding the database's
/// codes; with idmap, wrapped in an IndexIDMap ("IxMp") carrying the database ids as int64.
std::vector<uint8_t> faiss_index_pq(const dq::Model& model, const dq::Database& db, bool idmap);

}  // namespace dqt
