// The section container shared by .dqm and .dqdb (layout in dq/format.h).
#include <algorithm>

#include "dq/error.h"
#include "dq/format.h"
#include "format_layout.h"

namespace dq {
namespace fmt {

namespace {

// One row per file kind: its magic (PNG-style: the letter tells the kinds apart), the noun and the
// file-name ending its messages use.
struct KindInfo {
    FileKind kind;
    uint8_t magic[8];
    const char* noun;
    const char* ext;
};
const KindInfo kKinds[] = {
    {FileKind::model, {0x89, 'D', 'Q', 'M', '\r', '\n', 0x1a, '\n'}, "model", ".dqm"},
    {FileKind::database, {0x89, 'D', 'Q', 'B', '\r', '\n', 0x1a, '\n'}, "database", ".dqdb"},
    {FileKind::checkpoint, {0x89, 'D', 'Q', 'C', '\r', '\n', 0x1a, '\n'}, "training checkpoint", ".ckpt"},
    {FileKind::autoencoder, {0x89, 'D', 'Q', 'A', '\r', '\n', 0x1a, '\n'}, "pretrained autoencoder", ".ae"},
};
const KindInfo& info(FileKind k) {
    for (const KindInfo& i : kKinds)
        if (i.kind == k) return i;
    return kKinds[0];
}
const uint8_t* magic_of(FileKind k) { return info(k).magic; }
const char* noun(FileKind k) { return info(k).noun; }
const char* ext(FileKind k) { return info(k).ext; }

uint64_t align_up(uint64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

std::string hex_bytes(const uint8_t* p, size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += strformat(i ? " %02x" : "%02x", p[i]);
    return s;
}

std::string dims_str(uint32_t ndim, const uint64_t* dims) {
    std::string s = "[";
    for (uint32_t i = 0; i < ndim; ++i) s += strformat(i ? ", %llu" : "%llu", (unsigned long long)dims[i]);
    return s + "]";
}

// Everything a wrong-magic message can say about what the bytes are instead.
[[noreturn]] void bad_magic(FileKind kind, const uint8_t* data, size_t size) {
    for (const KindInfo& other : kKinds)
        if (other.kind != kind && size >= 8 && std::memcmp(data, other.magic, 8) == 0)
            throw FormatError(strformat("bad magic: this is a DeepQuan %s file (%s), not a %s file (%s)",
                                        other.noun, other.ext, noun(kind), ext(kind)));
    const uint8_t* mine = magic_of(kind);
    // PNG's trick: a "\r\n" -> "\n" conversion shortens the magic in a recognizable way.
    if (size >= 7 && std::memcmp(data, mine, 4) == 0 && data[4] == '\n' && data[5] == 0x1a)
        throw FormatError(strformat("bad magic: a DeepQuan %s file whose line endings were converted "
                                    "(transferred in text mode?)", noun(kind)));
    std::string msg = strformat("bad magic: not a DeepQuan %s file (got %s%s)", noun(kind),
                                hex_bytes(data, std::min<size_t>(size, 8)).c_str(),
                                size > 8 ? " ..." : "");
    size_t i = 0;
    if (size >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf) i = 3;  // UTF-8 BOM
    while (i < size && i < 64 && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) ++i;
    if (i < size && data[i] == '<')
        msg += "; it looks like an HTML page (an error or login page served instead of the file?)";
    throw FormatError(msg);
}

}  // namespace

size_t dtype_size(uint16_t dtype) {
    switch (DType(dtype)) {
        case DType::f32: case DType::u32: case DType::i32: return 4;
        case DType::f16: return 2;
        case DType::i8: case DType::u8: case DType::utf8: return 1;
    }
    return 0;
}

std::string dtype_name(uint16_t dtype) {
    switch (DType(dtype)) {
        case DType::f32: return "f32";
        case DType::f16: return "f16";
        case DType::i8: return "i8";
        case DType::u8: return "u8";
        case DType::u32: return "u32";
        case DType::i32: return "i32";
        case DType::utf8: return "utf8";
    }
    return strformat("dtype %u", unsigned(dtype));
}

std::string kind_name(uint32_t kind) {
    std::string s;
    for (int i = 0; i < 4; ++i) {
        char c = char((kind >> (8 * i)) & 0xff);
        if (c < 0x20 || c > 0x7e) return strformat("0x%08x", kind);
        s += c;
    }
    return s;
}

std::vector<uint8_t> write_container(FileKind kind, uint64_t fingerprint,
                                     const std::vector<SectionOut>& sections) {
    DQ_CHECK(sections.size() <= kMaxSections, "too many sections: %zu (limit %u)", sections.size(), kMaxSections);
    const uint64_t table_end = kHeaderSize + kEntrySize * sections.size();
    std::vector<uint64_t> offsets(sections.size());
    uint64_t cursor = align_up(table_end);
    for (size_t i = 0; i < sections.size(); ++i) {
        const SectionOut& s = sections[i];
        DQ_CHECK(s.dims.size() <= 4, "section %s: %zu dims (at most 4)", kind_name(s.kind).c_str(), s.dims.size());
        uint64_t expect = dtype_size(uint16_t(s.dtype));
        for (uint64_t d : s.dims) DQ_CHECK(mul_ok(expect, d, &expect), "section %s: size overflows", kind_name(s.kind).c_str());
        DQ_CHECK(expect == s.bytes.size() || dtype_size(uint16_t(s.dtype)) == 0, "section %s: %zu bytes for dims %s of %s", kind_name(s.kind).c_str(),
                 s.bytes.size(), dims_str(uint32_t(s.dims.size()), s.dims.data()).c_str(),
                 dtype_name(uint16_t(s.dtype)).c_str());
        offsets[i] = cursor;
        cursor = align_up(cursor + s.bytes.size());
    }
    // The file ends with the last section's bytes: no trailing padding.
    uint64_t file_size = sections.empty() ? table_end : offsets.back() + sections.back().bytes.size();
    DQ_CHECK(file_size <= uint64_t(SIZE_MAX), "file of %llu bytes does not fit in memory", (unsigned long long)file_size);
    std::vector<uint8_t> out(size_t(file_size), 0);
    uint8_t* h = out.data();
    std::memcpy(h, magic_of(kind), 8);
    st16(h + kOffVersionMajor, kFormatVersionMajor);
    st16(h + kOffVersionMinor, kFormatVersionMinor);
    st32(h + kOffEndian, kEndianTag);
    st64(h + kOffFileSize, file_size);
    st32(h + kOffHeaderSize, uint32_t(kHeaderSize));
    st32(h + kOffSectionCount, uint32_t(sections.size()));
    st64(h + kOffTableOffset, kHeaderSize);
    st32(h + kOffFlags, 0);
    st32(h + kOffAlignment, uint32_t(kAlign));
    st64(h + kOffFingerprint, fingerprint);
    st32(h + kOffReserved, 0);
    for (size_t i = 0; i < sections.size(); ++i) {
        const SectionOut& s = sections[i];
        uint8_t* e = h + kHeaderSize + kEntrySize * i;
        if (!s.bytes.empty()) std::memcpy(h + offsets[i], s.bytes.data(), s.bytes.size());
        st32(e + kEntKind, s.kind);
        st16(e + kEntDtype, uint16_t(s.dtype));
        st16(e + kEntFlags, s.flags);
        st64(e + kEntOffset, offsets[i]);
        st64(e + kEntSize, s.bytes.size());
        st32(e + kEntCrc, crc32(s.bytes.data(), s.bytes.size()));
        st32(e + kEntNdim, uint32_t(s.dims.size()));
        for (size_t d = 0; d < s.dims.size(); ++d) st64(e + kEntDims + 8 * d, s.dims[d]);
    }
    uint32_t hcrc = crc32(h, kOffHeaderCrc);
    hcrc = crc32(h + kHeaderSize, size_t(table_end - kHeaderSize), hcrc);
    st32(h + kOffHeaderCrc, hcrc);
    return out;
}

Container parse_container(FileKind kind, const uint8_t* data, size_t size) {
    const uint8_t* magic = magic_of(kind);
    DQ_CHECK_FORMAT(data != nullptr || size == 0, "null buffer of %zu bytes", size);
    if (size < 8) {
        // A short prefix of the right magic is a truncated file; anything else is the wrong file.
        if (size == 0 || std::memcmp(data, magic, size) == 0)
            throw FormatError(strformat("truncated: file is %zu bytes, a DeepQuan %s file has at least %zu",
                                        size, noun(kind), kHeaderSize));
        bad_magic(kind, data, size);
    }
    if (std::memcmp(data, magic, 8) != 0) bad_magic(kind, data, size);
    DQ_CHECK_FORMAT(size >= kHeaderSize, "truncated: file is %zu bytes, the header alone is %zu", size, kHeaderSize);

    const uint32_t tag = ld32(data + kOffEndian);
    DQ_CHECK_FORMAT(tag != 0x04030201, "byte-swapped file (big-endian endian tag 0x%08x); only little-endian files are supported", tag);
    DQ_CHECK_FORMAT(tag == kEndianTag, "bad endian tag 0x%08x (expected 0x%08x)", tag, kEndianTag);

    Container c;
    c.version_major = ld16(data + kOffVersionMajor);
    c.version_minor = ld16(data + kOffVersionMinor);
    DQ_CHECK_FORMAT(c.version_major == kFormatVersionMajor, "unsupported version %u.%u (this reader: %u.x)",
                    unsigned(c.version_major), unsigned(c.version_minor), unsigned(kFormatVersionMajor));

    const uint64_t file_size = ld64(data + kOffFileSize);
    DQ_CHECK_FORMAT(file_size <= size, "truncated: file is %zu bytes, header says %llu", size, (unsigned long long)file_size);
    DQ_CHECK_FORMAT(file_size == size, "trailing data: file is %zu bytes, header says %llu", size, (unsigned long long)file_size);

    const uint32_t header_size = ld32(data + kOffHeaderSize);
    const uint32_t count = ld32(data + kOffSectionCount);
    const uint64_t table_offset = ld64(data + kOffTableOffset);
    const uint32_t alignment = ld32(data + kOffAlignment);
    DQ_CHECK_FORMAT(header_size == kHeaderSize, "header_size is %u, expected %zu", header_size, kHeaderSize);
    DQ_CHECK_FORMAT(table_offset == kHeaderSize, "section_table_offset is %llu, expected %zu",
                    (unsigned long long)table_offset, kHeaderSize);
    DQ_CHECK_FORMAT(alignment == kAlign, "alignment is %u, expected %zu", alignment, kAlign);
    DQ_CHECK_FORMAT(count <= kMaxSections, "section_count is %u (limit %u)", count, kMaxSections);
    const uint64_t table_end = kHeaderSize + uint64_t(kEntrySize) * count;  // < 2^19, no overflow
    DQ_CHECK_FORMAT(table_end <= size, "truncated: section table of %u entries needs %llu bytes, file is %zu",
                    count, (unsigned long long)table_end, size);

    const uint32_t stored_hcrc = ld32(data + kOffHeaderCrc);
    uint32_t hcrc = crc32(data, kOffHeaderCrc);
    hcrc = crc32(data + kHeaderSize, size_t(table_end - kHeaderSize), hcrc);
    DQ_CHECK_FORMAT(hcrc == stored_hcrc, "header crc32 mismatch (stored 0x%08x, computed 0x%08x)", stored_hcrc, hcrc);
    c.fingerprint = ld64(data + kOffFingerprint);

    c.sections.resize(count);
    for (uint32_t i = 0; i < count; ++i) {
        const uint8_t* e = data + kHeaderSize + kEntrySize * i;
        SectionIn& s = c.sections[i];
        s.kind = ld32(e + kEntKind);
        s.dtype = ld16(e + kEntDtype);
        s.flags = ld16(e + kEntFlags);
        s.offset = ld64(e + kEntOffset);
        s.size = ld64(e + kEntSize);
        s.crc = ld32(e + kEntCrc);
        s.ndim = ld32(e + kEntNdim);
        const std::string name = s.name();
        const char* nm = name.c_str();
        DQ_CHECK_FORMAT(s.ndim <= 4, "section %s: ndim is %u (at most 4)", nm, s.ndim);
        for (uint32_t d = 0; d < 4; ++d) {
            s.dims[d] = ld64(e + kEntDims + 8 * d);
            DQ_CHECK_FORMAT(d < s.ndim || s.dims[d] == 0, "section %s: unused dims[%u] is %llu, expected 0", nm, d,
                            (unsigned long long)s.dims[d]);
        }
        DQ_CHECK_FORMAT(s.offset % kAlign == 0, "section %s: offset %llu is not a multiple of %zu", nm,
                        (unsigned long long)s.offset, kAlign);
        DQ_CHECK_FORMAT(s.offset >= table_end, "section %s: offset %llu lies inside the header or section table (ends at %llu)",
                        nm, (unsigned long long)s.offset, (unsigned long long)table_end);
        uint64_t end = 0;
        DQ_CHECK_FORMAT(add_ok(s.offset, s.size, &end) && end <= size,
                        "section %s: needs %llu bytes at offset %llu, file has %llu", nm, (unsigned long long)s.size,
                        (unsigned long long)s.offset,
                        (unsigned long long)(s.offset < size ? size - s.offset : 0));
        if (size_t elem = dtype_size(s.dtype)) {
            uint64_t expect = elem;
            bool ok = true;
            for (uint32_t d = 0; d < s.ndim && ok; ++d) ok = mul_ok(expect, s.dims[d], &expect);
            DQ_CHECK_FORMAT(ok && expect == s.size, "section %s: size %llu does not match %s dims %s", nm,
                            (unsigned long long)s.size, dtype_name(s.dtype).c_str(), dims_str(s.ndim, s.dims).c_str());
        }
        s.data = data + s.offset;
    }

    // No overlaps, and every byte outside the header, table and sections is zero, so that a
    // corrupted byte anywhere in the file is caught by a CRC or by this check.
    std::vector<const SectionIn*> order;
    for (const SectionIn& s : c.sections) order.push_back(&s);
    std::sort(order.begin(), order.end(), [](const SectionIn* a, const SectionIn* b) {
        return a->offset != b->offset ? a->offset < b->offset : a->size < b->size;
    });
    uint64_t pos = table_end;
    const SectionIn* prev = nullptr;
    auto check_gap = [&](uint64_t from, uint64_t to) {
        for (uint64_t p = from; p < to; ++p)
            DQ_CHECK_FORMAT(data[p] == 0, "non-zero byte 0x%02x at offset %llu, outside every section",
                            data[p], (unsigned long long)p);
    };
    for (const SectionIn* s : order) {
        DQ_CHECK_FORMAT(s->offset >= pos, "section %s: bytes [%llu, %llu) overlap section %s (ends at %llu)",
                        s->name().c_str(), (unsigned long long)s->offset, (unsigned long long)(s->offset + s->size),
                        prev ? prev->name().c_str() : "table", (unsigned long long)pos);
        check_gap(pos, s->offset);
        pos = s->offset + s->size;
        prev = s;
    }
    check_gap(pos, size);

    for (const SectionIn& s : c.sections) {
        uint32_t crc = crc32(s.data, size_t(s.size));
        DQ_CHECK_FORMAT(crc == s.crc, "section %s: crc32 mismatch (stored 0x%08x, computed 0x%08x)",
                        s.name().c_str(), s.crc, crc);
    }
    return c;
}

void SectionIn::expect(DType want, std::initializer_list<uint64_t> want_dims) const {
    DQ_CHECK_FORMAT(dtype == uint16_t(want), "section %s: dtype %s, expected %s", name().c_str(),
                    dtype_name(dtype).c_str(), dtype_name(uint16_t(want)).c_str());
    bool same = ndim == want_dims.size();
    uint32_t i = 0;
    for (uint64_t d : want_dims) {
        if (!same) break;
        same = dims[i++] == d;
    }
    std::vector<uint64_t> w(want_dims);
    DQ_CHECK_FORMAT(same, "section %s: dims %s, expected %s", name().c_str(), dims_str(ndim, dims).c_str(),
                    dims_str(uint32_t(w.size()), w.data()).c_str());
}

void refuse_unknown_required(const SectionIn& s, FileKind kind) {
    DQ_CHECK_FORMAT(!s.required(), "section %s: unknown required section in a %s file (written by a newer "
                    "version of DeepQuan?)", s.name().c_str(), noun(kind));
}

size_t utf8_valid_prefix(const uint8_t* p, size_t size) {
    size_t i = 0;
    while (i < size) {
        const uint8_t b = p[i];
        if (b < 0x80) {
            ++i;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((b & 0xe0) == 0xc0) n = 1, cp = b & 0x1f, min = 0x80;
        else if ((b & 0xf0) == 0xe0) n = 2, cp = b & 0x0f, min = 0x800;
        else if ((b & 0xf8) == 0xf0) n = 3, cp = b & 0x07, min = 0x10000;
        else return i;
        if (size - i <= n) return i;
        for (size_t k = 1; k <= n; ++k) {
            if ((p[i + k] & 0xc0) != 0x80) return i;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
        i += n + 1;
    }
    return size;
}

}  // namespace fmt
}  // namespace dq
