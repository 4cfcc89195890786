// Fast-scan for 4-bit codes (K = 16): byte-shuffle lookups over a blocked layout, then an exact
// float re-rank. Beyond the paper; the idea is Faiss's IndexPQFastScan (André et al.).
//
// Why it is fast: a subspace's 16 distances, quantized to u8, fit one 16-byte register, so a byte
// shuffle (pshufb natively, i8x16.swizzle in wasm SIMD128) looks up 16 codes per 16-byte lane in one
// instruction (SSE4.1 and wasm: one block, AVX2: two, AVX-512BW: four) instead of one load per code and
// subspace. Why it stays exact: the u16 sums only pick
// a candidate pool; every candidate is then re-scored with the float LUT in the same order as
// dq_scan_lut8_u8__scalar, so returned distances equal exact 4-bit ADC/SDC distances bit for bit
// (only recall can suffer, when a true neighbour misses the pool).
//
// Blocked layout (derived at load from the n × M byte codes, never stored in a file):
//   M2 = M rounded up to even (a padding subspace has code 0 and an all-zero table row).
//   Codes are grouped in blocks of 32, blocks in groups of 4 (128 codes; the last group padded with
//   code 0). Group g occupies 64 × M2 bytes at offset g × 64 × M2; within it subspace m occupies
//   64 bytes at m × 64, and there block l (0..3) of the group 16 bytes at l × 16, whose byte j (0..15)
//   = code[32b + j][m] | code[32b + 16 + j][m] << 4 for block b = 4g + l.
//   So one 16-byte load gives subspace m of all 32 codes of a block (low nibbles = codes 0..15, high
//   = 16..31), one 32-byte load (AVX2) subspace m of two blocks, one 64-byte load (AVX-512) of four,
//   each 16-byte lane against the same (broadcast) table row. Why the blocks of a group sit side by
//   side per subspace rather than a block's subspaces side by side (Faiss's order, and ours before):
//   the lanes of an accumulator then hold different codes, not partial sums of the same codes in
//   different subspaces, so no fold across lanes ends a block; at M = 8 that fold cost about as much
//   as the lookups, and made the AVX-512 kernel slower than the AVX2 one.
//
// Quantized table: q[m][k] = round((lut[m][k] - min_k lut[m][.]) × scale), one scale for all
// subspaces (so sums stay comparable), scale = 127 / max_m (max - min of row m): 7 bits, so that the
// bytes of two subspaces add as bytes without overflow (254) before they are widened, which the
// SIMD kernels do (a quarter less u16 work). Measured on Gaussian data (bench_scan): recall@10 against
// exact ADC 0.94 at a pool of 10 (8 bits: 0.975), 1.000 from 20 on. Sums of M2 ≤ 256 entries fit u16
// (256 × 127), so every kernel's u16 output is the exact integer sum and all variants agree bit for
// bit. distance ≈ sum / scale + bias, bias = Σ_m min_m.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dq/kernel.h"

