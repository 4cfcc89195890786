#include "util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dqt {

namespace {

std::string errno_text() { return std::strerror(errno); }

std::string parent_dir(const std::string& path) {
    size_t s = path.find_last_of('/');
    if (s == std::string::npos) return ".";
    if (s == 0) return "/";
    return path.substr(0, s);
}

}  // namespace

void write_file_atomic(const std::string& path, const void* data, size_t size) {
    check_interrupted();
    std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    if (!set_abort_cleanup_path(tmp.c_str())) throw dq::Error("output path too long: '" + path + "'");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        set_abort_cleanup_path(nullptr);
        throw dq::Error("cannot write '" + path + "': " + errno_text());
    }
    auto fail = [&](const std::string& what) {
        std::string e = errno_text();
        ::close(fd);
        ::unlink(tmp.c_str());
        set_abort_cleanup_path(nullptr);
        throw dq::Error("cannot write '" + path + "': " + what + ": " + e);
    };
    const auto* p = static_cast<const uint8_t*>(data);
    size_t left = size;
    while (left > 0) {
        ssize_t w = ::write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            fail("write");
        }
        p += w;
        left -= static_cast<size_t>(w);
    }
    if (::fsync(fd) != 0) fail("fsync");
    if (::close(fd) != 0) {
        ::unlink(tmp.c_str());
        set_abort_cleanup_path(nullptr);
        throw dq::Error("cannot write '" + path + "': close: " + errno_text());
    }
    if (interrupted()) {
        ::unlink(tmp.c_str());
        set_abort_cleanup_path(nullptr);
        throw Interrupted();
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string e = errno_text();
        ::unlink(tmp.c_str());
        set_abort_cleanup_path(nullptr);
        throw dq::Error("cannot write '" + path + "': rename: " + e);
    }
    set_abort_cleanup_path(nullptr);
    int dfd = ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

std::vector<uint8_t> read_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw dq::Error("cannot open '" + path + "': " + errno_text());
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw dq::Error("cannot open '" + path + "': not a regular file");
    }
    std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < out.size()) {
        ssize_t r = ::read(fd, out.data() + got, out.size() - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            ::close(fd);
            throw dq::Error("cannot read '" + path + "': " + (r < 0 ? errno_text() : "file shrank"));
        }
        got += static_cast<size_t>(r);
    }
    ::close(fd);
    return out;
}

void make_dirs(const std::string& path) {
    if (path.empty()) return;
    std::string cur;
    size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        cur = path.substr(0, pos);
        if (cur.empty()) continue;
        if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
            throw dq::Error("cannot create directory '" + cur + "': " + errno_text());
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw dq::Error("cannot create directory '" + path + "': a file of that name exists");
}

}  // namespace dqt
