// Binary file formats: model.dqm and gallery.dqdb.
//
// Layout (little-endian), shared by both files:
//   [0,64)   file header: magic(8) "\x89DQM\r\n\x1a\n" or "\x89DQB\r\n\x1a\n", version_major(u16),
//            version_minor(u16), endian tag 0x01020304 (u32), file_size(u64), header_size(u32)=64,
//            section_count(u32), section_table_offset(u64)=64, flags(u32), alignment(u32)=64,
//            fingerprint(u64), reserved(u32)=0, header_crc32(u32) over bytes [0,60) + section table.
//   [64, 64+64*count) section table, one 64-byte entry each: kind fourcc(u32), dtype(u16),
//            flags(u16; bit0 = required), offset(u64, multiple of 64), size(u64), crc32(u32),
//            ndim(u32), dims[4](u64).
//   sections, each 64-byte aligned, gaps zero-filled.
//   No header flag bits are defined in 1.x; readers ignore `flags` and `reserved` (both CRC-covered).
//   Section dtypes (u16): 1 f32, 2 f16, 3 i8, 4 u8, 5 u32, 6 i32, 7 utf8. Kinds are fourccs whose first
//   character is the lowest byte, so the file shows "ARCH", "CODE", ... as text. The writer lays the
//   sections out in table order with nothing after the last one; a reader accepts any order.
// Model sections (the structure is binary, so META never has to be parsed to load a model):
//   ARCH (required, u32 [9 + 3L]): input height, width, channels, input scale (f32 bits), M, K, dsub,
//        weight type (0 f32, 1 f16, 2 int8, 3 int4), L = layer count, then per layer: in, out,
//        activation (0 linear, 1 relu).
//   META (optional, utf8): Model::meta_json verbatim (provenance JSON; never parsed by the reader).
//   Wnnn (required): f32 / f16 / i8 [out, in] for weight types 0-2; for int4, u8 [out, ceil(in/2)]:
//        row r starts at byte r * ceil(in/2), input c is the low nibble of byte c/2 when c is even and
//        the high nibble when odd (Faiss's LSB-first 4-bit order), each a two's-complement q in
//        [-7, 7] (0x8 = -8 is refused); when in is odd the last high nibble of every row is padding
//        and must be 0.
//   Snnn (required for int8 and int4 only; f32, finite and >= 0): int8 [out], one scale per row,
//        w[r, c] = q * S[r]; int4 [out, ceil(in/32)], one scale per group of kInt4Group = 32
//        consecutive inputs (the last group of a row may be shorter), w[r, c] = q * S[r, c/32].
//   Bnnn (required, f32 [out]); nnn = layer index, 3 digits.
//   CDBK (required, f32 [M, K, dsub]).
//   IMGP (optional, u32 [3]; present iff InputSpec::from_image_files): background 0xRRGGBB, resize
//        rule, gray rule. Rule 1 (the only one) = dq/image.h's box filter and BT.601 weights; a
//        reader refuses any other rule by name. Its absence means "pixels go in as they are".
//   STDZ (present iff InputSpec::standardized(), f32 [2, D], D = input dim; flagged required): row 0
//        the per-dimension means, row 1 the scales of the input standardization x' = (x - mean) *
//        scale (model.h); all finite, scales > 0. Models of feature vectors only (never with IMGP).
//   Header fingerprint = codebook_fingerprint(model), re-checked by the reader.
// Database sections:
//   HEAD (required, u32 [6]): N, M, K, thumbnail height, width, channels (all 0: no thumbnails).
//   CODE (required, u8 [N, M]), IDS_ (required, u32 [N]), LABL (optional, i32 [N]),
//   THMB (present iff HEAD declares thumbnails, u8 [N, th, tw, tc]),
//   STRS (optional, u8 [bytes]: u32 offsets[N + 1] (offsets[0] = 0, non-decreasing, offsets[N] =
//        blob size) followed by the UTF-8 blob; string i = blob[offsets[i], offsets[i+1])).
//   LNAM (optional, needs LABL, u8 [bytes]): u32 L in [1, 2^24], then u32 offsets[L + 1] and a UTF-8
//        blob as in STRS; name of label l = blob[offsets[l], offsets[l+1]); every label is -1 or < L.
//   Header fingerprint = codebook_fingerprint() of the model that encoded the codes.
// Sections written by this version are flagged required except META. A reader skips unknown
// optional sections and refuses unknown required ones (PNG's ancillary / critical chunks); a minor
// version bump may only add optional sections, and ARCH values a reader refuses by name.
// IMGP and LNAM were added within 1.1 as optional sections, without a version bump: a 1.1 reader that
// predates them skips them (losing only the background and the label names), and a file without
// them is byte for byte what that reader's writer made, so every earlier file is unchanged.
// STDZ was added within 1.1 the same way (no version bump; a model without it, i.e. every pixel
// model, is byte for byte unchanged), but flagged required: a reader that skipped it would feed raw
// features to an encoder trained on standardized ones and answer silently wrong, so a 1.1 reader
// that predates it refuses such a model ("section STDZ: unknown required section ...") instead.
// Versions: 1.0 first release. 1.1 adds weight type 3 (int4) and nothing else: a 1.0 reader refuses
// an int4 model with "section ARCH: unknown weight type 3"; every other file a 1.1 writer makes is
// byte for byte what 1.0 wrote apart from version_minor (and so the header CRC), and 1.0 reads it.
//
// Readers check, in order: size >= 64, magic, endian tag, major version, file_size == buffer size,
// header CRC, every entry (checked offset + size <= file_size, alignment, no overlap,
// size == dtype_size * prod(dims)), every byte outside header, table and sections is zero (so any
// single corrupted byte is detected), section CRCs, then kinds, shapes and cross-field consistency
// (limits of model.h before allocating, finite values, code bytes < K). Any failure throws
// dq::FormatError with a message naming the field and the numbers, e.g.
// "section CODE: needs 280000 bytes at offset 4096, file has 1024", "truncated: file is 1000 bytes,
// header says 2048", "bad magic: not a DeepQuan model file (got 3c 21 44 4f ...); it looks like an
// HTML page ...", "unsupported version 3.0 (this reader: 1.x)".
// The core does no file I/O: writers return bytes, readers take bytes. Callers own atomic writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dq/database.h"
#include "dq/model.h"

