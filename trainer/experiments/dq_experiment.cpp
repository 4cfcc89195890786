// Experiment driver for results/method-experiments.md: trains through the same recipe as `deepquan
// train` (train/recipe.h: every knob not given takes the shipped value, the bundled datasets' own
// included) and evaluates snapshots through the same code (eval/model_eval.h). Built with
// -DDQ_BUILD_EXPERIMENTS=ON (CI compiles it): build/native/trainer/experiments/dq_experiment.
//
// Protocols:
//   val   the paper split of --dataset with seed S gives a 9,000 (mnist10k) gallery; from that gallery
//         100 images per class are drawn with seed S+1000 as *validation queries*, the rest is the
//         training set and the validation gallery. The test queries are never touched: this is what
//         hyper-parameters are chosen on.
//   test  the paper protocol itself (train on the gallery, evaluate the 1,000 test queries).
//   both  train on the paper's 9,000 gallery (as `test`; training never reads labels) and report at every
//         snapshot two figures: `val` = validation queries (100 per class drawn from the gallery with seed
//         S+1000) searched in the remaining 8,000 gallery images, and `test` = the 1,000 test queries in the
//         9,000 gallery. Choices are made on `val` only; one pretraining cache serves both.
// At every snapshot the driver prints MAP@All (SDC) of the current encoder + codebooks and label-free
// signals (relative quantization error, pixel-kNN preservation) to study model selection.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <algorithm>

#include "nn/eigen_blocking.h"
#include "data/dataset.h"
#include "data/image_folder.h"
#include "dq/image.h"
#include "data/split.h"
#include "train/trainer.h"
#include "dq/encoder.h"
#include "dq/error.h"
#include "dq/pq.h"
#include "eval/eval.h"
#include "eval/model_eval.h"

using namespace dqt;

static std::map<std::string, std::string> args;
static std::string arg(const std::string& k, const std::string& d) { return args.count(k) ? args[k] : d; }
static double argf(const std::string& k, double d) {
    if (!args.count(k)) return d;
    char* end = nullptr;
    const double v = std::strtod(args[k].c_str(), &end);
    if (end == args[k].c_str() || *end) {
        std::fprintf(stderr, "dq_experiment: --%s expects a number, got '%s'\n", k.c_str(), args[k].c_str());
        std::exit(2);
    }
    return v;
}

// A mistyped flag would otherwise run the defaults for many minutes and look like a result.
static void parse_args(int argc, char** argv) {
    static const std::set<std::string> known = {
        "adam-lr", "batch", "bits", "channels", "codeword-bits", "dataset", "dsub", "images", "queries-per-class", "size", "eta", "fresh-epoch-z", "grad-clip", "iterations", "kmeans-iters",
        "lambda", "lr", "lr-schedule", "momentum", "optimizer", "pretrain-iterations", "pretrain-lr",
        "pretrain-noise", "pretrain-optimizer", "pretrained", "progress-every", "protocol", "quad-weight", "r-mean",
        "reassign", "s", "seed", "snapshot-every", "squared", "threads", "variant", "z-scale"};
    for (int i = 1; i < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string key = flag.rfind("--", 0) == 0 ? flag.substr(2) : "";
        if (!known.count(key) || i + 1 >= argc) {
            std::fprintf(stderr, "dq_experiment: %s '%s' (flags, each with a value:", i + 1 >= argc && known.count(key)
                         ? "missing value for" : "unknown argument", flag.c_str());
            for (const auto& k : known) std::fprintf(stderr, " --%s", k.c_str());
            std::fprintf(stderr, ")\n");
            std::exit(2);
        }
        args[key] = argv[i + 1];
    }
}

struct Eval {
    const Dataset* gallery;
    const Dataset* queries;
    // label-free: 300 pseudo-queries from the gallery, their 20 pixel-L2 nearest gallery neighbours
    std::vector<uint32_t> pq_idx;
    std::vector<std::vector<uint32_t>> knn;
};

