// Private to the format code (and its tests): the container shared by .dqm and .dqdb files.
//
// A container is the 64-byte header, the section table and the 64-aligned sections described in
// dq/format.h. This layer knows nothing about models or databases: write_container() lays out and
// checksums a list of sections; parse_container() checks everything that does not depend on the
// section kinds (header fields, version, sizes, CRCs, alignment, overlaps, zero gaps) and returns
// views into the caller's buffer. The model and database readers then check kinds and shapes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

namespace dq {
namespace fmt {

constexpr size_t kHeaderSize = 64;
constexpr size_t kEntrySize = 64;
constexpr size_t kAlign = 64;
constexpr uint32_t kEndianTag = 0x01020304;
constexpr uint32_t kMaxSections = 4096;   ///< 3 per layer + a few: far above any real file
constexpr uint16_t kFlagRequired = 1;     ///< section flag bit 0

// Header field offsets.
constexpr size_t kOffVersionMajor = 8, kOffVersionMinor = 10, kOffEndian = 12, kOffFileSize = 16,
                 kOffHeaderSize = 24, kOffSectionCount = 28, kOffTableOffset = 32, kOffFlags = 40,
                 kOffAlignment = 44, kOffFingerprint = 48, kOffReserved = 56, kOffHeaderCrc = 60;
// Section entry field offsets (relative to the entry).
constexpr size_t kEntKind = 0, kEntDtype = 4, kEntFlags = 6, kEntOffset = 8, kEntSize = 16,
                 kEntCrc = 24, kEntNdim = 28, kEntDims = 32;

/// Element types of sections. 0 is never valid, so a zeroed entry is refused.
enum class DType : uint16_t { f32 = 1, f16 = 2, i8 = 3, u8 = 4, u32 = 5, i32 = 6, utf8 = 7 };
size_t dtype_size(uint16_t dtype);        ///< 0 for an unknown dtype
std::string dtype_name(uint16_t dtype);   ///< "f32", ..., or "dtype 9"

/// model.dqm, gallery.dqdb, and the trainer's own files in the same container (dq/container.h).
enum class FileKind { model, database, checkpoint, autoencoder };

/// Fourcc as stored: the first character is the lowest byte, so the file shows the ASCII text.
constexpr uint32_t fourcc(const char (&s)[5]) {
    return uint32_t(uint8_t(s[0])) | uint32_t(uint8_t(s[1])) << 8 | uint32_t(uint8_t(s[2])) << 16 |
           uint32_t(uint8_t(s[3])) << 24;
}
/// "CODE", or "0x00ff1234" when not printable.
std::string kind_name(uint32_t kind);

inline uint16_t ld16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }
inline uint32_t ld32(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint64_t ld64(const uint8_t* p) { return uint64_t(ld32(p)) | uint64_t(ld32(p + 4)) << 32; }
inline float ldf32(const uint8_t* p) {
    uint32_t u = ld32(p);
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline void st16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v);
    p[1] = uint8_t(v >> 8);
}
inline void st32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
inline void st64(uint8_t* p, uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
inline uint32_t f32_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

/// Overflow-checked u64 arithmetic: false when the result does not fit.
inline bool add_ok(uint64_t a, uint64_t b, uint64_t* r) { return !__builtin_add_overflow(a, b, r); }
inline bool mul_ok(uint64_t a, uint64_t b, uint64_t* r) { return !__builtin_mul_overflow(a, b, r); }

/// A section to write. `bytes` already holds the little-endian payload.
struct SectionOut {
    uint32_t kind = 0;
    DType dtype = DType::u8;
    uint16_t flags = kFlagRequired;
    std::vector<uint64_t> dims;   ///< 0..4 dims; dtype size × prod(dims) must equal bytes.size()
    std::vector<uint8_t> bytes;
};

/// Lays the sections out in the given order (each at the next multiple of 64, zero gaps), fills in
/// the table and all CRCs. Throws dq::Error on a shape / size mismatch (a writer bug).
std::vector<uint8_t> write_container(FileKind kind, uint64_t fingerprint,
                                     const std::vector<SectionOut>& sections);

/// A validated section: its bounds, alignment, size-vs-shape and CRC have been checked.
struct SectionIn {
    uint32_t kind = 0;
    uint16_t dtype = 0;
    uint16_t flags = 0;
    uint64_t offset = 0;
    uint64_t size = 0;
    uint32_t crc = 0;
    uint32_t ndim = 0;
    uint64_t dims[4] = {0, 0, 0, 0};
    const uint8_t* data = nullptr;   ///< view into the caller's buffer
    std::string name() const { return kind_name(kind); }
    bool required() const { return (flags & kFlagRequired) != 0; }
    /// Throws FormatError unless dtype and dims are exactly these ("section W000: dims [8, 16],
    /// expected [8, 12]").
    void expect(DType dtype, std::initializer_list<uint64_t> dims) const;
};

struct Container {
    uint16_t version_major = 0;
    uint16_t version_minor = 0;
    uint64_t fingerprint = 0;
    std::vector<SectionIn> sections;   ///< in table order
};

/// Checks the container in the order of dq/format.h; throws dq::FormatError on the first problem.
Container parse_container(FileKind kind, const uint8_t* data, size_t size);

/// Throws FormatError for a section the reader does not know if it is flagged required; an unknown
/// optional section is skipped (the caller just ignores it).
void refuse_unknown_required(const SectionIn& s, FileKind kind);

/// Length of the longest valid UTF-8 prefix (== size when the whole buffer is valid). Rejects
/// overlong forms, surrogates and code points above U+10FFFF, as a browser's TextDecoder would
/// replace them.
size_t utf8_valid_prefix(const uint8_t* p, size_t size);

}  // namespace fmt
}  // namespace dq
