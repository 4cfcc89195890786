#include "export.h"

#include <cstdlib>
#include <cstring>
#include <memory>

#include "dq/encoder.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"

namespace dqt {

dq::Model serialize_model(dq::Model model, dq::WeightType wt, std::vector<uint8_t>& bytes) {
    model.weight_type = wt;
    bytes = dq::write_model(model);
    return dq::read_model(bytes.data(), bytes.size());
}

namespace {

// Per-input sums of layer `upto`'s input over x, in double: chunks through layers [0, upto) of m
// by the core encoder (the exact forward pass the exported model will run), chunk sums added in
// chunk order, so the result does not depend on the thread count.
std::vector<double> layer_input_sums(const dq::Model& m, size_t upto, const float* x, size_t n) {
    const size_t chunk = 256, nchunks = (n + chunk - 1) / chunk, D = m.input_dim();
    const size_t width = upto == 0 ? D : m.layers[upto - 1].out;
    std::vector<std::vector<double>> part(nchunks);
    const dq::Encoder enc(m);
#pragma omp parallel for schedule(dynamic, 1)
    for (long long c = 0; c < (long long)nchunks; ++c) {
        const size_t b = size_t(c) * chunk, k = std::min(n, b + chunk) - b;
        std::vector<float> cur(k * width);
        enc.forward_prefix(x + b * D, k, upto, cur.data());
        std::vector<double>& s = part[size_t(c)];
        s.assign(width, 0.0);
        for (size_t i = 0; i < k; ++i)
            for (size_t j = 0; j < width; ++j) s[j] += cur[i * width + j];
    }
    std::vector<double> sum(width, 0.0);
    for (const auto& s : part)
        for (size_t j = 0; j < width; ++j) sum[j] += s[j];
    return sum;
}

}  // namespace

dq::Model export_model(const dq::Model& trained, dq::WeightType wt, const float* x, size_t n,
                       std::vector<uint8_t>& bytes) {
    dq::Model q = serialize_model(trained, wt, bytes);
    if (wt != dq::WeightType::int4 || n == 0) return q;
    // q holds the int4 weights; its biases are corrected layer by layer, each correction seen by
    // the layers after it. The writer re-quantizes `fixed`'s (trained) weights to the same q.
    dq::Model fixed = trained;
    for (size_t l = 0; l < q.layers.size(); ++l) {
        const std::vector<double> sum = layer_input_sums(q, l, x, n);
        dq::DenseLayer& L = q.layers[l];
        const dq::DenseLayer& T = trained.layers[l];
        for (uint32_t r = 0; r < L.out; ++r) {
            double shift = 0;
            for (uint32_t c = 0; c < L.in; ++c)
                shift += (double(T.weight[size_t(r) * L.in + c]) - double(L.weight[size_t(r) * L.in + c])) * (sum[c] / double(n));
            L.bias[r] = float(double(T.bias[r]) + shift);
        }
        fixed.layers[l].bias = L.bias;
    }
    return serialize_model(fixed, wt, bytes);
}

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
                            bool thumbnails, uint32_t thumb_levels) {
    DQ_CHECK(ds.dim == model.input_dim(), "dataset %s has %zu values per image (%u×%u×%u), the model expects %u (%u×%u×%u)",
             ds.name.c_str(), ds.dim, ds.input.height, ds.input.width, ds.input.channels, model.input_dim(),
             model.input.height, model.input.width, model.input.channels);
    const bool thumbs = thumbnails && ds.has_pixels();
    DatabaseBuilder b(model, ds.has_labels(), thumbs ? ds.input.height : 0, thumbs ? ds.input.width : 0,
                      thumbs ? ds.input.channels : 0, thumb_levels);
    const size_t step = 4096;
    std::vector<float> x;
    std::vector<int32_t> labels;
    std::vector<uint8_t> px;
    for (size_t s = 0; s < rows.size(); s += step) {
        size_t e = std::min(rows.size(), s + step);
        x.resize((e - s) * ds.dim);
        labels.resize(e - s);
        px.resize(thumbs ? (e - s) * ds.dim : 0);
        for (size_t r = s; r < e; ++r) {
            DQ_CHECK(rows[r] < ds.n, "database row %u out of range (dataset has %zu)", rows[r], ds.n);
            std::memcpy(&x[(r - s) * ds.dim], ds.row(rows[r]), ds.dim * sizeof(float));
            if (ds.has_labels()) labels[r - s] = ds.labels[rows[r]];
            if (thumbs) std::memcpy(&px[(r - s) * ds.dim], &ds.pixels[size_t(rows[r]) * ds.dim], ds.dim);
        }
        b.add(x.data(), e - s, &rows[s], ds.has_labels() ? labels.data() : nullptr, thumbs ? px.data() : nullptr);
    }
    return b.finish();
}

