// Every heap allocation of the trainer starts on a 64-byte boundary.
//
// Why: with AVX (8-float packets) Eigen's vectorized reductions over a Map of a std::vector start
// with a scalar head whose length depends on the buffer's address modulo 32. glibc's malloc only
// promises 16, so the same sums could be added in a different order from one allocation to the
// next, and a resumed run (same values, new buffers) drifted from an uninterrupted one. Aligning
// every allocation makes the summation order a function of the sizes alone, which is what the
// trainer's bit-for-bit determinism rests on. (Eigen's own matrices are already aligned.)
#include <cstdlib>
#include <new>

namespace {
constexpr std::size_t kAlign = 64;

void* aligned_or_throw(std::size_t n) {
    const std::size_t rounded = (n + kAlign - 1) / kAlign * kAlign;  // aligned_alloc wants a multiple
    if (void* p = std::aligned_alloc(kAlign, rounded == 0 ? kAlign : rounded)) return p;
    throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) { return aligned_or_throw(n); }
void* operator new[](std::size_t n) { return aligned_or_throw(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try { return aligned_or_throw(n); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    try { return aligned_or_throw(n); } catch (...) { return nullptr; }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
