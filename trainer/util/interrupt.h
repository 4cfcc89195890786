// The Ctrl-C policy: the first SIGINT/SIGTERM only sets a flag that long loops poll (training stops at
// the next step and writes nothing partial); a second one removes the temporary file being written, if
// any (atomic_file.h registers it), and exits with status 130 at once.
#pragma once

#include "dq/error.h"

namespace dqt {

/// Thrown when a long operation notices the interrupt flag.
class Interrupted : public dq::Error {
public:
    Interrupted() : dq::Error("interrupted") {}
};

/// Installs the SIGINT/SIGTERM handlers described above (idempotent).
void install_interrupt_handler();
/// True once an interrupt arrived.
bool interrupted();
/// Throws Interrupted if an interrupt arrived.
void check_interrupted();

/// The file a second signal removes before exiting (a temporary being written), or none for nullptr.
/// Returns false when the path does not fit the signal handler's fixed buffer (4,095 bytes).
bool set_abort_cleanup_path(const char* path);

}  // namespace dqt
