#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdio>

#include "dq/error.h"
#include "data/readers.h"

namespace dqt {

namespace {
gzFile as_gz(void* p) { return static_cast<gzFile>(p); }
}  // namespace

InFile::InFile(const std::string& path) : path_(path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        throw dq::Error("cannot open '" + path + "': no such file");
    disk_size_ = static_cast<uint64_t>(st.st_size);
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
        unsigned char m[2] = {0, 0};
        compressed_ = std::fread(m, 1, 2, f) == 2 && m[0] == 0x1f && m[1] == 0x8b;
        std::fclose(f);
    } else {
        throw dq::Error("cannot open '" + path + "': permission denied or unreadable");
    }
    gz_ = gzopen(path.c_str(), "rb");
    if (!gz_) throw dq::Error("cannot open '" + path + "'");
    gzbuffer(as_gz(gz_), 1 << 18);
}

InFile::~InFile() {
    if (gz_) gzclose(as_gz(gz_));
}

size_t InFile::read_some(void* dst, size_t n) {
    auto* out = static_cast<unsigned char*>(dst);
    size_t got = 0;
    while (got < n) {
        unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - got, 1u << 30));
        int r = gzread(as_gz(gz_), out + got, chunk);
        if (r < 0) {
            int err = 0;
            const char* msg = gzerror(as_gz(gz_), &err);
            throw dq::Error(dq::strformat("%s: gzip error at byte %llu of the data: %s", path_.c_str(),
                                          static_cast<unsigned long long>(offset_ + got), msg));
        }
        if (r == 0) break;
        got += static_cast<size_t>(r);
    }
    offset_ += got;
    return got;
}

void InFile::read_exact(void* dst, size_t n, const char* what) {
    size_t got = read_some(dst, n);
    if (got != n) {
        int err = 0;
        const char* msg = gzerror(as_gz(gz_), &err);
        std::string detail = err != Z_OK && msg && *msg ? std::string(" (gzip: ") + msg + ")" : "";
        throw dq::Error(dq::strformat("%s: truncated: %s needs %zu bytes at offset %llu, file has %zu%s",
                                      path_.c_str(), what, n,
                                      static_cast<unsigned long long>(offset_ - got), got,
                                      detail.c_str()));
    }
}

std::vector<uint8_t> InFile::read_exact_vector(size_t n, const char* what) {
    std::vector<uint8_t> out;
    const size_t step = size_t(1) << 20;
    const uint64_t start = offset_;
    while (out.size() < n) {
        size_t want = std::min(step, n - out.size());
        size_t old = out.size();
        out.resize(old + want);
        size_t got = read_some(&out[old], want);
        if (got != want)
            throw dq::Error(dq::strformat("%s: truncated: %s needs %zu bytes at offset %llu, file has %zu",
                                          path_.c_str(), what, n, static_cast<unsigned long long>(start),
                                          old + got));
    }
    return out;
}

bool InFile::at_end() {
    int c = gzgetc(as_gz(gz_));
    if (c < 0) {
        int err = 0;
        const char* msg = gzerror(as_gz(gz_), &err);
        if (err != Z_OK && err != Z_BUF_ERROR)
            throw dq::Error(std::string(path_) + ": gzip error: " + msg);
        return true;
    }
    gzungetc(c, as_gz(gz_));
    return false;
}

void InFile::rewind() {
    gzrewind(as_gz(gz_));
    offset_ = 0;
}

}  // namespace dqt
