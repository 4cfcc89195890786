// Lookup-table scan: d(i) = Σ_m lut[m*K + codes[i*M + m]] for every code of a database.
//
// One kernel family serves both search modes: SDC gathers its M×K table from the K×K tables by the
// query's code, ADC computes it from the query's float vector (see pq.h). Every kernel adds the M
// terms in increasing m, in float, so all variants return bit-identical distances and therefore the
// same ranking. Kernels are named dq_scan_lut<bits>_<layout>__<isa> and listed in
// kernels/scan_registry.inc; tests and benchmarks iterate over that list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dq {

/// lut: M × K floats; codes: n × M bytes (each < K); out: n floats.
using ScanKernel = void (*)(const float* lut, uint32_t M, uint32_t K, const uint8_t* codes,
                            size_t n, float* out);

struct ScanKernelInfo {
    const char* name;     ///< e.g. "dq_scan_lut8_u8__avx2"
    ScanKernel fn;
    bool (*supported)();  ///< whether this CPU / runtime can run it
};

/// Every 8-bit-code scan kernel compiled into this build, the scalar reference first.
const std::vector<ScanKernelInfo>& scan_kernels();

/// The fastest supported kernel; chosen once (callers store the pointer, never branch per code).
const ScanKernelInfo& best_scan_kernel();

/// Scalar reference.
void dq_scan_lut8_u8__scalar(const float* lut, uint32_t M, uint32_t K, const uint8_t* codes,
                             size_t n, float* out);

}  // namespace dq