namespace dq {

constexpr uint16_t kFormatVersionMajor = 1;
constexpr uint16_t kFormatVersionMinor = 1;

/// int4 weights share one scale per this many consecutive inputs of a row (fixed by format 1.1).
/// Measured on mnist10k (32 bits, seed 0): whole-row scales cost about 2 MAP points, groups of 32
/// under 0.7 and, with the trainer's bias correction, under 0.3.
constexpr uint32_t kInt4Group = 32;

/// Serializes a model, storing encoder weights as `model.weight_type`: f32 exactly; f16 rounded to
/// nearest even (a weight beyond ±65504 throws); int8 symmetric per output row, scale = max|w|/127,
/// q = round(w / scale) in [-127, 127], so the reader's q * scale is within scale/2 of w; int4 the
/// same per group of kInt4Group inputs with q in [-7, 7] and scale = max|w|/7 rounded up to a
/// bfloat16 value (low 16 bits zero: gzip then shrinks the scales to about a third).
/// Biases and codebooks are always f32. Throws dq::Error if the model is invalid.
std::vector<uint8_t> write_model(const Model& model);

/// Parses and validates a model file. `data` must hold exactly the file (size bytes).
/// Weights come back as f32 (dequantized); weight_type records what the file held.
/// f32 files round-trip exactly: write_model(read_model(b)) == b.
Model read_model(const uint8_t* data, size_t size);

/// Serializes a database. Throws dq::Error if it is inconsistent.
std::vector<uint8_t> write_database(const Database& db);

/// Parses and validates a database file.
Database read_database(const uint8_t* data, size_t size);

/// Throws FormatError("model/database mismatch: ...") unless `db` was encoded with `model`
/// (fingerprint, M and K agree).
void check_compatible(const Model& model, const Database& db);

/// CRC-32 (IEEE 802.3 / zlib polynomial); crc32("123456789") == 0xcbf43926.
uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc = 0);

/// IEEE half <-> float, round-to-nearest-even; used for f16 weights.
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);

}  // namespace dq
