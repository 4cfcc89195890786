// The contract every kernel registry keeps (dq/kernel.h), shared by the operators' suites
// (test_scan.cpp, test_fastscan.cpp, test_encoder.cpp) and checked in every build: native, wasm
// SIMD128 and wasm baseline. A header on purpose: it reads the including file's DQ_KERNELS_* set,
// and tests/CMakeLists.txt builds every file that includes it once per wasm module.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dq/kernel.h"

namespace dqtest {

/// ks: the operator's registry; best: what the operator uses; op: the kernel name before "__isa"
/// (e.g. "dq_scan_lut8_u8"). Scalar reference first with tile 1, best == pick_best(ks), and the
/// build's SIMD kernel picked wherever it is compiled and supported.
template <class Fn>
void check_registry(const std::vector<dq::KernelInfo<Fn>>& ks, const dq::KernelInfo<Fn>& best, const std::string& op) {
    REQUIRE(!ks.empty());
    CHECK(ks.front().name == op + "__scalar");
    CHECK(ks.front().tile == 1);
    CHECK(ks.front().supported());
    CHECK(&best == &dq::pick_best(ks));
    CHECK(best.supported());
#if defined(DQ_KERNELS_AVX2)
    // An operator with an AVX-512 kernel prefers it where the CPU has AVX512BW / VL.
    bool has_avx512 = false;
    for (const auto& k : ks) has_avx512 |= k.name == op + "__avx512";
    if (has_avx512 && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        CHECK(best.name == op + "__avx512");
    else if (__builtin_cpu_supports("avx2"))
        CHECK(best.name == op + "__avx2");
#endif
#if defined(DQ_KERNELS_WASMSIMD)
    CHECK(best.name == op + "__wasmsimd");
#elif defined(__EMSCRIPTEN__)
    CHECK(ks.size() == 1);  // the baseline module holds the scalar reference only
#endif
}

}  // namespace dqtest
