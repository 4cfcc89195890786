// Lookup-table scan: d(i) = Σ_m lut[m*K + codes[i*M + m]] for every code of a database.
//
// One kernel family serves both search modes: SDC gathers its M×K table from the K×K tables by the
// query's code, ADC computes it from the query's float vector (see pq.h). Every kernel adds the M
// terms in increasing m, in float, so all variants return bit-identical distances and therefore the
// same ranking. Kernels are named dq_scan_lut<bits>_<layout>__<isa>, live in
// kernels/scan-lut8-<isa>.cpp and are listed in kernels/scan-lut8.inc; tests and benchmarks iterate
// over that list (scan_kernels()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dq/kernel.h"

namespace dq {

/// lut: M × K floats; codes: n × M bytes (each < K); out: n floats.
using ScanKernel = void (*)(const float* lut, uint32_t M, uint32_t K, const uint8_t* codes,
                            size_t n, float* out);

/// name e.g. "dq_scan_lut8_u8__avx2"; tile = codes per main-loop step.
using ScanKernelInfo = KernelInfo<ScanKernel>;

/// Every 8-bit-code scan kernel compiled into this build, the scalar reference first, then in order
/// of preference (kernels/scan-lut8.inc). Unsupported ones are listed too: check supported().
const std::vector<ScanKernelInfo>& scan_kernels();

/// The fastest supported kernel (pick_best: the last supported entry of the list); chosen once (callers store
/// the pointer, never branch per code). Natively on x86-64 with AVX2: dq_scan_lut8_u8__avx2; in
/// the wasm SIMD build: dq_scan_lut8_u8__wasmsimd; otherwise the scalar reference.
const ScanKernelInfo& best_scan_kernel();

/// Scalar reference: out[i] = lut[c0] + lut[K + c1] + ... summed left to right from the m = 0
/// term (M = 0 gives 0). Any K works here; SIMD variants specialize K = 16 and 256 and fall back
/// to this for other shapes. For a long scan followed by top-k, scan in chunks of a few thousand
/// codes into a small buffer and feed each chunk to dq::TopK (topk.h): that avoids a round trip
/// of the whole distance array through memory.
void dq_scan_lut8_u8__scalar(const float* lut, uint32_t M, uint32_t K, const uint8_t* codes,
                             size_t n, float* out);

}  // namespace dq
