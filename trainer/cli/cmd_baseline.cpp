// `deepquan baseline`: a classic method (or DAE-PQ) on the paper split, over one or more trials.
#include <cstdio>

#include "cli/commands.h"
#include "cli/inputs.h"
#include "data/standardize.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"
#include "util/atomic_file.h"
#include "report/eval_json.h"
#include "report/svg_plot.h"
#include "util/json_writer.h"

namespace dqt {

namespace {

// The classic methods on what DeepQuan's networks see for the same data: a feature-vector set
// standardized with the training split's statistics (data/standardize.h), queries with the same.
void standardize_split(LoadedSplit& d, bool say) {
    dq::InputSpec spec = d.gallery.input;
    const size_t constant = compute_standardization(d.gallery, spec);
    d.gallery = standardized_copy(d.gallery, spec);
    d.queries = standardized_copy(d.queries, spec);
    if (say)
        std::fprintf(stderr, "baseline: feature vectors standardized per dimension with the training split's mean and "
                             "std (%zu constant dimension(s))\n", constant);
}

// Evaluation `e` (sdc, adc, ...) of every trial.
MetricSpread spread_over_runs(const std::vector<BaselineResult>& runs, size_t e) {
    std::vector<const EvalResult*> rs;
    for (const auto& r : runs) rs.push_back(&r.evals[e]);
    return spread_of(rs);
}

void write_baseline_report(const std::string& dir, const Args& a, const std::vector<BaselineResult>& runs) {
    make_dirs(dir);
    JsonWriter j;
    j.begin_object();
    j.kv("command", "baseline");
    j.kv("method", runs.front().method);
    j.kv("bits", runs.front().bits);
    if (a.has("images")) j.kv("images", a.str("images"));
    else j.kv("dataset", a.str("dataset"));
    j.key("trials").begin_array();
    for (const auto& r : runs) {
        j.begin_object();
        j.kv("seed", r.seed);
        j.kv("detail", r.detail);
        j.kv("train_seconds", r.train_seconds);
        j.key("evals").begin_array();
        for (const auto& e : r.evals) write_eval_json(j, e);
        j.end_array();
        j.end_object();
    }
    j.end_array();
    j.key("summary").begin_array();
    for (size_t e = 0; e < runs.front().evals.size(); ++e) {
        const MetricSpread sp = spread_over_runs(runs, e);
        const MeanStd &a1 = sp.map_all, &a2 = sp.map_at_k, &a3 = sp.precision_at_k;
        j.begin_object();
        j.kv("mode", runs.front().evals[e].mode);
        j.kv("map_all_mean", a1.mean).kv("map_all_std", a1.std);
        j.kv("map_at_k_mean", a2.mean).kv("map_at_k_std", a2.std);
        j.kv("precision_at_k_mean", a3.mean).kv("precision_at_k_std", a3.std);
        j.end_object();
    }
    j.end_array();
    j.end_object();
    write_file_atomic(dir + "/report.json", j.str());
    write_file_atomic(dir + "/pr.svg",
                      svg_pr_plot(runs.front().evals, dq::strformat("%s, %d bits, seed %llu: precision-recall",
                                                                    runs.front().method.c_str(), runs.front().bits,
                                                                    (unsigned long long)runs.front().seed)));
}

int run_baseline(const Args& a) {
    apply_threads(a);
    BaselineConfig cfg;
    try {
        cfg.method = parse_baseline_method(a.required("method"));
    } catch (const dq::Error& e) {
        throw UsageError(std::string("--method: ") + e.what());
    }
    const int codeword_bits = parse_codeword_bits(a);
    cfg.K = codeword_bits == 4 ? 16 : 256;
    if (codeword_bits == 4 && !baseline_uses_pq(cfg.method))
        throw UsageError(std::string("--codeword-bits 4 applies to the product-quantization methods (pq, opq, pcapq, "
                                     "daepq); ") + to_string(cfg.method) + " is not one of them");
    cfg.bits = parse_bits(a, codeword_bits);
    const long long trials = a.integer("trials", 1, 1, 1000);
    const long long seed0 = a.integer("seed", 0, 0, (1LL << 62));
    if (a.has("dataset") == a.has("images")) throw UsageError("give one of --dataset and --images");
    if (!a.has("images"))
        for (const char* f : {"channels", "size", "background", "skip-bad"})
            if (a.has(f)) throw UsageError(std::string("--") + f + " needs --images DIR");
    if (a.has("pretrained") && (cfg.method != BaselineMethod::daepq || trials != 1))
        throw UsageError("--pretrained applies to --method daepq with one trial (the cache holds one seed's pretraining)");
    // Read (and for a folder, decode) once; each trial draws its own split of it.
    const QueryCount count = query_count(a);
    const Dataset all = load_labelled(a, count);
    std::vector<BaselineResult> runs;
    for (long long t = 0; t < trials; ++t) {
        check_interrupted();
        const uint64_t seed = uint64_t(seed0 + t);
        LoadedSplit data = split_loaded(all, count, seed);
        if (data.gallery.features && cfg.method != BaselineMethod::daepq) standardize_split(data, t == 0);
        cfg.seed = seed;
        BaselineResult r = cfg.method == BaselineMethod::daepq ? run_daepq(a, data, cfg.bits, seed)
                                                               : run_baseline(cfg, data.gallery, data.queries);
        std::printf("%s %d bits seed %llu (%s; train %.1fs)\n", r.method.c_str(), r.bits, (unsigned long long)seed,
                    r.detail.c_str(), r.train_seconds);
        for (const auto& e : r.evals) std::printf("  %s\n", eval_line(e).c_str());
        std::fflush(stdout);
        runs.push_back(std::move(r));
    }
    if (trials > 1) {
        std::printf("mean ± std over %lld trials (seeds %lld..%lld):\n", trials, seed0, seed0 + trials - 1);
        for (size_t e = 0; e < runs.front().evals.size(); ++e) {
            const MetricSpread sp = spread_over_runs(runs, e);
            const MeanStd &a1 = sp.map_all, &a2 = sp.map_at_k, &a3 = sp.precision_at_k;
            std::printf("  %-7s MAP@All %.2f ± %.2f  MAP@1000 %.2f ± %.2f  P@100 %.2f ± %.2f\n",
                        runs.front().evals[e].mode.c_str(), 100 * a1.mean, 100 * a1.std, 100 * a2.mean, 100 * a2.std,
                        100 * a3.mean, 100 * a3.std);
        }
    }
    if (a.has("out")) write_baseline_report(a.str("out"), a, runs);
    return 0;
}

}  // namespace

const Command& baseline_command() {
    static const Command c{
        "baseline",
        "run a classic baseline (pq, opq, pcapq, itq, lsh, pcah, l2, daepq) on the paper split",
        {{"method", "pq|opq|pcapq|itq|lsh|pcah|l2|daepq", "the method (required)"},
         {"bits", "B", "code length (required)"},
         {"codeword-bits", "4|8", "pq, opq, pcapq, daepq: bits of one subspace's code, 8 (K = 256, default) or 4 (K = 16)"},
         {"dataset", "NAME|PATH", "data (this or --images)"},
         {"images", "DIR", "every PNG / JPEG under DIR, as deepquan train --images reads it"},
         {"size", "HxW", "--images: input size (32x32)"},
         {"channels", "1|3", "--images: gray (BT.601) or RGB input (1)"},
         {"background", "COLOR", "--images: white, black or #rrggbb under transparent pixels (white)"},
         {"skip-bad", nullptr, "--images: leave out files that do not decode, and count them"},
         {"labels", "PATH", "labels of a --dataset PATH"},
         {"seed", "S", "seed of the first trial (0)"},
         {"trials", "N", "trials; trial t uses seed S+t for both the split and the method (1)"},
         {"queries-per-class", "N|P%", "test queries drawn per label (100), or P percent of each label's images (at least 1)"},
         {"threads", "T", "threads (0 = all cores)"},
         {"out", "DIR", "write DIR/report.json and DIR/pr.svg"},
         {"pretrain-iterations", "N", "daepq: pretraining iterations (4000)"},
         {"pretrain-noise", "P", "daepq: input dropout of denoising pretraining"},
         {"pretrained", "FILE", "daepq, one trial: cache of the pretrained autoencoder"}},
        "Prints each trial's figures and, for several trials, mean ± std over them.\n"
        "Feature vectors (--dataset FILE.npy float | .fvecs) are standardized per dimension with the training\n"
        "split's mean and std before the method sees them, gallery and queries alike: the inputs a DeepQuan\n"
        "model of the same data trains on (daepq standardizes inside its training, as train does).\n",
        run_baseline};
    return c;
}

}  // namespace dqt
