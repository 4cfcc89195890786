// Atomic output files: every file the trainer produces goes through write_file_atomic. The bytes are
// written to "<path>.tmp-<pid>", fsync'ed, renamed over <path> (atomic on POSIX) and the directory
// fsync'ed, so a reader sees either the old file or the complete new one; the temporary is registered
// with the interrupt policy (interrupt.h), so even a second Ctrl-C leaves no half-written file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "util/interrupt.h"  // Interrupted, thrown by write_file_atomic

namespace dqt {

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

}  // namespace dqt
