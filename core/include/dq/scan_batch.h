// Batched lookup-table scan: 16 queries over the same codes in one pass.
//
// Why: a single-query 8-bit scan costs one byte load, one table load and one add per code and
// subspace, and the table load is a scalar gather that no SIMD width helps. With 16 queries the table
// is stored query-minor (interleave_luts), so code c of subspace m points at 16 contiguous floats, one
// per query: one byte load then one 64-byte vector read serves 16 queries (Faiss's query blocking,
// applied to the table instead of the codes). Each query's terms are still added in increasing m,
// starting from the m = 0 term, in float: every lane is bit-identical to dq_scan_lut8_u8__scalar on
// that query's own table, so a batch returns exactly what 16 single searches return.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dq/kernel.h"
#include "dq/topk.h"

namespace dq {

/// Queries per batched scan: the kernels' fixed width (a shorter batch pads its tables).
constexpr uint32_t kScanBatch = 16;

/// luts: nq tables of M × K floats one after another (nq <= 16); lutq: M × K × 16 floats,
/// lutq[(m K + c) 16 + q] = luts[q][m K + c], lanes q >= nq set to 0.
void interleave_luts(const float* luts, size_t nq, uint32_t M, uint32_t K, float* lutq);

/// lutq: M × K × 16 floats (interleave_luts); codes: n × M bytes (each < K); out: n × 16 floats,
/// out[16 i + q] = Σ_m lutq[(m K + codes[i M + m]) 16 + q] summed as the single-query scalar reference
/// sums (M = 0 gives 0).
using ScanBatchKernel = void (*)(const float* lutq, uint32_t M, uint32_t K, const uint8_t* codes, size_t n,
                                 float* out);
/// name e.g. "dq_scan_lut8_q16__avx2"; tile = codes per main-loop step.
using ScanBatchKernelInfo = KernelInfo<ScanBatchKernel>;

/// Every batched scan kernel of this build, the scalar reference first (kernels/scan-lut8q16.inc).
const std::vector<ScanBatchKernelInfo>& scan_batch_kernels();
/// The preferred supported one (pick_best), chosen once.
const ScanBatchKernelInfo& best_scan_batch_kernel();

/// Scalar reference.
void dq_scan_lut8_q16__scalar(const float* lutq, uint32_t M, uint32_t K, const uint8_t* codes, size_t n, float* out);

/// The top-k of nq <= 16 queries over n codes: scans in chunks with `kernel` and offers each query's
/// distance to tops[q] only when it is <= that query's current bound (one SIMD test per code for all
/// 16 queries), so the result equals pushing every distance. ids: n ids or nullptr (positions);
/// allow: nullptr or a bitmap of n bits (filter.h), failing items never offered.
void scan_batch_topk(ScanBatchKernel kernel, const float* lutq, uint32_t M, uint32_t K, const uint8_t* codes,
                     size_t n, const uint32_t* ids, const uint8_t* allow, size_t nq, TopK* tops);

}  // namespace dq