namespace dq {

/// Codes per block of the 4-bit blocked layout.
constexpr size_t kFastScanBlock = 32;
/// Largest M fast-scan accepts (u16 sums must not overflow).
constexpr uint32_t kFastScanMaxM = 256;
/// Largest quantized table entry (QuantizedLut4::q); kernels may add two entries as bytes.
constexpr uint32_t kFastScanLutMax = 127;

/// Blocks per group of the layout (a kernel's 64-byte load spans one subspace of a group).
constexpr size_t kFastScanGroup = 4;

/// Bytes of the blocked layout for n codes of M subspaces: ceil(n / 128) × 64 × M2 (whole groups).
size_t fastscan_packed_bytes(size_t n, uint32_t M);

/// codes: n × M bytes, each < 16; packed: fastscan_packed_bytes(n, M) bytes (fully written,
/// padding included). Throws dq::Error naming the first code ≥ 16, or M == 0 / M > 256.
void pack_codes4(const uint8_t* codes, size_t n, uint32_t M, uint8_t* packed);
/// Inverse of pack_codes4: codes (n × M bytes) from the blocked layout.
void unpack_codes4(const uint8_t* packed, size_t n, uint32_t M, uint8_t* codes);

/// A float LUT quantized to bytes for the shuffle kernels.
struct QuantizedLut4 {
    uint32_t M = 0;             ///< subspaces of the source LUT
    uint32_t M2 = 0;            ///< rows of `q`: M rounded up to even
    std::vector<uint8_t> q;     ///< M2 × 16 bytes, row m = subspace m; padding row all zero
    float scale = 1.0f;         ///< u16 units per distance unit
    float bias = 0.0f;          ///< Σ_m min_k lut[m][k], summed in increasing m
    /// Approximate float distance of a u16 sum.
    float to_distance(uint32_t sum) const { return float(sum) / scale + bias; }
};

/// lut: M × 16 floats (an ADC or SDC table of a K = 16 quantizer). Throws dq::Error on a non-finite
/// entry or M outside 1..256. All-equal rows give scale 1 and all-zero bytes.
QuantizedLut4 quantize_lut4(const float* lut, uint32_t M);

/// Fast-scan kernel: q is M2 × 16 bytes, each <= kFastScanLutMax (QuantizedLut4::q; all M2 rows are
/// summed, so a padding row must be zero, as quantize_lut4 leaves it), packed starts a group of the layout
/// above (M2 = M rounded up to even) and holds ceil(nblocks / 4) whole groups: a kernel may read the
/// last group whole, but reports only blocks < nblocks. The threshold test is fused into the kernel, as Faiss's result
/// handlers do, so that the common block (none of its codes can enter the candidate pool) costs no
/// store and no second pass: for each block with some sum <= threshold, in block order, the kernel
/// writes its 32 u16 sums (code order, padding codes included) to out[32 c ..] and its index (0-based
/// in this call) to blocks[c], c = 0, 1, ...; it returns c. out holds up to nblocks × 32 sums, blocks
/// nblocks entries. threshold 65535 keeps every block (the plain scan). Every variant writes the
/// same blocks and identical sums.
using FastScanKernel = size_t (*)(const uint8_t* q, uint32_t M, const uint8_t* packed, size_t nblocks,
                                  uint16_t threshold, uint16_t* out, uint32_t* blocks);

/// name e.g. "dq_scan_lut4_blk32__avx2"; tile = 32-code blocks per main-loop step.
using FastScanKernelInfo = KernelInfo<FastScanKernel>;

/// Every fast-scan kernel compiled into this build (kernels/scan-lut4-<isa>.cpp), the scalar
/// reference first, then in order of preference (kernels/scan-lut4.inc).
const std::vector<FastScanKernelInfo>& fastscan_kernels();
/// The preferred supported kernel (pick_best); chosen once.
const FastScanKernelInfo& best_fastscan_kernel();

/// Scalar reference.
size_t dq_scan_lut4_blk32__scalar(const uint8_t* q, uint32_t M, const uint8_t* packed, size_t nblocks,
                                  uint16_t threshold, uint16_t* out, uint32_t* blocks);

/// The default candidate pool for k results: max(8 k, 64) (see the recall figures in the report of
/// bench_scan; the pool is a recall / speed knob, not a correctness one).
size_t fastscan_default_pool(size_t k);
/// Candidates a search of n codes for k results re-ranks: pool (0 = fastscan_default_pool(k))
/// clipped to [k, n].
size_t fastscan_pool(size_t k, size_t pool, size_t n);

/// n codes of M 4-bit subspaces in the blocked layout, built once from the byte codes.
class FastScanCodes {
public:
    FastScanCodes() = default;
    /// codes: n × M bytes, each < 16 (throws dq::Error otherwise). The byte codes are not kept.
    FastScanCodes(const uint8_t* codes, size_t n, uint32_t M);

    /// Appends n codes (n × M bytes, each < 16) after the existing ones without repacking them: the
    /// last partial block's zero padding nibbles are overwritten in place, then new blocks follow.
    /// The result is byte for byte the layout the constructor builds from all codes at once. Throws
    /// dq::Error (nothing appended) on a code ≥ 16, on more than 2^32 − 1 codes in all, or when
    /// default-constructed (M = 0).
    void append(const uint8_t* codes, size_t n);

    size_t size() const { return n_; }
    uint32_t M() const { return M_; }
    size_t nblocks() const { return (n_ + kFastScanBlock - 1) / kFastScanBlock; }
    const uint8_t* packed() const { return packed_.data(); }
    /// Code of item i, subspace m, read back from the blocked layout.
    uint8_t code(size_t i, uint32_t m) const;

    /// Top-k of one query. lut: M × 16 floats. ids: size() external ids (nullptr = positions).
    /// pool: candidates re-ranked exactly (0 = fastscan_default_pool(k); clipped to size()).
    /// Writes k results sorted by (distance, id, position); distances are the exact float LUT sums
    /// (bit-identical to dq_scan_lut8_u8__scalar); padding +inf / -1 past size().
    /// kernel: nullptr = best_fastscan_kernel(). Throws dq::Error if k == 0.
    /// allow: nullptr, or a bitmap of size() bits (filter.h): only passing items enter the pool, which
    /// is then clipped to the passing count instead of size(), so a pool covering the passing items
    /// returns the exact filtered top-k; padding past the passing count.
    /// out_pos: nullptr, or k positions of the hits (-1 padding); ties of (distance, id) go to the
    /// lower position.
    void search(const float* lut, size_t k, size_t pool, const uint32_t* ids, float* distances, int64_t* out_ids,
                FastScanKernel kernel = nullptr, const uint8_t* allow = nullptr, int64_t* out_pos = nullptr) const;

private:
    size_t n_ = 0;
    uint32_t M_ = 0;
    std::vector<uint8_t> packed_;
};

}  // namespace dq
