// Primitives of the file formats: CRC-32, IEEE half conversion, model/database compatibility.
#include "dq/format.h"

#include <cstring>

#include "dq/error.h"

namespace dq {

namespace {

struct CrcTable {
    uint32_t t[256];
    CrcTable() {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
    }
};

}  // namespace

uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc) {
    static const CrcTable table;
    crc = ~crc;
    for (size_t i = 0; i < size; ++i) crc = table.t[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint16_t float_to_half(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint16_t sign = uint16_t((x >> 16) & 0x8000);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) {
        if (ax == 0x7f800000u) return sign | 0x7c00;
        return uint16_t(sign | 0x7e00 | ((ax >> 13) & 0x3ff));  // quiet NaN, top payload bits kept
    }
    if (ax >= 0x477ff000u) return sign | 0x7c00;  // >= 65520 rounds (to even) past 65504
    if (ax >= 0x38800000u) {                      // normal half: rebias 127 -> 15, round 13 bits
        uint32_t h = (ax - 0x38000000u) >> 13;
        const uint32_t rem = ax & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;  // a carry into the exponent is right
        return uint16_t(sign | h);
    }
    if (ax <= 0x33000000u) return sign;  // <= 2^-25: the tie with 2^-24 goes to even (zero)
    // Subnormal half: value / 2^-24 = mantissa * 2^(e - 126).
    const uint32_t e = ax >> 23;
    const uint32_t m = (ax & 0x7fffff) | 0x800000;
    const uint32_t shift = 126 - e;  // 14..24
    uint32_t h = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) ++h;  // 0x400 is the smallest normal: also right
    return uint16_t(sign | h);
}

float half_to_float(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000) << 16;
    const uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
    uint32_t x;
    if (e == 0) {
        float f = float(m) * 5.9604644775390625e-8f;  // m * 2^-24, exact
        std::memcpy(&x, &f, 4);
        x |= sign;
    } else if (e == 31) {
        x = sign | 0x7f800000u | (m << 13);
    } else {
        x = sign | ((e + 112) << 23) | (m << 13);
    }
    float out;
    std::memcpy(&out, &x, 4);
    return out;
}

void check_compatible(const Model& model, const Database& db) {
    const uint64_t fp = codebook_fingerprint(model);
    if (fp != db.model_fingerprint || model.M != db.M || model.K != db.K)
        throw FormatError(strformat(
            "model/database mismatch: the database was encoded with model %016llx (M=%u, K=%u), "
            "this model is %016llx (M=%u, K=%u); re-encode the database with this model",
            (unsigned long long)db.model_fingerprint, db.M, db.K, (unsigned long long)fp, model.M, model.K));
}

}  // namespace dq
