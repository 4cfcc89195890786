// A database as a Faiss index file, byte for byte what Faiss itself writes (read back by Debian's
// python3-faiss in tests/trainer/test_export.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "dq/database.h"
#include "dq/model.h"

namespace dqt {

/// Faiss serialization (see STYLE.md "Faiss IndexPQ, byte by byte"): an IndexPQ ("IxPq", L2,
/// d = latent dim, nbits 8 or 4 with LSB-first packing, search_type ST_PQ) holding the database's
/// codes; with idmap, wrapped in an IndexIDMap ("IxMp") carrying the database ids as int64.
std::vector<uint8_t> faiss_index_pq(const dq::Model& model, const dq::Database& db, bool idmap);

/// A 4-bit database (K = 16; dq::Error otherwise) as a Faiss IndexPQFastScan ("IPfs"): the IndexPQ's
/// header and quantizer, then implem 0, bbs 32, qbs 0, ntotal2 = n rounded up to 32, M2 = M rounded up
/// to even, and the codes in Faiss's pq4 block layout (pq4_pack_codes below) — byte for byte what
/// faiss.IndexPQFastScan(index_pq) serializes (tests/trainer/test_export.cpp). Faiss searches it with
/// 8-bit quantized lookup tables, so its distances (and near-tie order) are approximate.
std::vector<uint8_t> faiss_index_pq_fastscan(const dq::Model& model, const dq::Database& db, bool idmap);

/// Faiss's pq4_pack_codes for bbs = 32: codes (n × code_size bytes, 4-bit sub-codes LSB first) ->
/// ceil(n / 32) blocks of M2 / 2 × 32 bytes. In a block, for each pair of sub-quantizers (sq, sq + 1),
/// 32 bytes: byte j (< 16) holds sub-code sq of items perm(j) (low nibble) and perm(j) + 16 (high),
/// byte 16 + j the same for sub-code sq + 1, perm = 0, 8, 1, 9, ..., 7, 15. Missing items and the pad
/// sub-quantizer of an odd M are 0.
std::vector<uint8_t> pq4_pack_codes(const uint8_t* codes, size_t n, size_t code_size, size_t M2);

}  // namespace dqt