static void build_knn(Eval& e) {
    const Dataset& g = *e.gallery;
    SplitMix64 rng(12345);
    for (int i = 0; i < 300; ++i) e.pq_idx.push_back(uint32_t(rng.below(g.n)));
    e.knn.resize(e.pq_idx.size());
#pragma omp parallel for
    for (size_t q = 0; q < e.pq_idx.size(); ++q) {
        std::vector<std::pair<float, uint32_t>> d(g.n);
        for (size_t i = 0; i < g.n; ++i) d[i] = {dq::l2sqr(g.row(e.pq_idx[q]), g.row(i), g.dim), uint32_t(i)};
        std::partial_sort(d.begin(), d.begin() + 21, d.end());
        for (int k = 1; k <= 20; ++k) e.knn[q].push_back(d[k].second);
    }
}

static void evaluate(const Eval& e, const dq::Model& m, const char* tag, int it, int epoch, bool adc) {
    dq::Encoder enc(m);
    const Dataset& g = *e.gallery;
    const Dataset& q = *e.queries;
    const size_t L = m.latent_dim();
    std::vector<float> zg(g.n * L), zq(q.n * L);
    enc.forward(g.x.data(), g.n, zg.data());
    enc.forward(q.x.data(), q.n, zq.data());
    dq::ProductQuantizer pq(m.M, m.K, m.dsub, m.codebooks);
    std::vector<uint8_t> codes(g.n * m.M);
    pq.encode(zg.data(), g.n, codes.data());
    // MAP through the trainer's own evaluation of a shipped model (SDC, and ADC when asked).
    const std::vector<EvalResult> rs =
        evaluate_model(m, g.x.data(), g.n, g.labels.data(), q.x.data(), q.n, q.labels.data(), adc);
    const EvalResult& r = rs[0];
    const double adcmap = adc ? rs[1].metrics.map_all : -1;
    const double l2map =
        adc ? evaluate_l2(zg.data(), g.n, L, g.labels.data(), zq.data(), q.n, q.labels.data()).metrics.map_all : -1;
    // label-free signals
    double qe = pq.quantization_error(zg.data(), g.n);
    std::vector<double> mean(L, 0);
    for (size_t i = 0; i < g.n; ++i)
        for (size_t j = 0; j < L; ++j) mean[j] += zg[i * L + j];
    double var = 0;
    for (size_t i = 0; i < g.n; ++i)
        for (size_t j = 0; j < L; ++j) {
            double d = zg[i * L + j] - mean[j] / g.n;
            var += d * d;
        }
    var /= g.n;
    std::vector<float> sdc = pq.compute_sdc_table();
    double knn_ap = 0;
    for (size_t qi = 0; qi < e.pq_idx.size(); ++qi) {
        const uint8_t* qc = codes.data() + size_t(e.pq_idx[qi]) * m.M;
        std::vector<std::pair<float, uint32_t>> d(g.n);
        for (size_t i = 0; i < g.n; ++i) {
            float s = 0;
            for (uint32_t mm = 0; mm < m.M; ++mm) s += sdc[(size_t(mm) * m.K + qc[mm]) * m.K + codes[i * m.M + mm]];
            d[i] = {s, uint32_t(i)};
        }
        std::sort(d.begin(), d.end());
        std::vector<char> rel(g.n, 0);
        for (uint32_t k : e.knn[qi]) rel[k] = 1;
        double hits = 0, ap = 0;
        size_t rank = 0;
        for (size_t i = 0; i < g.n && hits < 20; ++i) {
            if (d[i].second == e.pq_idx[qi]) continue;
            ++rank;
            if (rel[d[i].second]) {
                hits += 1;
                ap += hits / rank;
            }
        }
        knn_ap += ap / 20;
    }
    knn_ap /= e.pq_idx.size();
    std::printf("%s it %5d ep %4d  MAP@All sdc %.2f%s  MAP@1000 %.2f  | qe %.4g var %.4g relqe %.4f knnAP %.4f\n", tag, it,
                epoch, 100 * r.metrics.map_all, adc ? dq::strformat(" adc %.2f float-z %.2f", 100 * adcmap, 100 * l2map).c_str() : "",
                100 * r.metrics.map_at_k, qe, var, qe / var, knn_ap);
    std::fflush(stdout);
}

