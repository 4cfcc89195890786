// `deepquan eval`: a model and database against labelled queries (MAP@All, MAP@1000, P@100).
#include <cstdio>

#include "cli/commands.h"
#include "cli/inputs.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"
#include "util/atomic_file.h"

namespace dqt {

namespace {

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
            check_dims(path + " thumbnails", thumbnail_spec(db), model);
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

int run_eval(const Args& a) {
    apply_threads(a);
    const std::string mode = a.str("mode", "both");
    if (mode != "sdc" && mode != "adc" && mode != "both")
        throw UsageError("--mode must be sdc or adc, got '" + mode + "'");
    const long long trials = a.integer("trials", 1, 1, 10000);
    const long long seed = a.integer("seed", 0, 0, (1LL << 62));
    auto [model, db] = load_model_and_database(a);
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

}  // namespace

const Command& eval_command() {
    static const Command c{
        "eval",
        "evaluate a model and database against labelled queries (MAP@All, MAP@1000, P@100)",
        {{"model", "M.dqm", "the model (required)"},
         {"db", "G.dqdb", "a database of that model, with labels (required)"},
         {"queries", "FILE", "a .dqdb with labels (and thumbnails for ADC), or an image file with labels (required)"},
         {"labels", "PATH", "labels of an image --queries file"},
         {"mode", "sdc|adc", "one distance (default: both)"},
         {"trials", "N", "add the spread over N bootstrap resamples of the queries (1)"},
         {"seed", "S", "seed of the first resample (0)"},
         {"threads", "T", "threads (0 = all cores)"}},
        "",
        run_eval};
    return c;
}

}  // namespace dqt
