// Internal to the CLI (cli.cpp, cli_train.cpp): strict flag parsing and the shared helpers.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "baselines.h"
#include "dataset.h"
#include "deepquan.h"
#include "eval.h"

namespace dqt {

/// A usage error (exit status 2): unknown flag, missing or malformed value.
class UsageError : public std::runtime_error {
public:
    explicit UsageError(const std::string& m) : std::runtime_error(m) {}
};

struct FlagSpec {
    const char* name;   ///< without the dashes, e.g. "bits"
    bool takes_value;
};

/// Flags of one command: "--name value", "--name=value", or "--name" for switches; "-k" is an alias
/// of "--k". Every value is checked when read, naming the flag.
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
    const std::string& command() const { return command_; }

private:
    std::string command_;
    std::map<std::string, std::string> values_;
};

/// --bits, checked: "bits must be a multiple of 8 between 8 and 128".
int parse_bits(const Args& a);
/// Applies --threads T (0 or absent = all cores).
void apply_threads(const Args& a);
/// Loads --dataset (with --labels) and draws the paper split with --queries-per-class and seed.
struct LoadedSplit {
    Dataset all;
    Split split;
    Dataset gallery;
    Dataset queries;
};
LoadedSplit load_split(const Args& a, uint64_t seed);
/// One-line summary of an evaluation: "sdc  MAP@All 47.91  MAP@1000 61.20  P@100 70.33".
std::string eval_line(const EvalResult& r);

/// The training configuration `train` (and DAE-PQ) run with: the flags given, the bundled datasets' own
/// validated defaults (λ and denoising strength) where a flag is absent, the variant's automatic
/// choices otherwise (cli_train.cpp).
TrainConfig parse_train_config(const Args& a, int bits, uint64_t seed);
/// `deepquan train` (cli_train.cpp).
int cmd_train(const Args& a);
/// DAE-PQ on one split: the pretrained autoencoder (0 alternating iterations), exported and
/// evaluated through the core like `train` (cli_train.cpp).
BaselineResult run_daepq(const Args& a, const LoadedSplit& data, int bits, uint64_t seed);

}  // namespace dqt