static int run(int argc, char** argv) {
    dqt::pin_eigen_cache_sizes();
    parse_args(argc, argv);
    const uint64_t seed = uint64_t(argf("seed", 0));
    // --images DIR: a folder read as `deepquan train --images` reads it (white background, bad files left
    // out and counted; labelled files only), for collections such as openclipart-png.
    // --queries-per-class N|P%: both splits' query count (100: the paper's), e.g. 10% for such a folder.
    const QueryCount qc = parse_query_count(arg("queries-per-class", "100"));
    Dataset all;
    if (args.count("images")) {
        ImageFolderOptions o;
        parse_image_size(arg("size", "32x32"), "--size", &o.input.height, &o.input.width);
        o.input.channels = uint32_t(argf("channels", 3));
        o.input.background = dq::parse_background("white");
        ImageFolder f = load_image_folder(args["images"], o);
        std::vector<uint32_t> labelled;
        for (size_t i = 0; i < f.data.n; ++i)
            if (f.data.labels[i] >= 0) labelled.push_back(uint32_t(i));
        all = subset(f.data, labelled);
        std::printf("images: %zu labelled from %s (%zu bad files left out)\n", all.n, args["images"].c_str(), f.bad.size());
    } else {
        all = load_dataset(arg("dataset", "mnist10k"));
    }
    Split sp = paper_split(all, qc, seed);
    Dataset gallery = subset(all, sp.gallery), queries = subset(all, sp.queries);
    const std::string protocol = arg("protocol", "val");
    Dataset train_set = gallery;
    Split inner = paper_split(gallery, qc, seed + 1000);   // = validation_split(gallery, 100, seed) for 100
    Dataset vq = subset(gallery, inner.queries), vg = subset(gallery, inner.gallery);
    if (protocol == "val") {
        queries = subset(gallery, inner.queries);
        gallery = subset(gallery, inner.gallery);
    }
    TrainConfig c;
    c.dataset = args.count("images") ? args["images"] : arg("dataset", "mnist10k");
    if (args.count("variant")) {
        const auto v = parse_variant(args["variant"]);
        if (!v) {
            std::fprintf(stderr, "dq_experiment: --variant must be %s\n", variant_list().c_str());
            std::exit(2);
        }
        c.variant = *v;
    }
    c.bits = uint32_t(argf("bits", 32));
    const double codeword_bits = argf("codeword-bits", 8);  // 4: K = 16, M = bits / 4 (as `deepquan train`)
    if (codeword_bits != 4 && codeword_bits != 8) {
        std::fprintf(stderr, "dq_experiment: --codeword-bits must be 4 or 8, got %g\n", codeword_bits);
        std::exit(2);
    }
    c.K = codeword_bits == 4 ? 16 : 256;
    // Latent dimensions per subspace (the paper's 16, L = 16 M): with K = 16 the 64-bit code has M = 16
    // subspaces of 16 codewords each in 16 dimensions, a coarser quantizer than K = 256's; what fewer
    // dimensions per subspace do there is an experiment, not yet a `deepquan train` flag.
    if (args.count("dsub")) {
        const double d = argf("dsub", 16);
        if (d < 1 || d > 256 || d != std::floor(d)) {
            std::fprintf(stderr, "dq_experiment: --dsub must be an integer in [1, 256], got %g\n", d);
            std::exit(2);
        }
        c.dsub = uint32_t(d);
    }
    c.seed = seed;
    // Only the flags given reach the request; everything else is the recipe's (as in `deepquan train`).
    auto real = [&](const char* k, std::optional<float>& knob) { if (args.count(k)) knob = float(argf(k, 0)); };
    auto integer = [&](const char* k, std::optional<int>& knob) { if (args.count(k)) knob = int(argf(k, 0)); };
    auto toggle = [&](const char* k, std::optional<bool>& knob) { if (args.count(k)) knob = argf(k, 0) != 0; };
    auto text = [&](const char* k, std::optional<std::string>& knob) { if (args.count(k)) knob = args[k]; };
    integer("iterations", c.iterations);
    integer("pretrain-iterations", c.pretrain_iterations);
    real("quad-weight", c.quad_weight);
    real("grad-clip", c.grad_clip);
    text("lr-schedule", c.lr_schedule);
    toggle("r-mean", c.r_mean);
    real("s", c.s);
    real("lambda", c.lambda);
    real("eta", c.eta);
    real("lr", c.lr);
    real("adam-lr", c.adam_lr);
    if (args.count("batch")) c.batch = size_t(argf("batch", 512));
    text("optimizer", c.optimizer);
    text("pretrain-optimizer", c.pretrain_optimizer);
    real("pretrain-lr", c.pretrain_lr);
    real("z-scale", c.z_scale);
    real("pretrain-noise", c.pretrain_noise);
    real("momentum", c.momentum);
    c.kmeans_iters = int(argf("kmeans-iters", c.kmeans_iters));
    toggle("squared", c.squared);
    toggle("reassign", c.reassign);
    toggle("fresh-epoch-z", c.fresh_epoch_z);
    c.threads = int(argf("threads", 2));
    c.pretrained_path = arg("pretrained", "");
    c.progress_every = int(argf("progress-every", 100));
    c.snapshot_every = int(argf("snapshot-every", 250));
    if (protocol == "val") train_set = gallery;
    Eval ev{&gallery, &queries, {}, {}};
    Eval evv{&vg, &vq, {}, {}};
    build_knn(protocol == "both" ? evv : ev);
    c.on_snapshot = [&](int it, int epoch, const dq::Model& m) {
        if (protocol == "both") {
            evaluate(evv, m, "snap val ", it, epoch, false);
            evaluate(ev, m, "snap test", it, epoch, false);
        } else {
            evaluate(ev, m, "snap", it, epoch, false);
        }
    };
    c.on_progress = [&](const TrainProgress& p) {
        if (p.phase == "pretrain" && p.iteration % 1000 != 0) return;
        std::printf("  %s %d/%d ep %d loss %.4g J %.4g R %.4g  %.0fs (eta %.0fs)\n", p.phase.c_str(), p.iteration, p.total,
                    p.epoch, p.loss, p.J, p.R, p.elapsed_seconds, p.eta_seconds);
        std::fflush(stdout);
    };
    std::printf("protocol %s: train %zu, queries %zu\n", protocol.c_str(), gallery.n, queries.n);
    try {
        TrainResult r = train_deepquan(c, train_set);
        std::printf("settings %s\n", r.log.settings_json.c_str());
        const auto& l = r.log;
        for (size_t e = 0; e < l.codeword_distance.size(); e += std::max<size_t>(1, l.codeword_distance.size() / 12))
            std::printf("  epoch %zu it %d: cw-dist %.4g distinct %.3f qe %.4g |z|^2 %.4g\n", e, l.epoch_iteration[e],
                        l.codeword_distance[e], l.distinct_codes[e], l.quantization_error[e], l.z_norm[e]);
        if (!l.hinge_active.empty()) {
            double a0 = 0, a1 = 0;
            size_t k = std::min<size_t>(50, l.hinge_active.size());
            for (size_t i = 0; i < k; ++i) a0 += l.hinge_active[i], a1 += l.hinge_active[l.hinge_active.size() - 1 - i];
            std::printf("  hinge active: first %.3f last %.3f\n", a0 / k, a1 / k);
        }
        std::printf("timing: pretrain %.1fs (%.4f s/it), alternate %.1fs (%.4f s/it, kmeans %.1fs), total %.1fs\n",
                    l.pretrain_seconds, l.seconds_per_pretrain_iteration, l.alternate_seconds, l.seconds_per_iteration,
                    l.kmeans_seconds, l.total_seconds);
        if (protocol == "both") {
            evaluate(evv, r.model, "FINAL val ", l.iterations_run, l.epochs, false);
            evaluate(ev, r.model, "FINAL test", l.iterations_run, l.epochs, false);
        } else {
            evaluate(ev, r.model, "FINAL", l.iterations_run, l.epochs, true);
        }
    } catch (const std::exception& e) {
        std::printf("ERROR: %s\n", e.what());
        return 1;
    }
    return 0;
}

// A missing dataset or an impossible knob is a dq::Error: one line naming it and exit 1, not an abort.
int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dq_experiment: %s\n", e.what());
        return 1;
    }
}
