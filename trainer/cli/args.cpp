#include "cli/args.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "dq/error.h"

namespace dqt {

bool parse_ll(const std::string& s, long long& out) {
    if (s.empty()) return false;
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno != 0 || end != s.c_str() + s.size()) return false;
    out = v;
    return true;
}

bool parse_double(const std::string& s, double& out) {
    if (s.empty()) return false;
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v)) return false;
    out = v;
    return true;
}

std::string help_text(const Command& c) {
    std::string s = std::string("usage: deepquan ") + c.name + " [flags]\n";
    for (const FlagSpec& f : c.flags) {
        std::string left = std::string("  --") + f.name + (f.value ? std::string(" ") + f.value : "");
        if (left.size() < 30) left.resize(30, ' ');
        else left += "  ";
        s += left + f.help + "\n";
    }
    if (c.notes && *c.notes) s += c.notes;
    return s;
}

Args::Args(const std::string& command, const std::vector<std::string>& argv, size_t first,
           const std::vector<FlagSpec>& spec)
    : command_(command) {
    for (size_t i = first; i < argv.size(); ++i) {
        std::string arg = argv[i];
        std::string name, value;
        bool has_value = false;
        if (arg == "-k") {
            name = "k";
        } else if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
            name = arg.substr(2);
            size_t eq = name.find('=');
            if (eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
                has_value = true;
            }
        } else {
            throw UsageError("unexpected argument '" + arg + "' (flags start with --)");
        }
        const FlagSpec* f = nullptr;
        for (const auto& s : spec)
            if (name == s.name) f = &s;
        if (!f) throw UsageError("unknown flag --" + name);
        if (f->takes_value() && !has_value) {
            if (i + 1 >= argv.size()) throw UsageError("--" + name + " needs a value");
            value = argv[++i];
        } else if (!f->takes_value() && has_value) {
            throw UsageError("--" + name + " takes no value");
        }
        if (values_.count(name)) throw UsageError("--" + name + " given twice");
        values_[name] = value;
    }
}

std::string Args::str(const std::string& name, const std::string& def) const {
    auto it = values_.find(name);
    return it == values_.end() ? def : it->second;
}

std::string Args::required(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw UsageError("--" + name + " is required");
    if (it->second.empty()) throw UsageError("--" + name + " needs a value");
    return it->second;
}

long long Args::integer(const std::string& name, long long def, long long lo, long long hi) const {
    auto it = values_.find(name);
    if (it == values_.end()) return def;
    long long v = 0;
    if (!parse_ll(it->second, v)) throw UsageError("--" + name + ": '" + it->second + "' is not an integer");
    if (v < lo || v > hi)
        throw UsageError(dq::strformat("--%s must be between %lld and %lld, got %lld", name.c_str(), lo, hi, v));
    return v;
}

std::vector<long long> Args::integers(const std::string& name, long long lo, long long hi) const {
    auto it = values_.find(name);
    if (it == values_.end()) return {};
    const std::string& s = it->second;
    std::vector<long long> out;
    for (size_t a = 0;;) {
        const size_t b = std::min(s.find(',', a), s.size());
        const std::string item = s.substr(a, b - a);
        long long v = 0;
        if (!parse_ll(item, v))
            throw UsageError("--" + name + ": '" + item + "' in '" + s +
                             "' is not an integer (expected a comma-separated list such as 1,3,7)");
        if (v < lo || v > hi)
            throw UsageError(dq::strformat("--%s: %lld is out of range (each value must be between %lld and %lld)",
                                           name.c_str(), v, lo, hi));
        out.push_back(v);
        if (b == s.size()) break;
        a = b + 1;
    }
    return out;
}

double Args::real(const std::string& name, double def, double lo, double hi) const {
    auto it = values_.find(name);
    if (it == values_.end()) return def;
    double v = 0;
    if (!parse_double(it->second, v)) throw UsageError("--" + name + ": '" + it->second + "' is not a number");
    if (v < lo || v > hi) throw UsageError(dq::strformat("--%s must be between %g and %g, got %g", name.c_str(), lo, hi, v));
    return v;
}

int parse_codeword_bits(const Args& a) {
    const std::string s = a.str("codeword-bits", "8");
    if (s != "8" && s != "4")
        throw UsageError("--codeword-bits must be 4 (K = 16 codewords) or 8 (K = 256), got '" + s + "'");
    return s == "8" ? 8 : 4;
}

int parse_bits(const Args& a, int codeword_bits) {
    std::string s = a.required("bits");
    long long v = 0;
    if (!parse_ll(s, v)) throw UsageError("--bits: '" + s + "' is not an integer");
    const int c = codeword_bits;
    if (v < c || v > 128 || v % c != 0) {
        std::string m = dq::strformat("bits must be a multiple of %d between %d and 128, got %lld", c, c, v);
        if (c == 4) m += " (--codeword-bits 4: M = bits / 4 subspaces of 16 codewords)";
        else if (v >= 4 && v <= 128 && v % 4 == 0) m += " (4-bit codes take multiples of 4: --codeword-bits 4)";
        throw UsageError(m);
    }
    return int(v);
}

void apply_threads(const Args& a) {
    long long t = a.integer("threads", 0, 0, 1024);
#ifdef _OPENMP
    if (t > 0) omp_set_num_threads(int(t));
#else
    (void)t;
#endif
}

}  // namespace dqt
