#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace dqt {

namespace {

volatile std::sig_atomic_t g_interrupts = 0;
// Path of the temporary file being written, for the second-signal cleanup (signal-safe: a fixed
// buffer, unlink() only).
char g_tmp_path[4096] = {0};

void on_signal(int) {
    g_interrupts = g_interrupts + 1;
    if (g_interrupts == 1) {
        const char msg[] = "\ninterrupt: stopping after the current step (press Ctrl-C again to abort now)\n";
        ssize_t r = ::write(2, msg, sizeof msg - 1);
        (void)r;
        return;
    }
    if (g_tmp_path[0]) ::unlink(g_tmp_path);
    ::_exit(130);
}

std::string errno_text() { return std::strerror(errno); }

std::string parent_dir(const std::string& path) {
    size_t s = path.find_last_of('/');
    if (s == std::string::npos) return ".";
    if (s == 0) return "/";
    return path.substr(0, s);
}

}  // namespace

void install_interrupt_handler() {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() { return g_interrupts > 0; }

void check_interrupted() {
    if (interrupted()) throw Interrupted();
}

void write_file_atomic(const std::string& path, const void* data, size_t size) {
    check_interrupted();
    std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    if (tmp.size() >= sizeof g_tmp_path) throw dq::Error("output path too long: '" + path + "'");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw dq::Error("cannot write '" + path + "': " + errno_text());
    std::memcpy(g_tmp_path, tmp.c_str(), tmp.size() + 1);
    auto fail = [&](const std::string& what) {
        std::string e = errno_text();
        ::close(fd);
        ::unlink(tmp.c_str());
        g_tmp_path[0] = 0;
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
        g_tmp_path[0] = 0;
        throw dq::Error("cannot write '" + path + "': close: " + errno_text());
    }
    if (interrupted()) {
        ::unlink(tmp.c_str());
        g_tmp_path[0] = 0;
        throw Interrupted();
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string e = errno_text();
        ::unlink(tmp.c_str());
        g_tmp_path[0] = 0;
        throw dq::Error("cannot write '" + path + "': rename: " + e);
    }
    g_tmp_path[0] = 0;
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
