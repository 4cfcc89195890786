// `deepquan train` and DAE-PQ: flags -> TrainConfig -> train_deepquan -> export and evaluate
// through the core -> report (report/train_outputs.h).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/inputs.h"
#include "dq/error.h"
#include "report/train_outputs.h"
#include "util/atomic_file.h"
#include "util/json_writer.h"
#include "util/progress_line.h"

namespace dqt {

// A flag sets its knob; an absent flag leaves it to the recipe (train/recipe.h), which also holds the
// values validated on the bundled datasets.
TrainConfig parse_train_config(const Args& a, int bits, uint64_t seed) {
    TrainConfig c;
    c.bits = uint32_t(bits);
    c.K = parse_codeword_bits(a) == 4 ? 16 : 256;
    c.seed = seed;
    c.dataset = a.str("dataset");
    if (a.has("variant")) {
        const auto v = parse_variant(a.str("variant"));
        if (!v) throw UsageError("--variant must be " + variant_list() + ", got '" + a.str("variant") + "'");
        c.variant = *v;
    }
    auto real = [&](const char* flag, std::optional<float>& knob, double lo, double hi) {
        if (a.has(flag)) knob = float(a.real(flag, 0, lo, hi));
    };
    auto choice = [&](const char* flag, std::optional<std::string>& knob, const char* x, const char* y) {
        if (!a.has(flag)) return;
        knob = a.str(flag);
        if (*knob != x && *knob != y)
            throw UsageError(std::string("--") + flag + " must be " + x + " or " + y + ", got '" + *knob + "'");
    };
    if (a.has("iterations")) c.iterations = int(a.integer("iterations", 0, 0, 10000000));
    if (a.has("pretrain-iterations")) c.pretrain_iterations = int(a.integer("pretrain-iterations", 0, 0, 10000000));
    if (a.has("batch")) c.batch = size_t(a.integer("batch", 512, 1, 1000000));
    real("s", c.s, 0, 1e6);
    real("lambda", c.lambda, 0, 1e6);
    real("eta", c.eta, 0, 1e6);
    real("lr", c.lr, 1e-9, 100);
    real("quad-weight", c.quad_weight, 0, 1e6);
    real("pretrain-lr", c.pretrain_lr, 1e-9, 100);
    real("z-scale", c.z_scale, 0, 1e6);
    real("pretrain-noise", c.pretrain_noise, 0, 0.95);
    choice("optimizer", c.optimizer, "sgd", "adam");
    choice("lr-schedule", c.lr_schedule, "constant", "cosine");
    choice("pretrain-optimizer", c.pretrain_optimizer, "sgd", "adam");
    std::optional<std::string> epoch_z;
    choice("epoch-z", epoch_z, "fresh", "reuse");
    if (epoch_z) c.fresh_epoch_z = *epoch_z == "fresh";
    c.threads = int(a.integer("threads", 0, 0, 1024));
    c.pretrained_path = a.str("pretrained", "");
    if (a.has("pretrained") && c.pretrained_path.empty()) throw UsageError("--pretrained needs a file path");
    return c;
}

namespace {

// The request as given (null where the recipe decides); what the run resolved it to is the training
// log's "settings".
std::string config_json(const Args& a, const TrainConfig& c, dq::WeightType wt, uint32_t thumb_levels) {
    JsonWriter j;
    j.begin_object();
    if (a.has("images")) j.kv("images", a.str("images"));   // only then, so other runs' reports stay as they were
    j.kv("dataset", a.str("dataset")).kv("bits", c.bits).kv("codeword_bits", c.K == 16 ? 4 : 8).kv("variant", variant_name(c.variant)).kv("seed", c.seed);
    j.kv("iterations", c.iterations).kv("pretrain_iterations", c.pretrain_iterations);
    j.kv("s", c.s).kv("lambda", c.lambda).kv("eta", c.eta).kv("lr", c.lr).kv("batch", c.batch);
    j.kv("optimizer", c.optimizer).kv("lr_schedule", c.lr_schedule).kv("quad_weight", c.quad_weight);
    j.kv("pretrain_optimizer", c.pretrain_optimizer).kv("pretrain_lr", c.pretrain_lr).kv("pretrain_noise", c.pretrain_noise).kv("z_scale", c.z_scale);
    j.kv("weights", dq::to_string(wt));
    j.kv("thumbnail_levels", thumb_levels);
    // A count stays a JSON number (as every earlier report has it); a share is the string "10%".
    const QueryCount qc = query_count(a);
    if (qc.percent > 0) j.kv("queries_per_class", qc.to_string());
    else j.kv("queries_per_class", qc.per_class);
    j.end_object();
    std::string s = j.str();
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// Curves on one iteration axis: pretraining first, then the alternating phase after it.
TrainCurves curves_of(const TrainLog& log) {
    TrainCurves c;
    c.seconds = log.total_seconds;
    const double offset = log.pretrain_iteration.empty() ? 0.0 : double(log.pretrain_iteration.back());
    Curve pre{"pretrain reconstruction", {}, {}};
    for (size_t i = 0; i < log.pretrain_loss.size() && i < log.pretrain_iteration.size(); ++i) {
        pre.x.push_back(log.pretrain_iteration[i]);
        pre.y.push_back(log.pretrain_loss[i]);
    }
    Curve J{"J (quantization)", {}, {}}, R{"R (reconstruction)", {}, {}};
    for (size_t i = 0; i < log.J.size(); ++i) {
        J.x.push_back(offset + double(i + 1));
        J.y.push_back(log.J[i]);
    }
    for (size_t i = 0; i < log.R.size(); ++i) {
        R.x.push_back(offset + double(i + 1));
        R.y.push_back(log.R[i]);
    }
    for (Curve* cv : {&pre, &J, &R})
        if (!cv->y.empty()) c.per_iteration.push_back(std::move(*cv));
    Curve cd{"mean codeword distance", {}, {}};
    for (size_t i = 0; i < log.codeword_distance.size(); ++i) {
        cd.x.push_back(double(i));
        cd.y.push_back(log.codeword_distance[i]);
    }
    c.per_epoch.push_back(std::move(cd));
    c.log_json = train_log_json(log);
    while (!c.log_json.empty() && c.log_json.back() == '\n') c.log_json.pop_back();
    return c;
}

// Runs the optimizer with a progress line per phase (ETA over the whole run, from the optimizer);
// Ctrl-C stops it at the next progress report.
TrainResult run_training(TrainConfig cfg, const Dataset& gallery) {
    std::unique_ptr<ProgressLine> line;
    std::string phase;
    cfg.on_progress = [&](const TrainProgress& p) {
        if (p.phase != phase) {
            if (line) line->finish("");
            phase = p.phase;
            line = std::make_unique<ProgressLine>(phase, size_t(std::max(p.total, 0)));
        }
        std::string detail = dq::strformat("epoch %d  loss %.5g", p.epoch, p.loss);
        if (p.phase != "pretrain") detail += dq::strformat("  J %.4g  R %.4g", p.J, p.R);
        line->update(size_t(std::max(p.iteration, 0)), detail, p.eta_seconds);
        check_interrupted();
    };
    TrainResult r = train_deepquan(cfg, gallery);
    if (line) line->finish(dq::strformat("%.1fs in all", r.log.total_seconds));
    return r;
}

}  // namespace

static int run_train(const Args& a) {
    const std::string out = a.required("out");
    if (a.has("dataset") == a.has("images")) throw UsageError("give one of --dataset and --images");
    if (!a.has("images"))
        for (const char* f : {"channels", "size", "background", "thumbnail-size", "skip-bad"})
            if (a.has(f)) throw UsageError(std::string("--") + f + " needs --images DIR");
    const int bits = parse_bits(a, parse_codeword_bits(a));
    const uint64_t seed = uint64_t(a.integer("seed", 0, 0, (1LL << 62)));
    dq::WeightType wt;
    try {
        wt = dq::parse_weight_type(a.str("weights", "f32"));
    } catch (const dq::Error& e) {
        throw UsageError(std::string("--weights: ") + e.what());
    }
    const uint32_t thumb_levels = uint32_t(a.integer("thumbnail-levels", 256, 2, 256));
    TrainConfig cfg = parse_train_config(a, bits, seed);
    apply_threads(a);
    make_dirs(out);
    cfg.checkpoint_path = out + "/train.ckpt";
    cfg.resume = a.has("resume");

    LoadedSplit data = load_split(a, seed);
    std::fprintf(stderr, "train: %s, %zu images (%u×%u×%u): %zu queries, %zu gallery = training set\n",
                 data.all.name.c_str(), data.all.n, data.all.input.height, data.all.input.width,
                 data.all.input.channels, data.queries.n, data.gallery.n);
    if (data.gallery.features)
        std::fprintf(stderr, "train: feature vectors: standardized per dimension with the training set's mean and std "
                             "(stored in model.dqm)\n");
    TrainResult r = run_training(cfg, data.gallery);
    check_interrupted();
    Exported ex = export_and_evaluate(r.model, wt, data, thumb_levels, true);
    write_train_outputs(out, ex, data, curves_of(r.log), config_json(a, cfg, wt, thumb_levels));
    // The checkpoint only serves --resume of an unfinished run; once every output is in place it is
    // 2x the model's size of dead weight in a directory that is often served as is (scripts/demo.sh).
    std::remove(cfg.checkpoint_path.c_str());
    std::printf("%s %d bits, seed %llu: trained in %.1fs; %s/model.dqm (%zu bytes, %s weights), gallery.dqdb (%zu items)\n",
                r.log.variant.c_str(), bits, (unsigned long long)seed, r.log.total_seconds, out.c_str(),
                ex.model_bytes.size(), dq::to_string(wt), ex.gallery.size());
    for (const auto& e : ex.evals) std::printf("  %s\n", eval_line(e).c_str());
    for (const auto& w : ex.by_weight_type) std::printf("  %s\n", weight_type_line(w).c_str());
    return 0;
}

BaselineResult run_daepq(const Args& a, const LoadedSplit& data, int bits, uint64_t seed) {
    TrainConfig cfg = parse_train_config(a, bits, seed);
    cfg.variant = Variant::daepq;  // pretraining only, then PQ on the latent vectors
    TrainResult r = run_training(cfg, data.gallery);
    BaselineResult b;
    b.method = "daepq";
    b.bits = bits;
    b.seed = seed;
    b.train_seconds = r.log.total_seconds;
    Exported ex = export_and_evaluate(r.model, dq::WeightType::f32, data);
    b.detail = dq::strformat("M=%u K=%u dsub=%u, exported f32 model", ex.model.M, ex.model.K, ex.model.dsub);
    b.evals = ex.evals;
    return b;
}

const Command& train_command() {
    // The variant names come from the recipe, the one list of them.
    static const std::string variant_help = "the recipe's variant: " + variant_list() + " (default deepquan)";
    static const Command c{
        "train",
        "train a DeepQuan model, export model.dqm + gallery.dqdb, evaluate, write a report",
        {{"dataset", "mnist10k|fashion70k|PATH", "training data (this or --images); the bundled names get their validated values"},
         {"bits", "B", "code length: 8, 16, 32, 64 ... (required)"},
         {"codeword-bits", "4|8", "bits of one subspace's code: 8 (K = 256, default) or 4 (K = 16, M = B / 4)"},
         {"out", "DIR", "output directory (required)"},
         {"labels", "PATH", "labels of a --dataset PATH (default: the sibling labels file)"},
         {"images", "DIR", "train on every PNG / JPEG under DIR instead (labels = sub-folders; see below)"},
         {"size", "HxW", "--images: model input size (32x32)"},
         {"channels", "1|3", "--images: gray (BT.601) or RGB input (1)"},
         {"background", "COLOR", "--images: white, black or #rrggbb under transparent pixels (white)"},
         {"thumbnail-size", "HxW", "--images: RGB gallery thumbnails of this size (default: the input pixels)"},
         {"skip-bad", nullptr, "--images: leave out files that do not decode, and count them"},
         {"variant", "NAME", variant_help.c_str()},
         {"seed", "S", "split and training seed (0)"},
         {"queries-per-class", "N|P%", "test queries drawn per label (100), or P percent of each label's images (at least 1)"},
         {"threads", "T", "threads (0 = all cores); the bits do not depend on it"},
         {"iterations", "N", "alternating-phase iterations (the recipe's length by default)"},
         {"pretrain-iterations", "N", "pretraining iterations (4000)"},
         {"batch", "N", "alternating-phase batch (512)"},
         {"s", "X", "margin of Eq. 2"},
         {"lambda", "X", "weight of the negative distance in Eq. 2"},
         {"eta", "X", "weight of R in Eq. 4"},
         {"lr", "X", "alternating-phase learning rate"},
         {"optimizer", "sgd|adam", "alternating-phase optimizer"},
         {"lr-schedule", "constant|cosine", "alternating-phase learning-rate schedule"},
         {"quad-weight", "X", "weight of Eq. 1 added to the triplet term"},
         {"z-scale", "X", "RMS per latent dimension after pretraining (0 keeps z)"},
         {"pretrain-optimizer", "sgd|adam", "pretraining optimizer"},
         {"pretrain-lr", "X", "pretraining learning rate"},
         {"pretrain-noise", "P", "input dropout of denoising pretraining, in [0, 0.95]"},
         {"epoch-z", "reuse|fresh", "the z each epoch's K-means runs on (see below)"},
         {"weights", "f32|f16|int8|int4", "storage of the encoder weights in model.dqm (f32)"},
         {"thumbnail-levels", "N", "gray levels of the gallery thumbnails, 2..256 (256 = exact)"},
         {"pretrained", "FILE", "cache of the pretrained autoencoder (see below)"},
         {"resume", nullptr, "continue an interrupted run from DIR/train.ckpt"}},
        "Flags not given keep the recipe's values: the variant's own, and on mnist10k and fashion70k the values\n"
        "validated on them (train/recipe.h).\n"
        "Writes DIR/model.dqm, gallery.dqdb, queries.dqdb, queries-idx3-ubyte.gz (+ queries-idx1-ubyte.gz),\n"
        "report.json, loss.svg, codeword-distance.svg and pr.svg; DIR/train.ckpt lets --resume continue an\n"
        "interrupted run.\n"
        "--weights: int8 keeps a scale per row; int4 a scale per 32 inputs, biases corrected on the training\n"
        "images for the rounding's mean shift; the exported codes and the report's MAP use the stored weights,\n"
        "and report.json compares all four.\n"
        "--thumbnail-levels N: gallery.dqdb stores its thumbnails with N evenly spaced gray levels, for a\n"
        "smaller gzip download on the web page (8 levels about halve it); codes always come from the exact\n"
        "pixels, and queries.dqdb keeps them exact.\n"
        "--pretrained FILE: absent, it is written after pretraining; present, pretraining is skipped and the\n"
        "run ends byte-identical to one that pretrained. Variants with the same seed, bits, data and\n"
        "pretraining flags share it; any other file is refused.\n"
        "--dataset FILE.npy (float) | FILE.fvecs: feature vectors in any range; each dimension is standardized\n"
        "with the training set's mean and std (scale 1 where the variance is zero), stored in model.dqm, which\n"
        "then takes the raw vectors (encode, search, the package).\n"
        "--images DIR: every .png/.jpg/.jpeg under DIR, sorted by path, format from the bytes; label = first-level\n"
        "sub-folder (files directly in DIR are left out of training), symlinks followed but no file twice;\n"
        "each composited over --background, made gray or RGB and area-resized to --size (dq/image.h), the\n"
        "background recorded in model.dqm. A bad file stops the run before training unless --skip-bad.\n"
        "--codeword-bits 4: B / 4 subspaces of 16 codewords (latent size 4 B instead of 2 B), the codes the\n"
        "core's 4-bit scan reads; Eq. 2 then draws each negative among the 15 unassigned codewords.\n"
        "--epoch-z: reuse (default) the latent vectors the epoch's own forward passes computed, or fresh:\n"
        "re-encode the whole training set with the current network.\n",
        run_train};
    return c;
}

}  // namespace dqt
