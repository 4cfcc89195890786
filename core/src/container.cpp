#include "dq/container.h"

#include <cstring>

#include "dq/error.h"
#include "format_layout.h"

namespace dq {

namespace {

uint32_t fourcc_of(const char* kind) {
    DQ_CHECK(kind && std::strlen(kind) == 4, "a section kind is four characters, got '%s'", kind ? kind : "");
    return uint32_t(uint8_t(kind[0])) | uint32_t(uint8_t(kind[1])) << 8 | uint32_t(uint8_t(kind[2])) << 16 |
           uint32_t(uint8_t(kind[3])) << 24;
}

fmt::FileKind file_kind(StateFile f) {
    return f == StateFile::checkpoint ? fmt::FileKind::checkpoint : fmt::FileKind::autoencoder;
}

template <class T>
std::vector<uint8_t> words(const std::vector<T>& v) {
    std::vector<uint8_t> b(v.size() * 4);
    for (size_t i = 0; i < v.size(); ++i) {
        uint32_t u;
        std::memcpy(&u, &v[i], 4);
        fmt::st32(&b[i * 4], u);
    }
    return b;
}

template <class T>
std::vector<T> from_words(const fmt::SectionIn& s) {
    std::vector<T> v(size_t(s.size / 4));
    for (size_t i = 0; i < v.size(); ++i) {
        const uint32_t u = fmt::ld32(s.data + 4 * i);
        std::memcpy(&v[i], &u, 4);
    }
    return v;
}

}  // namespace

void ContainerWriter::add(const char* kind, uint16_t dtype, std::vector<uint64_t> dims, std::vector<uint8_t> bytes) {
    sections_.push_back({fourcc_of(kind), dtype, std::move(dims), std::move(bytes)});
}

void ContainerWriter::f32(const char* kind, const std::vector<float>& v) {
    add(kind, uint16_t(fmt::DType::f32), {v.size()}, words(v));
}
void ContainerWriter::u32(const char* kind, const std::vector<uint32_t>& v) {
    add(kind, uint16_t(fmt::DType::u32), {v.size()}, words(v));
}
void ContainerWriter::i32(const char* kind, const std::vector<int32_t>& v) {
    add(kind, uint16_t(fmt::DType::i32), {v.size()}, words(v));
}
void ContainerWriter::u8(const char* kind, const std::vector<uint8_t>& v) {
    add(kind, uint16_t(fmt::DType::u8), {v.size()}, v);
}
void ContainerWriter::u64(const char* kind, const std::vector<uint64_t>& v) {
    std::vector<uint8_t> b(v.size() * 8);
    for (size_t i = 0; i < v.size(); ++i) fmt::st64(&b[i * 8], v[i]);
    add(kind, uint16_t(fmt::DType::u32), {v.size(), 2}, std::move(b));
}
void ContainerWriter::f64(const char* kind, const std::vector<double>& v) {
    std::vector<uint8_t> b(v.size() * 8);
    for (size_t i = 0; i < v.size(); ++i) {
        uint64_t u;
        std::memcpy(&u, &v[i], 8);
        fmt::st64(&b[i * 8], u);
    }
    add(kind, uint16_t(fmt::DType::u8), {v.size(), 8}, std::move(b));
}
void ContainerWriter::text(const char* kind, const std::string& s) {
    add(kind, uint16_t(fmt::DType::utf8), {s.size()}, std::vector<uint8_t>(s.begin(), s.end()));
}

std::vector<uint8_t> ContainerWriter::bytes(StateFile file, uint64_t fingerprint) const {
    std::vector<fmt::SectionOut> out;
    out.reserve(sections_.size());
    for (const Pending& p : sections_) {
        fmt::SectionOut s;
        s.kind = p.kind;
        s.dtype = fmt::DType(p.dtype);
        s.flags = fmt::kFlagRequired;
        s.dims = p.dims;
        s.bytes = p.bytes;
        out.push_back(std::move(s));
    }
    return fmt::write_container(file_kind(file), fingerprint, out);
}

struct ContainerReader::Impl {
    fmt::Container c;
    const fmt::SectionIn& get(const char* kind) const {
        const uint32_t k = fourcc_of(kind);
        const fmt::SectionIn* found = nullptr;
        for (const fmt::SectionIn& s : c.sections) {
            if (s.kind != k) continue;
            DQ_CHECK_FORMAT(!found, "section %s appears twice", kind);
            found = &s;
        }
        DQ_CHECK_FORMAT(found, "section %s is missing", kind);
        return *found;
    }
    const fmt::SectionIn& typed(const char* kind, fmt::DType dtype, uint32_t ndim, uint64_t second = 0) const {
        const fmt::SectionIn& s = get(kind);
        DQ_CHECK_FORMAT(s.dtype == uint16_t(dtype) && s.ndim == ndim && (ndim < 2 || s.dims[1] == second),
                        "section %s: %s with %u dims, expected %s with %u", kind, fmt::dtype_name(s.dtype).c_str(),
                        s.ndim, fmt::dtype_name(uint16_t(dtype)).c_str(), ndim);
        return s;
    }
};

ContainerReader::ContainerReader(StateFile file, const uint8_t* data, size_t size) : impl_(new Impl) {
    try {
        impl_->c = fmt::parse_container(file_kind(file), data, size);
    } catch (...) {
        delete impl_;
        throw;
    }
}
ContainerReader::~ContainerReader() { delete impl_; }

uint64_t ContainerReader::fingerprint() const { return impl_->c.fingerprint; }

bool ContainerReader::has(const char* kind) const {
    const uint32_t k = fourcc_of(kind);
    for (const fmt::SectionIn& s : impl_->c.sections)
        if (s.kind == k) return true;
    return false;
}

std::vector<float> ContainerReader::f32(const char* kind) const {
    return from_words<float>(impl_->typed(kind, fmt::DType::f32, 1));
}
std::vector<uint32_t> ContainerReader::u32(const char* kind) const {
    return from_words<uint32_t>(impl_->typed(kind, fmt::DType::u32, 1));
}
std::vector<int32_t> ContainerReader::i32(const char* kind) const {
    return from_words<int32_t>(impl_->typed(kind, fmt::DType::i32, 1));
}
std::vector<uint8_t> ContainerReader::u8(const char* kind) const {
    const fmt::SectionIn& s = impl_->typed(kind, fmt::DType::u8, 1);
    return std::vector<uint8_t>(s.data, s.data + s.size);
}
std::vector<uint64_t> ContainerReader::u64(const char* kind) const {
    const fmt::SectionIn& s = impl_->typed(kind, fmt::DType::u32, 2, 2);
    std::vector<uint64_t> v(size_t(s.dims[0]));
    for (size_t i = 0; i < v.size(); ++i) v[i] = fmt::ld64(s.data + 8 * i);
    return v;
}
std::vector<double> ContainerReader::f64(const char* kind) const {
    const fmt::SectionIn& s = impl_->typed(kind, fmt::DType::u8, 2, 8);
    std::vector<double> v(size_t(s.dims[0]));
    for (size_t i = 0; i < v.size(); ++i) {
        const uint64_t u = fmt::ld64(s.data + 8 * i);
        std::memcpy(&v[i], &u, 8);
    }
    return v;
}
std::string ContainerReader::text(const char* kind) const {
    const fmt::SectionIn& s = impl_->typed(kind, fmt::DType::utf8, 1);
    return std::string(reinterpret_cast<const char*>(s.data), size_t(s.size));
}

}  // namespace dq
