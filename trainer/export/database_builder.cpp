#include "export/database_builder.h"

#include <cstdlib>
#include <cstring>
#include <memory>

#include "dq/encoder.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"

namespace dqt {

std::array<uint8_t, 256> gray_levels_lut(uint32_t levels) {
    DQ_CHECK(levels >= 2 && levels <= 256, "thumbnail levels must be in [2, 256], got %u", levels);
    std::vector<int> value(levels);
    for (uint32_t k = 0; k < levels; ++k) value[k] = int((2 * k * 255 + (levels - 1)) / (2 * (levels - 1)));
    std::array<uint8_t, 256> lut{};
    for (int p = 0; p < 256; ++p) {
        int best = value[0];
        for (int v : value)
            if (std::abs(v - p) < std::abs(best - p)) best = v;
        lut[size_t(p)] = uint8_t(best);
    }
    return lut;
}

DatabaseBuilder::DatabaseBuilder(const dq::Model& model, bool keep_labels, uint32_t th, uint32_t tw, uint32_t tc,
                                 uint32_t thumb_levels)
    : model_(model), keep_labels_(keep_labels), thumb_lut_(gray_levels_lut(thumb_levels)) {
    model.validate();
    db_.M = model.M;
    db_.K = model.K;
    db_.model_fingerprint = dq::codebook_fingerprint(model);
    db_.thumb_height = th;
    db_.thumb_width = tw;
    db_.thumb_channels = tc;
}

void DatabaseBuilder::add(const float* x, size_t n, const uint32_t* ids, const int32_t* labels,
                          const uint8_t* pixels) {
    if (n == 0) return;
    const size_t M = model_.M, D = model_.input_dim(), old = db_.ids.size();
    db_.codes.resize((old + n) * M);
    // Chunks encoded in parallel by per-thread Index copies: the core's encode is a pure function of
    // the model and the input, so the codes do not depend on the split.
    const size_t chunk = 256;
    const long long nchunks = (long long)((n + chunk - 1) / chunk);
    std::string error;
#pragma omp parallel
    {
        std::unique_ptr<dq::Index> index;
        try {
            index = std::make_unique<dq::Index>(model_);
        } catch (const std::exception& e) {
#pragma omp critical
            error = e.what();
        }
#pragma omp for schedule(dynamic, 1)
        for (long long c = 0; c < nchunks; ++c) {
            if (!index) continue;
            size_t b = size_t(c) * chunk, e = std::min(n, b + chunk);
            try {
                index->encode(x + b * D, e - b, &db_.codes[(old + b) * M]);
            } catch (const std::exception& ex) {
#pragma omp critical
                if (error.empty()) error = dq::strformat("item %zu: %s", old + b, ex.what());
            }
        }
    }
    if (!error.empty()) throw dq::Error("encoding the database: " + error);
    db_.ids.insert(db_.ids.end(), ids, ids + n);
    if (keep_labels_) {
        if (labels) db_.labels.insert(db_.labels.end(), labels, labels + n);
        else db_.labels.insert(db_.labels.end(), n, -1);
    }
    const size_t tb = db_.thumb_bytes();
    if (tb) {
        DQ_CHECK(pixels != nullptr, "database thumbnails: add() without pixels");
        const size_t old_bytes = db_.thumbnails.size();
        db_.thumbnails.insert(db_.thumbnails.end(), pixels, pixels + n * tb);
        for (size_t i = old_bytes; i < db_.thumbnails.size(); ++i) db_.thumbnails[i] = thumb_lut_[db_.thumbnails[i]];
    }
}

dq::Database DatabaseBuilder::finish() {
    db_.validate();
    return std::move(db_);
}

dq::Database build_database(const dq::Model& model, const Dataset& ds, const std::vector<uint32_t>& rows,
                            bool thumbnails, uint32_t thumb_levels, bool folder_thumbnails) {
    DQ_CHECK(ds.dim == model.input_dim(), "dataset %s has %zu values per image (%u×%u×%u), the model expects %u (%u×%u×%u)",
             ds.name.c_str(), ds.dim, ds.input.height, ds.input.width, ds.input.channels, model.input_dim(),
             model.input.height, model.input.width, model.input.channels);
    const bool own = thumbnails && folder_thumbnails && !ds.thumbs.empty();
    const bool thumbs = own || (thumbnails && ds.has_pixels());
    const uint32_t th = !thumbs ? 0 : own ? ds.thumb_height : ds.input.height;
    const uint32_t tw = !thumbs ? 0 : own ? ds.thumb_width : ds.input.width;
    const uint32_t tc = !thumbs ? 0 : own ? 3 : ds.input.channels;
    const size_t tb = size_t(th) * tw * tc;
    const uint8_t* source = own ? ds.thumbs.data() : ds.pixels.data();
    DatabaseBuilder b(model, ds.has_labels(), th, tw, tc, thumb_levels);
    const size_t step = 4096;
    std::vector<float> x;
    std::vector<int32_t> labels;
    std::vector<uint8_t> px;
    for (size_t s = 0; s < rows.size(); s += step) {
        size_t e = std::min(rows.size(), s + step);
        x.resize((e - s) * ds.dim);
        labels.resize(e - s);
        px.resize(thumbs ? (e - s) * tb : 0);
        for (size_t r = s; r < e; ++r) {
            DQ_CHECK(rows[r] < ds.n, "database row %u out of range (dataset has %zu)", rows[r], ds.n);
            std::memcpy(&x[(r - s) * ds.dim], ds.row(rows[r]), ds.dim * sizeof(float));
            if (ds.has_labels()) labels[r - s] = ds.labels[rows[r]];
            if (thumbs) std::memcpy(&px[(r - s) * tb], source + size_t(rows[r]) * tb, tb);
        }
        b.add(x.data(), e - s, &rows[s], ds.has_labels() ? labels.data() : nullptr, thumbs ? px.data() : nullptr);
    }
    dq::Database db = b.finish();
    if (!ds.strings.empty())
        for (uint32_t r : rows) db.strings.push_back(ds.strings[r]);
    if (ds.has_labels()) db.label_names = ds.label_names;
    db.validate();
    return db;
}

}  // namespace dqt
