// 64-bit FNV-1a: the one non-cryptographic fingerprint of the project (codebook fingerprints in the
// file formats, the trainer's data and settings fingerprints, distinct-code counting). Chosen for being
// tiny and byte-order-free; it detects accidents (another model, another data set), not tampering.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dq {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;  ///< FNV-1a 64-bit offset basis
constexpr uint64_t kFnvPrime = 0x100000001b3ull;        ///< FNV-1a 64-bit prime

/// FNV-1a over `n` bytes at `data`, continuing from `h` (pass a previous result to chain buffers).
inline uint64_t fnv1a(const void* data, size_t n, uint64_t h = kFnvOffset) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * kFnvPrime;
    return h;
}

}  // namespace dq
