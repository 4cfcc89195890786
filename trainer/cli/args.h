// The CLI's flag machinery: one table per command (cmd_*.cpp) defines its flags and their help lines
// together, so `deepquan CMD --help` lists exactly the flags CMD accepts, and the parser refuses any
// other. Values are checked when read, naming the flag.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace dqt {

/// A usage error (exit status 2): unknown flag, missing or malformed value.
class UsageError : public std::runtime_error {
public:
    explicit UsageError(const std::string& m) : std::runtime_error(m) {}
};

/// One flag: "--name VALUE" (value = its placeholder in the help, e.g. "N" or "sdc|adc") or, with
/// value == nullptr, a switch "--name".
struct FlagSpec {
    const char* name;            ///< without the dashes, e.g. "bits"
    const char* value = nullptr; ///< placeholder of the value; nullptr for a switch
    const char* help = "";       ///< one line for --help
    bool takes_value() const { return value != nullptr; }
};

class Args;

/// A command of the `deepquan` binary.
struct Command {
    const char* name;
    const char* summary;          ///< one line for `deepquan --help`
    std::vector<FlagSpec> flags;  ///< every flag it accepts; the required ones first
    const char* notes;            ///< paragraphs printed after the flag list (may be "")
    int (*run)(const Args&);
};

/// "usage: deepquan NAME [flags]", one line per flag, then the notes.
std::string help_text(const Command& c);

/// Parsed flags of one command: "--name value", "--name=value", or "--name" for switches; "-k" is an
/// alias of "--k". Throws UsageError for an unknown flag, a flag given twice, a missing value.
class Args {
public:
    Args(const std::string& command, const std::vector<std::string>& argv, size_t first,
         const std::vector<FlagSpec>& spec);
    bool has(const std::string& name) const { return values_.count(name) != 0; }
    std::string str(const std::string& name, const std::string& def = "") const;
    /// Throws UsageError("--name is required") if absent.
    std::string required(const std::string& name) const;
    long long integer(const std::string& name, long long def, long long lo, long long hi) const;
    double real(const std::string& name, double def, double lo, double hi) const;
    /// "--name 1,3,7": a non-empty comma-separated list of integers in [lo, hi] (empty if absent).
    std::vector<long long> integers(const std::string& name, long long lo, long long hi) const;
    const std::string& command() const { return command_; }

private:
    std::string command_;
    std::map<std::string, std::string> values_;
};

/// --codeword-bits 4|8 (default 8): the bits of one subspace's code, K = 16 or 256 codewords.
int parse_codeword_bits(const Args& a);
/// --bits, checked against the bits of one subspace's code (8 or 4): "bits must be a multiple of 8
/// between 8 and 128".
int parse_bits(const Args& a, int codeword_bits = 8);
/// Applies --threads T (0 or absent = all cores).
void apply_threads(const Args& a);
/// Strict whole-string number parsing (no trailing characters, finite).
bool parse_ll(const std::string& s, long long& out);
bool parse_double(const std::string& s, double& out);

}  // namespace dqt
