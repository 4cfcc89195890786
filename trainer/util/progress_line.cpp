#include "util/progress_line.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "dq/error.h"

namespace dqt {

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

ProgressLine::ProgressLine(std::string label, size_t total)
    : label_(std::move(label)), total_(total), start_(now()), tty_(::isatty(2) != 0) {}

std::string ProgressLine::format_duration(double s) {
    if (!(s >= 0) || s > 1e7) return "?";
    long t = long(s + 0.5);
    if (t >= 3600) return dq::strformat("%ldh%02ldm", t / 3600, (t % 3600) / 60);
    if (t >= 60) return dq::strformat("%ldm%02lds", t / 60, t % 60);
    return dq::strformat("%lds", t);
}

void ProgressLine::print(size_t done, const std::string& detail, bool final, double eta_seconds) {
    const double t = now(), el = t - start_;
    if (first_done_ == size_t(-1)) {
        first_done_ = done;
        first_time_ = t;
    }
    const double span = t - first_time_;
    const double rate = span > 0 && done > first_done_ ? double(done - first_done_) / span : 0;
    std::string line = label_ + " " + std::to_string(done);
    if (total_) line += dq::strformat("/%zu (%zu%%)", total_, done * 100 / total_);
    if (!detail.empty()) line += "  " + detail;
    if (rate > 0) line += dq::strformat("  %.1f it/s", rate);
    if (final) line += "  took " + format_duration(el);
    else if (eta_seconds >= 0) line += "  ETA " + format_duration(eta_seconds);
    else if (total_ && rate > 0) line += "  ETA " + format_duration(double(total_ - std::min(done, total_)) / rate);
    if (tty_) {
        std::string pad = line.size() < last_len_ ? std::string(last_len_ - line.size(), ' ') : "";
        std::fprintf(stderr, "\r%s%s%s", line.c_str(), pad.c_str(), final ? "\n" : "");
        last_len_ = line.size();
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
}

void ProgressLine::update(size_t done, const std::string& detail, double eta_seconds) {
    const double t = now();
    if (tty_) {
        if (last_print_ >= 0 && t - last_print_ < 0.2) return;
    } else {
        size_t bucket = total_ ? done * 20 / total_ : done / 100;
        if (bucket == last_bucket_) return;
        last_bucket_ = bucket;
    }
    last_print_ = t;
    print(done, detail, false, eta_seconds);
}

void ProgressLine::finish(const std::string& detail) { print(total_, detail, true, -1); }

}  // namespace dqt
