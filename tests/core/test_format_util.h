// Helpers shared by the format tests: small deterministic models and databases, and byte surgery on
// files (patch a field and re-seal the CRCs, rebuild a file with extra sections).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "test_model_builder.h"
#include "test_support.h"
#include "dq/database.h"
#include "dq/format.h"
#include "dq/model.h"
#include "format_layout.h"

namespace fmttest {

using Rng = dqtest::Rng;

/// Input h×w×1 -> dims[1] (relu) -> ... -> M*dsub (linear); weights uniform in ±wscale, seeded.
inline dq::Model make_model(std::vector<uint32_t> hidden, uint32_t M, uint32_t K, uint32_t dsub, uint64_t seed,
                            uint32_t h = 4, uint32_t w = 4, float wscale = 1.0f) {
    Rng rng(seed);
    dq::Model m = dqtest::random_model(h, w, 1, hidden, M, K, dsub, rng, [wscale](uint32_t) { return wscale; }, 0.5f);
    m.codebooks.resize(size_t(M) * K * dsub);
    for (float& v : m.codebooks) v = rng.uniform(-2, 2);
    m.meta_json = "{\"seed\": " + std::to_string(seed) + ", \"note\": \"test\"}";
    return m;
}

/// The smallest interesting model: 16 -> 8 (relu) -> 4, M = 2, K = 16, dsub = 2.
inline dq::Model small_model(uint64_t seed = 1) { return make_model({8}, 2, 16, 2, seed); }

/// n items for `model`, with optional labels, 2×3×1 thumbnails and strings.
inline dq::Database make_database(const dq::Model& model, uint32_t n, bool extras, uint64_t seed = 7) {
    Rng rng(seed);
    dq::Database db;
    db.M = model.M;
    db.K = model.K;
    db.model_fingerprint = dq::codebook_fingerprint(model);
    db.codes.resize(size_t(n) * db.M);
    for (auto& c : db.codes) c = uint8_t(rng.below(db.K));
    for (uint32_t i = 0; i < n; ++i) db.ids.push_back(1000 + 3 * i);
    if (extras) {
        for (uint32_t i = 0; i < n; ++i) db.labels.push_back(i % 4 == 3 ? -1 : int32_t(i % 3));
        db.thumb_height = 2;
        db.thumb_width = 3;
        db.thumb_channels = 1;
        db.thumbnails.resize(size_t(n) * 6);
        for (auto& t : db.thumbnails) t = uint8_t(rng.below(256));
        const char* names[] = {"a.png", "", "gr\xc3\xbc\xc3\x9f\x65.jpg", "dir/\xe2\x82\xac.png"};
        for (uint32_t i = 0; i < n; ++i) db.strings.push_back(names[i % 4]);
    }
    return db;
}

/// Recomputes every section CRC and then the header CRC, after a test patched some bytes.
inline void reseal(std::vector<uint8_t>& b) {
    using namespace dq::fmt;
    const uint32_t count = ld32(&b[kOffSectionCount]);
    for (uint32_t i = 0; i < count; ++i) {
        uint8_t* e = &b[kHeaderSize + kEntrySize * i];
        const uint64_t off = ld64(e + kEntOffset), size = ld64(e + kEntSize);
        if (off <= b.size() && size <= b.size() - off) st32(e + kEntCrc, dq::crc32(&b[off], size));
    }
    uint32_t h = dq::crc32(b.data(), kOffHeaderCrc);
    h = dq::crc32(&b[kHeaderSize], kEntrySize * count, h);
    st32(&b[kOffHeaderCrc], h);
}

/// Table entry of the section `kind` (nullptr if absent).
inline uint8_t* entry_of(std::vector<uint8_t>& b, const char (&kind)[5]) {
    using namespace dq::fmt;
    const uint32_t count = ld32(&b[kOffSectionCount]);
    for (uint32_t i = 0; i < count; ++i) {
        uint8_t* e = &b[kHeaderSize + kEntrySize * i];
        if (ld32(e + kEntKind) == fourcc(kind)) return e;
    }
    return nullptr;
}

/// Payload of the section `kind` in a valid file.
inline uint8_t* payload_of(std::vector<uint8_t>& b, const char (&kind)[5]) {
    uint8_t* e = entry_of(b, kind);
    return e ? &b[dq::fmt::ld64(e + dq::fmt::kEntOffset)] : nullptr;
}

/// Re-lays a valid file out after `edit` changed its section list (e.g. appended a section).
inline std::vector<uint8_t> rebuild(const std::vector<uint8_t>& b, dq::fmt::FileKind kind,
                                    const std::function<void(std::vector<dq::fmt::SectionOut>&)>& edit) {
    using namespace dq::fmt;
    Container c = parse_container(kind, b.data(), b.size());
    std::vector<SectionOut> out;
    for (const SectionIn& s : c.sections) {
        SectionOut o;
        o.kind = s.kind;
        o.dtype = DType(s.dtype);
        o.flags = s.flags;
        o.dims.assign(s.dims, s.dims + s.ndim);
        o.bytes.assign(s.data, s.data + s.size);
        out.push_back(std::move(o));
    }
    edit(out);
    return write_container(kind, c.fingerprint, out);
}

using dqtest::read_file;

inline bool write_file(const std::string& path, const std::vector<uint8_t>& b) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    const bool ok = std::fwrite(b.data(), 1, b.size(), f) == b.size();
    return std::fclose(f) == 0 && ok;
}

}  // namespace fmttest