namespace {

struct Bytes {
    std::vector<uint8_t> v;
    template <class T>
    void put(T x) {
        uint8_t b[sizeof(T)];
        std::memcpy(b, &x, sizeof(T));  // little-endian host (the core refuses big-endian files anyway)
        v.insert(v.end(), b, b + sizeof(T));
    }
    void put_raw(const void* p, size_t n) {
        const auto* c = static_cast<const uint8_t*>(p);
        v.insert(v.end(), c, c + n);
    }
    void fourcc(const char* s) { put_raw(s, 4); }
};

// Index::d, ntotal, two ignored dummies, is_trained, metric_type (L2 = 1; no metric_arg for L2).
void index_header(Bytes& b, int32_t d, int64_t ntotal) {
    b.put<int32_t>(d);
    b.put<int64_t>(ntotal);
    b.put<int64_t>(int64_t(1) << 20);
    b.put<int64_t>(int64_t(1) << 20);
    b.put<uint8_t>(1);
    b.put<int32_t>(1);
}

}  // namespace

std::vector<uint8_t> faiss_index_pq(const dq::Model& model, const dq::Database& db, bool idmap) {
    dq::check_compatible(model, db);
    const uint64_t d = model.latent_dim(), M = model.M, nbits = model.nbits(), ksub = model.K;
    DQ_CHECK(d <= (1u << 20), "faiss export: dimension %llu exceeds Faiss's limit 2^20", (unsigned long long)d);
    const size_t n = db.size();
    const size_t code_size = (M * nbits + 7) / 8;
    std::vector<uint8_t> packed(n * code_size, 0);
    for (size_t i = 0; i < n; ++i) {
        const uint8_t* c = &db.codes[i * M];
        uint8_t* o = &packed[i * code_size];
        if (nbits == 8) {
            std::memcpy(o, c, M);
        } else {  // 4-bit: LSB first, two sub-codes per byte
            for (size_t m = 0; m < M; ++m) o[m / 2] |= uint8_t((c[m] & 0xF) << (4 * (m % 2)));
        }
    }
    Bytes b;
    if (idmap) {
        b.fourcc("IxMp");
        index_header(b, int32_t(d), int64_t(n));
    }
    b.fourcc("IxPq");
    index_header(b, int32_t(d), int64_t(n));
    b.put<uint64_t>(d);
    b.put<uint64_t>(M);
    b.put<uint64_t>(nbits);
    b.put<uint64_t>(d * ksub);
    DQ_CHECK(model.codebooks.size() == d * ksub, "faiss export: codebooks hold %zu floats, expected %llu",
             model.codebooks.size(), (unsigned long long)(d * ksub));
    b.put_raw(model.codebooks.data(), model.codebooks.size() * sizeof(float));
    b.put<uint64_t>(packed.size());
    b.put_raw(packed.data(), packed.size());
    b.put<int32_t>(0);                       // search_type = ST_PQ (ADC)
    b.put<uint8_t>(0);                       // encode_signs
    b.put<int32_t>(int32_t(nbits * M + 1));  // polysemous_ht: Faiss's default
    if (idmap) {
        b.put<uint64_t>(n);
        for (uint32_t id : db.ids) b.put<int64_t>(int64_t(id));
    }
    return b.v;
}

}  // namespace dqt
