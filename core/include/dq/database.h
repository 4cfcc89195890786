// In-memory code database: what `gallery.dqdb` holds (see format.h for the bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dq {

constexpr uint32_t kMaxLabelNames = 1u << 24;   ///< Database::label_names limit, checked before allocating

/// N items, each an M-byte PQ code (one byte per subspace, also for K = 16: the 4-bit packing of
/// the Faiss export and the blocked fast-scan layout are derived, never stored).
struct Database {
    uint32_t M = 0;                     ///< bytes per code
    uint32_t K = 256;                   ///< codewords per subspace of the model that encoded it
    uint64_t model_fingerprint = 0;     ///< codebook_fingerprint() of that model
    std::vector<uint8_t> codes;         ///< N × M, row-major
    std::vector<uint32_t> ids;          ///< N external ids
    std::vector<int32_t> labels;        ///< empty, or N labels (-1 = unknown)
    uint32_t thumb_height = 0;          ///< 0 when there are no thumbnails
    uint32_t thumb_width = 0;
    uint32_t thumb_channels = 0;
    std::vector<uint8_t> thumbnails;    ///< empty, or N × th × tw × tc bytes
    std::vector<std::string> strings;   ///< empty, or N UTF-8 metadata strings (e.g. source file)
    /// Empty, or the name of each label value: label l >= 0 is called label_names[l] (for an image
    /// folder, the first-level sub-folder). Needs labels, every one -1 or below label_names.size().
    std::vector<std::string> label_names;

    size_t size() const { return ids.size(); }
    bool has_labels() const { return !labels.empty(); }
    bool has_thumbnails() const { return !thumbnails.empty(); }
    size_t thumb_bytes() const { return size_t(thumb_height) * thumb_width * thumb_channels; }
    /// Throws dq::Error naming the first inconsistent size. Checks: M in [1, kMaxWidth], K in
    /// {16, 256}, N = ids.size() < 2^32, codes.size() == N × M with every code byte < K, labels
    /// empty or N, thumbnail dims all zero (and no thumbnails) or all non-zero (channels <= 4) with
    /// thumbnails.size() == N × thumb_bytes(), strings empty or N valid UTF-8 strings whose total
    /// length fits in u32 (the STRS offsets); label_names empty, or (with labels) valid UTF-8 names,
    /// at most 2^24 of them (the LNAM section), totalling under 2^32 bytes, covering every label.
    void validate() const;
};

/// Items [begin, end) of db as a database of their own (same M, K, fingerprint, thumbnail shape;
/// labels, thumbnails and strings kept where db has them, and all the label names): a shard for a worker. Throws dq::Error
/// unless begin <= end <= db.size().
Database slice(const Database& db, size_t begin, size_t end);

}  // namespace dq
