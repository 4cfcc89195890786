// The `deepquan` command line: train, baseline, eval, encode, search, export-faiss.
//
// Exit status: 0 on success, 2 for usage errors (unknown command or flag, missing or malformed
// value, out-of-range number), 1 for runtime errors (missing or corrupt file, k larger than the
// database, training stopped by a guard), 130 when interrupted. Every error is one line on stderr,
// "deepquan <command>: <what went wrong>"; no error path crashes.
#pragma once

#include <string>
#include <vector>

namespace dqt {

/// Runs the CLI with argv-style arguments (args[0] is the program name). Output goes to
/// stdout/stderr; returns the exit status.
int run_cli(const std::vector<std::string>& args);

}  // namespace dqt
