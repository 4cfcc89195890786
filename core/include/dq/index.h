// Index: a model plus a code database, searchable from raw pixels.
//
// This is the query-time object every front end shares (trainer CLI `search`, the wasm package, the
// page): encode the query with the model's encoder, build its M×K lookup table (SDC: from its own
// code through the K×K tables, paper Eq. 5; ADC: from its float latent vector), scan all codes with
// the kernel chosen at construction, keep the top k.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dq/database.h"
#include "dq/encoder.h"
#include "dq/model.h"
#include "dq/pq.h"
#include "dq/scan.h"

namespace dq {

enum class SearchMode : uint8_t { sdc = 0, adc = 1 };
/// Parses "sdc" | "adc"; throws dq::Error otherwise.
SearchMode parse_search_mode(const std::string& s);

class Index {
public:
    /// Takes ownership. Throws FormatError if `db` was not encoded with `model`.
    Index(Model model, Database db);
    /// An empty database for `model` (fill it with add()).
    explicit Index(Model model);

    const Model& model() const { return model_; }
    const Database& database() const { return db_; }
    const ProductQuantizer& pq() const { return pq_; }
    const Encoder& encoder() const { return encoder_; }
    const char* scan_kernel_name() const { return scan_->name; }
    size_t size() const { return db_.size(); }

    /// x: n × input_dim floats (already scaled as the model expects); z: n × latent_dim.
    /// Throws dq::Error on non-finite input.
    void embed(const float* x, size_t n, float* z) const;
    /// x: n × input_dim; codes: n × M.
    void encode(const float* x, size_t n, uint8_t* codes) const;

    /// x: n × input_dim; distances: n × k; ids: n × k (external ids, -1 padding past size()).
    /// Each row sorted by (distance, id). Throws dq::Error if k == 0.
    void search(const float* x, size_t n, size_t k, SearchMode mode, float* distances,
                int64_t* ids) const;
    /// SDC search from codes already computed (n × M bytes).
    void search_codes(const uint8_t* codes, size_t n, size_t k, float* distances, int64_t* ids) const;
    /// Distances to every database item for one query (size() floats), in database order.
    void distances(const float* x, SearchMode mode, float* out) const;

    /// Encodes and appends n items. labels may be nullptr (stored as -1 if the database has labels).
    void add(const float* x, size_t n, const uint32_t* ids, const int32_t* labels);
    /// Appends n already-encoded items.
    void add_codes(const uint8_t* codes, size_t n, const uint32_t* ids, const int32_t* labels);

    /// Position of an external id in the database, or -1.
    int64_t position_of(uint32_t id) const;

private:
    void lut_for(const float* z, const uint8_t* code, SearchMode mode, float* lut) const;
    void scan_topk(const float* lut, size_t k, float* distances, int64_t* ids) const;

    Model model_;
    Database db_;
    ProductQuantizer pq_;
    Encoder encoder_;
    std::vector<float> sdc_;     ///< M × K × K
    const ScanKernelInfo* scan_ = nullptr;
};

}  // namespace dq
