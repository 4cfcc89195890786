// The section container of dq/format.h (64-byte header, section table, 64-aligned sections, CRC-32 of
// the header and of every section) for files that are neither models nor databases: the trainer's
// checkpoints and its pretrained-autoencoder cache. They get the same reader checks (truncation,
// overlaps, zero gaps, checksums) as the files the browser reads, and their own magic, so one kind is
// never taken for another ("bad magic: this is a DeepQuan model file (.dqm), not a training checkpoint
// file (.ckpt)").
//
// Sections are typed arrays named by a fourcc ("ENCP"); every section written here is required. The
// layout of what a kind holds (which sections, their meaning, its own version) is the writer's: the
// container only guarantees that what is read is exactly what was written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dq {

enum class StateFile : uint8_t { checkpoint, autoencoder };

/// Collects sections, then lays them out. kind: exactly four ASCII characters.
class ContainerWriter {
public:
    void f32(const char* kind, const std::vector<float>& v);     ///< f32 [n]
    void u32(const char* kind, const std::vector<uint32_t>& v);  ///< u32 [n]
    void i32(const char* kind, const std::vector<int32_t>& v);   ///< i32 [n]
    void u8(const char* kind, const std::vector<uint8_t>& v);    ///< u8 [n]
    void u64(const char* kind, const std::vector<uint64_t>& v);  ///< u32 [n, 2]: low word, high word
    void f64(const char* kind, const std::vector<double>& v);    ///< u8 [n, 8]: the IEEE bits, little-endian
    void text(const char* kind, const std::string& s);           ///< utf8 [bytes] (any bytes; not checked)
    /// The file: header fingerprint `fingerprint`, sections in the order they were added.
    std::vector<uint8_t> bytes(StateFile file, uint64_t fingerprint) const;

private:
    struct Pending {
        uint32_t kind;
        uint16_t dtype;
        std::vector<uint64_t> dims;
        std::vector<uint8_t> bytes;
    };
    void add(const char* kind, uint16_t dtype, std::vector<uint64_t> dims, std::vector<uint8_t> bytes);
    std::vector<Pending> sections_;
};

/// Validates a whole file of kind `file` (throws dq::FormatError naming the problem, as the model and
/// database readers do) and reads its sections. Keeps a pointer into `data`: the buffer must outlive it.
/// Each getter throws FormatError when the section is missing or of another type or shape.
class ContainerReader {
public:
    ContainerReader(StateFile file, const uint8_t* data, size_t size);
    ~ContainerReader();
    ContainerReader(const ContainerReader&) = delete;
    ContainerReader& operator=(const ContainerReader&) = delete;

    uint64_t fingerprint() const;
    bool has(const char* kind) const;
    std::vector<float> f32(const char* kind) const;
    std::vector<uint32_t> u32(const char* kind) const;
    std::vector<int32_t> i32(const char* kind) const;
    std::vector<uint8_t> u8(const char* kind) const;
    std::vector<uint64_t> u64(const char* kind) const;
    std::vector<double> f64(const char* kind) const;
    std::string text(const char* kind) const;

private:
    struct Impl;
    Impl* impl_;
};

}  // namespace dq
