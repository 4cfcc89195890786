// The trainer's one random generator. Every seeded draw of the trainer (shuffles, initial weights,
// K-means++, splits, negatives) goes through it, so a seed means the same numbers on every platform.
#pragma once

#include <cstdint>

namespace dqt {

/// SplitMix64: the trainer's portable seeded generator (std::shuffle and the standard
/// distributions differ between library implementations; this does not).
struct SplitMix64 {
    uint64_t state;
    explicit SplitMix64(uint64_t seed) : state(seed) {}
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-32 for our n).
    uint64_t below(uint64_t n) { return uint64_t((__uint128_t(next()) * n) >> 64); }
    /// Uniform in [0, 1).
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }
    /// Standard normal (Box–Muller, one value per call).
    double normal();
};

}  // namespace dqt
