#include "export/faiss_writer.h"

#include <cstdlib>
#include <cstring>
#include <memory>

#include "dq/encoder.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"

namespace dqt {

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

// The database's codes as ProductQuantizer::compute_codes leaves them: code_size = ceil(M nbits / 8)
// bytes per item, 4-bit sub-codes LSB first (PQEncoderGeneric: sub-code 2j low nibble of byte j).
std::vector<uint8_t> pq_codes(const dq::Model& model, const dq::Database& db) {
    const size_t M = model.M, nbits = model.nbits(), n = db.size(), code_size = (M * nbits + 7) / 8;
    std::vector<uint8_t> packed(n * code_size, 0);
    for (size_t i = 0; i < n; ++i) {
        const uint8_t* c = &db.codes[i * M];
        uint8_t* o = &packed[i * code_size];
        if (nbits == 8) {
            std::memcpy(o, c, M);
        } else {
            for (size_t m = 0; m < M; ++m) o[m / 2] |= uint8_t((c[m] & 0xF) << (4 * (m % 2)));
        }
    }
    return packed;
}

// The checks both index types share, then the IndexIDMap header if asked and the index header.
void begin_index(Bytes& b, const dq::Model& model, const dq::Database& db, bool idmap, const char* fourcc) {
    dq::check_compatible(model, db);
    const uint64_t d = model.latent_dim();
    DQ_CHECK(d <= (1u << 20), "faiss export: dimension %llu exceeds Faiss's limit 2^20", (unsigned long long)d);
    DQ_CHECK(model.codebooks.size() == d * model.K, "faiss export: codebooks hold %zu floats, expected %llu",
             model.codebooks.size(), (unsigned long long)(d * model.K));
    if (idmap) {
        b.fourcc("IxMp");
        index_header(b, int32_t(d), int64_t(db.size()));
    }
    b.fourcc(fourcc);
    index_header(b, int32_t(d), int64_t(db.size()));
}

// write_ProductQuantizer: d, M, nbits, then the centroids as a vector (M × K × dsub floats).
void product_quantizer(Bytes& b, const dq::Model& model) {
    b.put<uint64_t>(model.latent_dim());
    b.put<uint64_t>(model.M);
    b.put<uint64_t>(model.nbits());
    b.put<uint64_t>(model.codebooks.size());
    b.put_raw(model.codebooks.data(), model.codebooks.size() * sizeof(float));
}

void end_index(Bytes& b, const dq::Database& db, bool idmap) {
    if (!idmap) return;
    b.put<uint64_t>(db.size());
    for (uint32_t id : db.ids) b.put<int64_t>(int64_t(id));
}

}  // namespace

std::vector<uint8_t> faiss_index_pq(const dq::Model& model, const dq::Database& db, bool idmap) {
    Bytes b;
    begin_index(b, model, db, idmap, "IxPq");
    product_quantizer(b, model);
    const std::vector<uint8_t> packed = pq_codes(model, db);
    b.put<uint64_t>(packed.size());
    b.put_raw(packed.data(), packed.size());
    b.put<int32_t>(0);                                      // search_type = ST_PQ (ADC)
    b.put<uint8_t>(0);                                      // encode_signs
    b.put<int32_t>(int32_t(model.nbits() * model.M + 1));  // polysemous_ht: Faiss's default
    end_index(b, db, idmap);
    return b.v;
}

std::vector<uint8_t> pq4_pack_codes(const uint8_t* codes, size_t n, size_t code_size, size_t M2) {
    static const uint8_t perm0[16] = {0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15};
    const size_t nb = (n + 31) / 32 * 32;
    std::vector<uint8_t> out(nb * M2 / 2, 0);
    uint8_t* o = out.data();
    for (size_t i0 = 0; i0 < nb; i0 += 32) {
        for (size_t sq = 0; sq < M2; sq += 2) {
            uint8_t c0[32], c1[32];  // sub-codes sq and sq + 1 of the block's 32 items (0 past the end)
            for (size_t j = 0; j < 32; ++j) {
                const size_t i = i0 + j, col = sq / 2;
                const uint8_t c = i < n && col < code_size ? codes[i * code_size + col] : 0;
                c0[j] = c & 15;
                c1[j] = c >> 4;
            }
            for (size_t j = 0; j < 16; ++j) {
                o[j] = uint8_t(c0[perm0[j]] | (c0[perm0[j] + 16] << 4));
                o[j + 16] = uint8_t(c1[perm0[j]] | (c1[perm0[j] + 16] << 4));
            }
            o += 32;
        }
    }
    return out;
}

std::vector<uint8_t> faiss_index_pq_fastscan(const dq::Model& model, const dq::Database& db, bool idmap) {
    DQ_CHECK(model.K == 16,
             "faiss export: IndexPQFastScan holds 4-bit codes (K = 16) and this model has K = %u; export an IndexPQ",
             model.K);
    Bytes b;
    begin_index(b, model, db, idmap, "IPfs");
    product_quantizer(b, model);
    const size_t n = db.size(), M2 = (model.M + 1) / 2 * 2;
    const std::vector<uint8_t> codes = pq_codes(model, db);
    const std::vector<uint8_t> blocks = pq4_pack_codes(codes.data(), n, (model.M * 4 + 7) / 8, M2);
    b.put<int32_t>(0);                             // implem: Faiss picks its kernel
    b.put<int32_t>(32);                            // bbs: items per block
    b.put<int32_t>(0);                             // qbs: default query blocking
    b.put<int64_t>(int64_t((n + 31) / 32 * 32));  // ntotal2: items rounded up to a block
    b.put<uint64_t>(M2);                           // M2: sub-quantizers rounded up to a pair
    b.put<uint64_t>(blocks.size());
    b.put_raw(blocks.data(), blocks.size());
    end_index(b, db, idmap);
    return b.v;
}

}  // namespace dqt
