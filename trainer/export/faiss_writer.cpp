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
