// Shared by the fuzz targets: the dataset readers open paths (they stream through zlib's gzread),
// so each input is put in an anonymous in-memory file and read back as /proc/self/fd/N.
#pragma once

#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "dq/error.h"

namespace dqfuzz {

/// Aborts (a libFuzzer finding) when a reader breaks its own contract.
#define DQ_FUZZ_ASSERT(cond)                                                        \
    do {                                                                            \
        if (!(cond)) {                                                              \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                           \
        }                                                                           \
    } while (0)

class MemFile {
public:
    MemFile() {
        fd_ = memfd_create("dq-fuzz", 0);
        if (fd_ < 0) {
            std::perror("memfd_create");
            std::abort();
        }
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    ~MemFile() { close(fd_); }
    /// Replaces the content with `size` bytes.
    const std::string& set(const uint8_t* data, size_t size) {
        if (ftruncate(fd_, 0) != 0) std::abort();
        size_t done = 0;
        while (done < size) {
            ssize_t w = pwrite(fd_, data + done, size - done, off_t(done));
            if (w <= 0) std::abort();
            done += size_t(w);
        }
        return path_;
    }
    const std::string& set(const std::vector<uint8_t>& v) { return set(v.data(), v.size()); }

private:
    int fd_ = -1;
    std::string path_;
};

/// The same bytes as a gzip stream (what `gzip` writes), so the readers' compressed paths, which
/// cannot check sizes up front, see the same headers as the plain ones.
inline std::vector<uint8_t> gzip_bytes(const uint8_t* data, size_t size) {
    z_stream zs;
    std::memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
    std::vector<uint8_t> out(deflateBound(&zs, uLong(size)) + 64);
    zs.next_in = const_cast<Bytef*>(data);
    zs.avail_in = uInt(size);
    zs.next_out = out.data();
    zs.avail_out = uInt(out.size());
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) std::abort();
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

/// Reads every row the way the CLI does (repeated read() calls until 0) and checks what each call
/// promises: row counts, buffer sizes, finite floats, u8 values scaled into [0, 1].
inline void drain(dqt::ImageReader& r) {
    const size_t dim = r.dim();
    DQ_FUZZ_ASSERT(dim > 0 && dim <= (size_t(1) << 24));
    DQ_FUZZ_ASSERT(r.size() > 0);
    std::vector<float> x;
    std::vector<uint8_t> px;
    size_t total = 0;
    // 4096 rows like `deepquan encode`: the reader itself must bound what a corrupt header makes
    // it allocate.
    while (size_t got = r.read(4096, x, r.is_u8() ? &px : nullptr)) {
        DQ_FUZZ_ASSERT(x.size() == got * dim);
        if (r.is_u8()) DQ_FUZZ_ASSERT(px.size() == got * dim);
        for (float v : x) DQ_FUZZ_ASSERT(std::isfinite(v));
        if (r.is_u8())
            for (float v : x) DQ_FUZZ_ASSERT(v >= 0.0f && v <= 1.0f);
        total += got;
        DQ_FUZZ_ASSERT(r.position() == total);
    }
    DQ_FUZZ_ASSERT(total == r.size());
}

/// The expected outcome for bad bytes is dq::Error; any other exception, crash or broken
/// invariant is a finding. Runs f and swallows dq::Error only.
template <class F>
void expect_ok_or_error(F&& f) {
    try {
        f();
    } catch (const dq::Error&) {
    }
}

/// The file readers' contract on arbitrary bytes: read(data, size) either throws dq::Error (returns
/// false: the bytes were refused) or returns a value that validates, and what write() makes of it
/// reads back (into `again`; a throw there is a finding). For dq::read_model / dq::read_database.
template <class T>
bool read_validate_reread(const uint8_t* data, size_t size, T (*read)(const uint8_t*, size_t),
                          std::vector<uint8_t> (*write)(const T&), T& value, T& again) {
    try {
        value = read(data, size);
    } catch (const dq::Error&) {
        return false;
    }
    value.validate();
    const std::vector<uint8_t> bytes = write(value);
    again = read(bytes.data(), bytes.size());
    return true;
}

/// Opens `path` as an image file with open_images(path) and drains it, then as a label file with
/// read_labels(path): the two ways the CLI reads a dataset file.
template <class OpenImages, class ReadLabels>
void read_images_and_labels(const std::string& path, OpenImages&& open_images, ReadLabels&& read_labels) {
    expect_ok_or_error([&] { drain(*open_images(path)); });
    expect_ok_or_error([&] { (void)read_labels(path); });
}

}  // namespace dqfuzz
