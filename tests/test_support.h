// Helpers every native test program shares (Catch2 suites and the dq_golden tool): a seeded,
// platform-independent generator, so golden data and tests draw the same numbers everywhere, a
// whole-file reader, and a scoped OpenMP thread count.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace dqtest {

/// SplitMix64.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed) {}
    uint64_t next() {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint32_t below(uint32_t n) { return uint32_t(next() % n); }
    float uniform(float lo, float hi) { return lo + (hi - lo) * float(next() >> 40) / float(1ull << 24); }
};

/// The whole file, or an empty vector if it cannot be opened.
inline std::vector<uint8_t> read_file(const std::string& path) {
    std::vector<uint8_t> out;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return out;
    unsigned char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
    std::fclose(f);
    return out;
}

/// OpenMP's thread count for a scope: the tests compare 1 and 2 threads (and the trainer sets the count
/// from its config), and every test must leave the next one the count it found. Without OpenMP, a no-op.
class OmpThreads {
public:
    OmpThreads() : saved_(get()) {}
    explicit OmpThreads(int n) : saved_(get()) { set(n); }
    ~OmpThreads() { set(saved_); }
    OmpThreads(const OmpThreads&) = delete;
    OmpThreads& operator=(const OmpThreads&) = delete;

    static void set(int n) {
#ifdef _OPENMP
        omp_set_num_threads(n);
#else
        (void)n;
#endif
    }

private:
    static int get() {
#ifdef _OPENMP
        return omp_get_max_threads();
#else
        return 1;
#endif
    }
    int saved_;
};

}  // namespace dqtest
