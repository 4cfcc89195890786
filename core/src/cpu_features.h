// CPU / runtime feature probes: the one place every kernel registry (kernels/*.inc) takes its
// `supported` predicates from.
//
// A probe answers "may this process run a kernel compiled for that ISA?". It is called when an
// operator picks its kernel (dq::pick_best, once per process), never inside a loop. In the wasm
// builds the ISA is chosen by loading a different module, so there is nothing to probe at run time.
#pragma once

namespace dq {
namespace cpu {

/// Kernels every build can run: the scalar references and portable C++.
inline bool always() { return true; }

#if defined(__x86_64__) || defined(__i386__)
// __builtin_cpu_supports also checks that the OS saves the YMM state (XGETBV).
inline bool avx2() { return __builtin_cpu_supports("avx2"); }
inline bool sse41() { return __builtin_cpu_supports("sse4.1"); }
// The AVX-512 kernels use BW byte / word ops and VL 128 / 256-bit forms; the probe checks both (and,
// through the compiler runtime, that the OS saves the ZMM state).
inline bool avx512bw() { return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"); }
#endif

#if defined(__wasm_simd128__)
/// The SIMD128 module is only instantiated where the JS loader validated a SIMD probe module, so
/// inside it the answer is always yes (and the baseline module never lists a SIMD128 kernel).
inline bool wasm_simd128() { return true; }
#endif

}  // namespace cpu
}  // namespace dq
