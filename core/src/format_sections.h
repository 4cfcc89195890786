// Private to the format code: the helpers every section reader and writer shares (model.dqm in
// format_model.cpp, gallery.dqdb in format_database.cpp), one set, as Faiss keeps its index readers'
// macros in impl/io_macros.h. The container itself (header, table, CRCs) is format_layout.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dq/error.h"
#include "format_layout.h"

namespace dq {
namespace fmt {

/// A section to write: `bytes` already holds the little-endian payload of dims (dtype size ×
/// prod(dims) == bytes.size(); write_container checks it).
inline SectionOut section(uint32_t kind, DType dtype, std::vector<uint64_t> dims, std::vector<uint8_t> bytes,
                          uint16_t flags = kFlagRequired) {
    SectionOut s;
    s.kind = kind;
    s.dtype = dtype;
    s.flags = flags;
    s.dims = std::move(dims);
    s.bytes = std::move(bytes);
    return s;
}

/// v.size() × 4 bytes: each value cast to u32 (an i32 keeps its two's-complement bits), little-endian.
template <class T>
std::vector<uint8_t> u32_bytes(const std::vector<T>& v) {
    std::vector<uint8_t> b(v.size() * 4);
    for (size_t i = 0; i < v.size(); ++i) st32(&b[i * 4], uint32_t(v[i]));
    return b;
}

/// n × 4 bytes: the IEEE bits of v[0..n), little-endian.
inline std::vector<uint8_t> f32_bytes(const float* v, size_t n) {
    std::vector<uint8_t> b(n * 4);
    for (size_t i = 0; i < n; ++i) st32(&b[i * 4], f32_bits(v[i]));
    return b;
}

/// The size / 4 floats of a validated f32 section.
inline std::vector<float> f32_values(const SectionIn& s) {
    std::vector<float> v(size_t(s.size / 4));
    for (size_t i = 0; i < v.size(); ++i) v[i] = ldf32(s.data + 4 * i);
    return v;
}

/// Points `slot` at `s`; throws FormatError ("section CODE appears twice") if a section of that kind
/// was already seen. Readers keep one slot per known kind.
inline void set_once(const SectionIn*& slot, const SectionIn& s) {
    DQ_CHECK_FORMAT(slot == nullptr, "section %s appears twice", s.name().c_str());
    slot = &s;
}

/// Runs validate() on what a reader built (a Model or Database). A file whose sections parse but
/// describe an invalid object is a format problem: a plain dq::Error becomes FormatError("invalid
/// <what>: <message>"); a FormatError passes unchanged.
template <class T>
void validate_read(const T& value, const char* what) {
    try {
        value.validate();
    } catch (const FormatError&) {
        throw;
    } catch (const Error& e) {
        throw FormatError(std::string("invalid ") + what + ": " + e.what());
    }
}

}  // namespace fmt
}  // namespace dq
