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
// Model sections: META (utf8 JSON), Wnnn / Bnnn (layer nnn weights out×in and bias; f32, f16 or i8),
//   Snnn (f32 per-row scales of an i8 layer), CDBK (f32 M×K×dsub). The META JSON carries the
//   structural fields (input spec, layer dims and activations, M, K, dsub, weight dtype) that the
//   reader cross-checks against the section dims.
// Database sections: META (utf8 JSON: N, M, K), CODE (u8 N×M), IDS_ (u32 N), optional LABL (i32 N),
//   THMB (u8 N×th×tw×tc), STRS (u32 (N+1) offsets followed by the UTF-8 blob). The header
//   fingerprint of a database is the codebook fingerprint of its model.
//
// Readers check, in order: size >= 64, magic, endian tag, major version, file_size == buffer size,
// header CRC, every entry (checked offset + size <= file_size, alignment, no overlap,
// size == dtype_size * prod(dims)), section CRCs, then cross-field consistency. Any failure throws
// dq::FormatError with a message naming the field and the numbers, e.g.
// "truncated: CODE needs 280000 bytes at offset 4096, file has 1024".
// The core does no file I/O: writers return bytes, readers take bytes. Callers own atomic writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dq/database.h"
#include "dq/model.h"

namespace dq {

constexpr uint16_t kFormatVersionMajor = 1;
constexpr uint16_t kFormatVersionMinor = 0;

/// Serializes a model, storing encoder weights as `model.weight_type`.
/// Throws dq::Error if the model is invalid.
std::vector<uint8_t> write_model(const Model& model);

/// Parses and validates a model file. `data` must hold exactly the file (size bytes).
/// Weights come back as f32 (dequantized); weight_type records what the file held.
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
