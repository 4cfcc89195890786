// Atomic output files and a Ctrl-C policy that never leaves a half-written one.
//
// Every file the trainer produces goes through write_file_atomic: the bytes are written to
// "<path>.tmp-<pid>", fsync'ed, renamed over <path> (atomic on POSIX) and the directory fsync'ed, so
// a reader sees either the old file or the complete new one. install_interrupt_handler() makes the
// first SIGINT/SIGTERM only set a flag that long loops poll (training stops at the next step,
// writes nothing partial); a second signal removes the temporary file being written, if any, and
// exits with status 130 at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dq/error.h"

namespace dqt {

/// Thrown when a long operation notices the interrupt flag.
class Interrupted : public dq::Error {
public:
    Interrupted() : dq::Error("interrupted") {}
};

/// Writes size bytes to path atomically. Throws dq::Error naming the path and errno text; throws
/// Interrupted (after removing the temporary) if an interrupt arrived before the rename.
void write_file_atomic(const std::string& path, const void* data, size_t size);
inline void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes) {
    write_file_atomic(path, bytes.data(), bytes.size());
}
inline void write_file_atomic(const std::string& path, const std::string& text) {
    write_file_atomic(path, text.data(), text.size());
}

/// Reads a whole file. Throws dq::Error("cannot open 'PATH': ...") if missing or unreadable.
std::vector<uint8_t> read_file(const std::string& path);

/// Creates a directory and its parents (mkdir -p). Throws dq::Error on failure.
void make_dirs(const std::string& path);

/// Installs the SIGINT/SIGTERM handlers described above (idempotent).
void install_interrupt_handler();
/// True once an interrupt arrived.
bool interrupted();
/// Throws Interrupted if an interrupt arrived.
void check_interrupted();

}  // namespace dqt
