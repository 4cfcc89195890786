// A progress line for long loops on stderr: "train  1200/3500 (34%)  loss 0.1234  12.5 it/s  ETA 3m04s".
//
// On a terminal the line is redrawn in place (carriage return), at most 5 times a second; when
// stderr is a file or a pipe (CI logs) a full line is printed every 5 % instead, so logs stay short.
#pragma once

#include <cstddef>
#include <string>

namespace dqt {

class ProgressLine {
public:
    /// label: leading word ("train"); total: expected steps (0 = unknown, no ETA).
    ProgressLine(std::string label, size_t total);
    /// Reports that `done` steps are complete; `detail` follows the counts (e.g. "loss 0.12").
    /// eta_seconds >= 0 replaces the line's own estimate (e.g. a caller that knows later phases).
    void update(size_t done, const std::string& detail, double eta_seconds = -1);
    /// Ends the line (prints the final state and a newline).
    void finish(const std::string& detail);

    /// "3m04s", "1h02m", "45s".
    static std::string format_duration(double seconds);

private:
    void print(size_t done, const std::string& detail, bool final, double eta_seconds);
    std::string label_;
    size_t total_;
    double start_;
    double last_print_ = -1;
    size_t last_bucket_ = size_t(-1);
    // Rates count from the first report: a line created after some work already happened (the trainer's
    // first callback comes after 50 iterations) would otherwise divide that work by ~0 seconds.
    size_t first_done_ = size_t(-1);
    double first_time_ = 0;
    bool tty_;
    size_t last_len_ = 0;
};

}  // namespace dqt
