#include "cli.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "atomic_file.h"
#include "baselines.h"
#include "cli_args.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"
#include "export.h"
#include "json.h"
#include "report.h"

namespace dqt {

namespace {

const char* const kUsage =
    "usage: deepquan <command> [flags]   (deepquan <command> --help for its flags)\n"
    "  train         train a DeepQuan model, export model.dqm + gallery.dqdb, evaluate, write a report\n"
    "  baseline      run a classic baseline (pq, opq, pcapq, itq, lsh, pcah, l2, daepq) on the paper split\n"
    "  eval          evaluate a model and database against labelled queries (MAP@All, MAP@1000, P@100)\n"
    "  encode        encode images into a database with a model (streaming)\n"
    "  search        search a database with one image\n"
    "  export-faiss  write the database as a Faiss IndexPQ file\n";

const char* const kTrainHelp =
    "usage: deepquan train --dataset mnist10k|fashion70k|PATH [--labels PATH] --bits 16|32|64 --out DIR\n"
    "         [--variant NAME] [--seed S] [--iterations N] [--s X] [--lambda X] [--eta X] [--lr X]\n"
    "         [--batch N] [--threads T] [--weights f32|f16|int8|int4] [--queries-per-class 100]\n"
    "         [--pretrain-iterations N] [--resume]   (variants: deepquan, paper, quad, wtps, daepq)\n"
    "         [--optimizer sgd|adam] [--lr-schedule constant|cosine] [--quad-weight X] [--z-scale X]\n"
    "         [--pretrain-optimizer sgd|adam] [--pretrain-lr X] [--pretrain-noise P]\n"
    "         (absent: the variant's own; --z-scale 0 keeps z; P: input dropout of denoising pretraining)\n"
    "         [--thumbnail-levels N] [--pretrained FILE] [--epoch-z reuse|fresh]\n"
    "Writes DIR/model.dqm, gallery.dqdb, queries.dqdb, queries-idx3-ubyte.gz (+ queries-idx1-ubyte.gz),\n"
    "report.json, loss.svg, codeword-distance.svg and pr.svg; DIR/train.ckpt lets --resume continue an\n"
    "interrupted run. Flags not given keep the variant's own settings.\n"
    "--weights: storage of the encoder weights in model.dqm (int8: a scale per row; int4: a scale per\n"
    "32 inputs, biases corrected on the training images for the rounding's mean shift); the exported\n"
    "codes and the report's MAP use the stored weights, and report.json compares all four.\n"
    "--thumbnail-levels N (2..256, default 256 = exact): gallery.dqdb stores its thumbnails with N\n"
    "evenly spaced gray levels, for a smaller gzip download on the web page (8 levels about halve\n"
    "it); codes always come from the exact pixels, and queries.dqdb keeps them exact.\n"
    "--pretrained FILE: cache of the pretrained autoencoder. Absent, it is written after pretraining;\n"
    "present, pretraining is skipped and the run ends byte-identical to one that pretrained. Variants\n"
    "with the same seed, bits, data and pretraining flags share it; any other file is refused.\n"
    "--epoch-z: the latent vectors each epoch's K-means runs on: reuse (default) those the epoch's own\n"
    "forward passes computed, fresh re-encodes the whole training set with the current network.\n";
const char* const kBaselineHelp =
    "usage: deepquan baseline --method pq|opq|pcapq|itq|lsh|pcah|l2|daepq --bits B --dataset NAME|PATH\n"
    "         [--labels PATH] [--seed S] [--trials N] [--queries-per-class 100] [--threads T] [--out DIR]\n"
    "         [--pretrain-iterations N] [--pretrained FILE]   (daepq only; --pretrained: one trial)\n"
    "Trial t uses seed S+t for both the split and the method; prints mean ± std over the trials.\n";
const char* const kEvalHelp =
    "usage: deepquan eval --model M.dqm --db G.dqdb --queries FILE [--labels PATH] [--mode sdc|adc]\n"
    "         [--trials N] [--seed S] [--threads T]\n"
    "FILE is a .dqdb with labels (and thumbnails for ADC) or an image file (IDX, .npy, ...) with labels.\n"
    "--trials N adds the spread over N bootstrap resamples of the queries (seeds S, S+1, ...).\n";
const char* const kEncodeHelp =
    "usage: deepquan encode --model M.dqm --images FILE [--labels FILE] [--no-thumbnails]\n"
    "         [--thumbnail-levels N] --out DB.dqdb\n"
    "--thumbnail-levels N (2..256, default 256 = exact): store thumbnails with N evenly spaced gray\n"
    "levels, for a smaller gzip download on the web page; codes always come from the exact pixels.\n"
    "Keep the default for a database whose thumbnails serve as query inputs (deepquan eval).\n";
const char* const kSearchHelp =
    "usage: deepquan search --model M.dqm --db DB.dqdb --image FILE[:INDEX] [-k 10] [--mode sdc|adc]\n";
const char* const kFaissHelp = "usage: deepquan export-faiss --model M.dqm --db DB.dqdb --out index.faiss [--idmap]\n";

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

dq::Model load_model(const std::string& path) {
    std::vector<uint8_t> b = read_file(path);
    try {
        return dq::read_model(b.data(), b.size());
    } catch (const dq::Error& e) {
        throw dq::Error(path + ": " + e.what());
    }
}

dq::Database load_database(const std::string& path) {
    std::vector<uint8_t> b = read_file(path);
    try {
        return dq::read_database(b.data(), b.size());
    } catch (const dq::Error& e) {
        throw dq::Error(path + ": " + e.what());
    }
}

bool is_dqdb(const std::string& path) {
    return path.size() >= 5 && path.compare(path.size() - 5, 5, ".dqdb") == 0;
}

// Model input from u8 pixels: the model's own scale, so a model trained with another scaling
// still sees what it was trained on.
std::vector<float> scale_pixels(const uint8_t* px, size_t count, const dq::Model& m) {
    std::vector<float> x(count);
    for (size_t i = 0; i < count; ++i) x[i] = float(px[i]) * m.input.scale;
    return x;
}

void check_dims(const std::string& what, const dq::InputSpec& got, const dq::Model& m) {
    if (got.dim() != m.input_dim())
        throw dq::Error(dq::strformat("%s has %u values per image (%u×%u×%u), the model expects %u (%u×%u×%u)",
                                      what.c_str(), got.dim(), got.height, got.width, got.channels, m.input_dim(),
                                      m.input.height, m.input.width, m.input.channels));
}

// Queries for `eval`: float inputs plus labels, from a .dqdb (thumbnails) or an image file.
struct Queries {
    std::vector<float> x;
    std::vector<int32_t> labels;
    std::vector<uint8_t> codes;  // set when a .dqdb of the same model supplies them
    size_t n = 0;
};

Queries load_queries(const std::string& path, const std::string& labels_path, const dq::Model& model, bool need_x) {
    Queries q;
    if (is_dqdb(path)) {
        dq::Database db = load_database(path);
        if (!db.has_labels()) throw dq::Error(path + ": the query database has no labels");
        q.n = db.size();
        q.labels = db.labels;
        bool same_model = db.model_fingerprint == dq::codebook_fingerprint(model) && db.M == model.M;
        if (same_model) q.codes = db.codes;
        if (need_x || !same_model) {
            if (!db.has_thumbnails())
                throw dq::Error(path + ": the query database has no thumbnails (pixels), needed for " +
                                (same_model ? "ADC" : "a database encoded with another model"));
            dq::InputSpec s;
            s.height = db.thumb_height;
            s.width = db.thumb_width;
            s.channels = db.thumb_channels;
            check_dims(path + " thumbnails", s, model);
            q.x = scale_pixels(db.thumbnails.data(), db.thumbnails.size(), model);
        }
        return q;
    }
    check_dims(path, ImageReader::open(path)->input(), model);
    Dataset ds = read_images(path);
    q.n = ds.n;
    q.x = ds.has_pixels() ? scale_pixels(ds.pixels.data(), ds.pixels.size(), model) : std::move(ds.x);
    std::string lp = labels_path.empty() ? sibling_labels_path(path) : labels_path;
    if (lp.empty()) throw dq::Error(path + ": no labels (pass --labels FILE)");
    q.labels = read_labels(lp, q.n);
    return q;
}

int cmd_eval(const Args& a) {
    apply_threads(a);
    const std::string mode = a.str("mode", "both");
    if (mode != "sdc" && mode != "adc" && mode != "both")
        throw UsageError("--mode must be sdc or adc, got '" + mode + "'");
    const long long trials = a.integer("trials", 1, 1, 10000);
    const long long seed = a.integer("seed", 0, 0, (1LL << 62));
    dq::Model model = load_model(a.required("model"));
    dq::Database db = load_database(a.required("db"));
    try {
        dq::check_compatible(model, db);
    } catch (const dq::Error& e) {
        throw dq::Error(a.str("db") + ": " + e.what());
    }
    if (!db.has_labels()) throw dq::Error(a.str("db") + ": the database has no labels to evaluate against");
    const bool need_adc = mode != "sdc";
    Queries q = load_queries(a.required("queries"), a.str("labels"), model, need_adc);
    dq::Index index(model);
    std::vector<float> z;
    if (!q.x.empty()) {
        z.resize(q.n * model.latent_dim());
        index.embed(q.x.data(), q.n, z.data());
    }
    std::vector<EvalResult> results;
    if (mode != "adc") {
        std::vector<uint8_t> codes = q.codes;
        if (codes.empty()) {
            codes.resize(q.n * model.M);
            index.encode(q.x.data(), q.n, codes.data());
        }
        results.push_back(evaluate_pq_codes(index.pq(), db.codes.data(), db.size(), db.labels.data(), codes.data(),
                                            q.n, q.labels.data()));
    }
    if (need_adc)
        results.push_back(evaluate_pq(index.pq(), db.codes.data(), db.size(), db.labels.data(), z.data(), q.n,
                                      q.labels.data(), true));
    std::printf("%zu queries against %zu items (M=%u, K=%u)\n", q.n, db.size(), model.M, model.K);
    for (const auto& r : results) {
        std::printf("%s\n", eval_line(r).c_str());
        if (trials > 1) {
            MetricSpread b = bootstrap_queries(r, size_t(trials), uint64_t(seed));
            std::printf("     bootstrap over %lld resamples: MAP@All %.2f ± %.2f  MAP@%zu %.2f ± %.2f  P@%zu %.2f ± %.2f\n",
                        trials, 100 * b.map_all.mean, 100 * b.map_all.std, r.map_k, 100 * b.map_at_k.mean,
                        100 * b.map_at_k.std, r.prec_k, 100 * b.precision_at_k.mean, 100 * b.precision_at_k.std);
        }
    }
    return 0;
}

int cmd_encode(const Args& a) {
    apply_threads(a);
    const std::string out = a.required("out");
    const uint32_t levels = uint32_t(a.integer("thumbnail-levels", 256, 2, 256));
    dq::Model model = load_model(a.required("model"));
    const std::string images = a.required("images");
    auto reader = ImageReader::open(images);
    check_dims(images, reader->input(), model);
    std::vector<int32_t> labels;
    std::string lp = a.has("labels") ? a.str("labels") : sibling_labels_path(images);
    if (!lp.empty()) labels = read_labels(lp, reader->size());
    const bool thumbs = reader->is_u8() && !a.has("no-thumbnails");
    const dq::InputSpec& in = reader->input();
    DatabaseBuilder b(model, !labels.empty(), thumbs ? in.height : 0, thumbs ? in.width : 0, thumbs ? in.channels : 0,
                      levels);
    const size_t chunk = 4096;
    std::vector<float> x;
    std::vector<uint8_t> px;
    std::vector<uint32_t> ids;
    while (true) {
        check_interrupted();
        size_t first = reader->position();
        size_t got = reader->read(chunk, x, reader->is_u8() ? &px : nullptr);
        if (got == 0) break;
        if (reader->is_u8()) x = scale_pixels(px.data(), px.size(), model);
        ids.resize(got);
        for (size_t i = 0; i < got; ++i) ids[i] = uint32_t(first + i);
        b.add(x.data(), got, ids.data(), labels.empty() ? nullptr : &labels[first], thumbs ? px.data() : nullptr);
    }
    dq::Database db = b.finish();
    std::vector<uint8_t> bytes = dq::write_database(db);
    write_file_atomic(out, bytes);
    std::fprintf(stderr, "encoded %zu images into %s (%zu bytes%s%s)\n", db.size(), out.c_str(), bytes.size(),
                 db.has_labels() ? ", labels" : "", db.has_thumbnails() ? ", thumbnails" : "");
    return 0;
}

int cmd_search(const Args& a) {
    apply_threads(a);
    const std::string mode_s = a.str("mode", "adc");
    if (mode_s != "sdc" && mode_s != "adc") throw UsageError("--mode must be sdc or adc, got '" + mode_s + "'");
    const long long k = a.integer("k", 10, 1, 1LL << 31);
    std::string spec = a.required("image");
    size_t index_in_file = 0;
    size_t colon = spec.find_last_of(':');
    if (colon != std::string::npos && colon + 1 < spec.size() &&
        spec.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
        long long v = 0;
        if (!parse_ll(spec.substr(colon + 1), v)) throw UsageError("--image: bad index in '" + spec + "'");
        index_in_file = size_t(v);
        spec = spec.substr(0, colon);
    }
    dq::Model model = load_model(a.required("model"));
    dq::Database db = load_database(a.required("db"));
    try {
        dq::check_compatible(model, db);  // before Index does, so that the message names the file
    } catch (const dq::Error& e) {
        throw dq::Error(a.str("db") + ": " + e.what());
    }
    if (size_t(k) > db.size())
        throw dq::Error(dq::strformat("k = %lld is larger than the database (%zu items)", k, db.size()));
    dq::Index index(model, std::move(db));
    std::vector<float> x;
    int32_t qlabel = -1;
    if (is_dqdb(spec)) {
        dq::Database qdb = load_database(spec);
        if (!qdb.has_thumbnails()) throw dq::Error(spec + ": no thumbnails to use as a query image");
        if (index_in_file >= qdb.size())
            throw dq::Error(dq::strformat("%s: image index %zu out of range (%zu images)", spec.c_str(),
                                          index_in_file, qdb.size()));
        dq::InputSpec s;
        s.height = qdb.thumb_height;
        s.width = qdb.thumb_width;
        s.channels = qdb.thumb_channels;
        check_dims(spec, s, model);
        x = scale_pixels(&qdb.thumbnails[index_in_file * qdb.thumb_bytes()], qdb.thumb_bytes(), model);
        if (qdb.has_labels()) qlabel = qdb.labels[index_in_file];
    } else {
        auto reader = ImageReader::open(spec);
        check_dims(spec, reader->input(), model);
        if (index_in_file >= reader->size())
            throw dq::Error(dq::strformat("%s: image index %zu out of range (%zu images)", spec.c_str(),
                                          index_in_file, reader->size()));
        std::vector<float> skip;
        std::vector<uint8_t> px;
        for (size_t left = index_in_file; left > 0;) left -= reader->read(std::min<size_t>(left, 4096), skip, nullptr);
        reader->read(1, x, reader->is_u8() ? &px : nullptr);
        if (reader->is_u8()) x = scale_pixels(px.data(), px.size(), model);
        std::string lp = sibling_labels_path(spec);
        if (!lp.empty()) {
            std::vector<int32_t> l = read_labels(lp, reader->size());
            qlabel = l[index_in_file];
        }
    }
    std::vector<float> dist(static_cast<size_t>(k));
    std::vector<int64_t> ids(static_cast<size_t>(k));
    index.search(x.data(), 1, size_t(k), dq::parse_search_mode(mode_s), dist.data(), ids.data());
    const dq::Database& d = index.database();
    std::printf("query %s:%zu%s, %s, %zu items, kernel %s\n", spec.c_str(), index_in_file,
                qlabel >= 0 ? dq::strformat(" (label %d)", qlabel).c_str() : "", mode_s.c_str(), d.size(),
                index.scan_kernel_name());
    std::printf("%5s %10s %12s %6s\n", "rank", "id", "distance", "label");
    for (long long r = 0; r < k; ++r) {
        int64_t id = ids[size_t(r)];
        std::string label = "-";
        if (id >= 0 && d.has_labels()) {
            int64_t pos = index.position_of(uint32_t(id));
            if (pos >= 0) label = std::to_string(d.labels[size_t(pos)]);
        }
        std::printf("%5lld %10lld %12.4f %6s\n", r + 1, (long long)id, double(dist[size_t(r)]), label.c_str());
    }
    return 0;
}

int cmd_export_faiss(const Args& a) {
    const std::string out = a.required("out");
    dq::Model model = load_model(a.required("model"));
    dq::Database db = load_database(a.required("db"));
    try {
        dq::check_compatible(model, db);
    } catch (const dq::Error& e) {
        throw dq::Error(a.str("db") + ": " + e.what());
    }
    std::vector<uint8_t> bytes = faiss_index_pq(model, db, a.has("idmap"));
    write_file_atomic(out, bytes);
    std::fprintf(stderr, "wrote %s: Faiss %s, d=%u M=%u nbits=%u, %zu codes, %zu bytes\n", out.c_str(),
                 a.has("idmap") ? "IndexIDMap(IndexPQ)" : "IndexPQ", model.latent_dim(), model.M, model.nbits(),
                 db.size(), bytes.size());
    return 0;
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
    j.kv("dataset", a.str("dataset"));
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

int cmd_baseline(const Args& a) {
    apply_threads(a);
    BaselineConfig cfg;
    try {
        cfg.method = parse_baseline_method(a.required("method"));
    } catch (const dq::Error& e) {
        throw UsageError(std::string("--method: ") + e.what());
    }
    cfg.bits = parse_bits(a);
    const long long trials = a.integer("trials", 1, 1, 1000);
    const long long seed0 = a.integer("seed", 0, 0, (1LL << 62));
    a.required("dataset");
    if (a.has("pretrained") && (cfg.method != BaselineMethod::daepq || trials != 1))
        throw UsageError("--pretrained applies to --method daepq with one trial (the cache holds one seed's pretraining)");
    std::vector<BaselineResult> runs;
    for (long long t = 0; t < trials; ++t) {
        check_interrupted();
        const uint64_t seed = uint64_t(seed0 + t);
        LoadedSplit data = load_split(a, seed);
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
        if (f->takes_value && !has_value) {
            if (i + 1 >= argv.size()) throw UsageError("--" + name + " needs a value");
            value = argv[++i];
        } else if (!f->takes_value && has_value) {
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

double Args::real(const std::string& name, double def, double lo, double hi) const {
    auto it = values_.find(name);
    if (it == values_.end()) return def;
    double v = 0;
    if (!parse_double(it->second, v)) throw UsageError("--" + name + ": '" + it->second + "' is not a number");
    if (v < lo || v > hi) throw UsageError(dq::strformat("--%s must be between %g and %g, got %g", name.c_str(), lo, hi, v));
    return v;
}

int parse_bits(const Args& a) {
    std::string s = a.required("bits");
    long long v = 0;
    if (!parse_ll(s, v)) throw UsageError("--bits: '" + s + "' is not an integer");
    if (v < 8 || v > 128 || v % 8 != 0)
        throw UsageError(dq::strformat("bits must be a multiple of 8 between 8 and 128, got %lld", v));
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

LoadedSplit load_split(const Args& a, uint64_t seed) {
    LoadedSplit d;
    const long long per_class = a.integer("queries-per-class", 100, 1, 1000000);
    d.all = load_dataset(a.required("dataset"), a.str("labels"));
    if (!d.all.has_labels())
        throw dq::Error("dataset " + d.all.name + " has no labels (pass --labels FILE): the paper split needs them");
    d.split = paper_split(d.all, size_t(per_class), seed);
    d.gallery = subset(d.all, d.split.gallery);
    d.queries = subset(d.all, d.split.queries);
    return d;
}

std::string eval_line(const EvalResult& r) {
    return dq::strformat("%-7s MAP@All %.2f  MAP@%zu %.2f  P@%zu %.2f  (%.1fs)", r.mode.c_str(),
                         100 * r.metrics.map_all, r.map_k, 100 * r.metrics.map_at_k, r.prec_k,
                         100 * r.metrics.precision_at_k, r.seconds);
}

int run_cli(const std::vector<std::string>& argv) {
    install_interrupt_handler();
    if (argv.size() < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (cmd == "--version" || cmd == "version") {
        std::printf("deepquan %s\n", DQ_VERSION);
        return 0;
    }
    struct Command {
        const char* name;
        const char* help;
        std::vector<FlagSpec> flags;
        int (*run)(const Args&);
    };
    const std::vector<Command> commands = {
        {"train", kTrainHelp,
         {{"dataset", true}, {"labels", true}, {"bits", true}, {"variant", true}, {"seed", true},
          {"iterations", true}, {"s", true}, {"lambda", true}, {"eta", true}, {"lr", true}, {"batch", true},
          {"threads", true}, {"weights", true}, {"queries-per-class", true}, {"out", true}, {"pretrain-iterations", true}, {"resume", false},
          {"optimizer", true}, {"lr-schedule", true}, {"quad-weight", true}, {"z-scale", true},
          {"pretrain-optimizer", true}, {"pretrain-lr", true}, {"pretrain-noise", true}, {"thumbnail-levels", true}, {"pretrained", true},
          {"epoch-z", true}},
         cmd_train},
        {"baseline", kBaselineHelp,
         {{"method", true}, {"bits", true}, {"dataset", true}, {"labels", true}, {"seed", true}, {"trials", true},
          {"queries-per-class", true}, {"threads", true}, {"out", true}, {"iterations", true},
          {"pretrain-iterations", true}, {"pretrain-noise", true}, {"pretrained", true}},
         cmd_baseline},
        {"eval", kEvalHelp,
         {{"model", true}, {"db", true}, {"queries", true}, {"labels", true}, {"mode", true}, {"trials", true},
          {"seed", true}, {"threads", true}},
         cmd_eval},
        {"encode", kEncodeHelp,
         {{"model", true}, {"images", true}, {"labels", true}, {"out", true}, {"no-thumbnails", false}, {"threads", true},
          {"thumbnail-levels", true}},
         cmd_encode},
        {"search", kSearchHelp,
         {{"model", true}, {"db", true}, {"image", true}, {"k", true}, {"mode", true}, {"threads", true}},
         cmd_search},
        {"export-faiss", kFaissHelp, {{"model", true}, {"db", true}, {"out", true}, {"idmap", false}}, cmd_export_faiss},
    };
    for (const auto& c : commands) {
        if (cmd != c.name) continue;
        for (size_t i = 2; i < argv.size(); ++i)
            if (argv[i] == "-h" || argv[i] == "--help") {
                std::fputs(c.help, stdout);
                return 0;
            }
        try {
            Args args(cmd, argv, 2, c.flags);
            return c.run(args);
        } catch (const UsageError& e) {
            std::fprintf(stderr, "deepquan %s: %s (see deepquan %s --help)\n", c.name, e.what(), c.name);
            return 2;
        } catch (const Interrupted&) {
            std::fprintf(stderr, "deepquan %s: interrupted; no partial output was written\n", c.name);
            return 130;
        } catch (const std::bad_alloc&) {
            std::fprintf(stderr, "deepquan %s: out of memory\n", c.name);
            return 1;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "deepquan %s: %s\n", c.name, e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "deepquan: unknown command '%s'\n%s", cmd.c_str(), kUsage);
    return 2;
}

}  // namespace dqt
