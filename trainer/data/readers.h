// Internal to the dataset readers (idx.cpp, npy.cpp, vecs.cpp): a checked gzip-or-plain input file
// and the per-format reader factories that ImageReader::open dispatches to.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace dqt {

/// A file read through zlib's gzread, which passes plain files through unchanged, so every reader
/// accepts .gz transparently. Short reads and gzip errors throw dq::Error naming the file.
class InFile {
public:
    explicit InFile(const std::string& path);
    ~InFile();
    InFile(const InFile&) = delete;
    InFile& operator=(const InFile&) = delete;

    /// Reads exactly n bytes; `what` names them in the truncation message.
    void read_exact(void* dst, size_t n, const char* what);
    /// Reads exactly n bytes into a vector grown in 1 MiB steps, so that a corrupt size field in a
    /// compressed file fails at the end of the real data instead of allocating the claimed size.
    std::vector<uint8_t> read_exact_vector(size_t n, const char* what);
    /// Reads up to n bytes; returns how many (fewer only at the end of the data).
    size_t read_some(void* dst, size_t n);
    /// True if the file has no more data.
    bool at_end();
    /// Rewinds to the start of the (decompressed) data.
    void rewind();
    bool compressed() const { return compressed_; }
    /// On-disk size (compressed size for .gz).
    uint64_t disk_size() const { return disk_size_; }
    const std::string& path() const { return path_; }
    uint64_t offset() const { return offset_; }

private:
    std::string path_;
    void* gz_ = nullptr;
    bool compressed_ = false;
    uint64_t disk_size_ = 0;
    uint64_t offset_ = 0;
};

std::unique_ptr<ImageReader> open_idx_reader(const std::string& path);
std::unique_ptr<ImageReader> open_npy_reader(const std::string& path);
std::unique_ptr<ImageReader> open_vecs_reader(const std::string& path, bool bytes);

std::vector<int32_t> read_idx_labels(const std::string& path);
std::vector<int32_t> read_npy_labels(const std::string& path);

/// Image shape for n × d data without one: square images when d is a perfect square, else 1 × d.
dq::InputSpec spec_for_flat(size_t d, bool u8);

/// Lower-cased file name without directories.
std::string base_name_lower(const std::string& path);
bool ends_with(const std::string& s, const std::string& suffix);

}  // namespace dqt
