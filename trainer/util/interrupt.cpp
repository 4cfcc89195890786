#include "util/interrupt.h"

#include <unistd.h>

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

bool set_abort_cleanup_path(const char* path) {
    if (!path) {
        g_tmp_path[0] = 0;
        return true;
    }
    const size_t n = std::strlen(path);
    if (n >= sizeof g_tmp_path) return false;
    std::memcpy(g_tmp_path, path, n + 1);
    return true;
}

}  // namespace dqt
