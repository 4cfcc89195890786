#include "report/train_outputs.h"

#include <cstdio>

#include "eval/model_eval.h"
#include "util/atomic_file.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"
#include "export/database_builder.h"
#include "export/model_export.h"
#include "util/json_writer.h"
#include "report/eval_json.h"
#include "report/svg_plot.h"

namespace dqt {

namespace {

// Queries are encoded by the same core path as the gallery: SDC uses their stored codes, ADC
// their latent vectors from the core encoder.
std::vector<EvalResult> evaluate_exported(const dq::Model& model, const dq::Database& g, const dq::Database& q,
                                          const LoadedSplit& data) {
    return evaluate_model(model, g.codes.data(), g.size(), g.labels.data(), q.codes.data(), data.queries.x.data(),
                          data.queries.n, data.queries.labels.data());
}

}  // namespace

Exported export_and_evaluate(const dq::Model& trained, dq::WeightType wt, const LoadedSplit& data,
                             uint32_t thumb_levels, bool compare_weight_types) {
    Exported ex;
    ex.model = export_model(trained, wt, data.gallery.x.data(), data.gallery.n, ex.model_bytes);
    // An image folder's gallery shows its RGB thumbnails; queries.dqdb keeps the exact inputs, which
    // deepquan eval reads back as queries.
    ex.gallery = build_database(ex.model, data.all, data.split.gallery, true, thumb_levels, true);
    ex.queries = build_database(ex.model, data.all, data.split.queries);
    ex.evals = evaluate_exported(ex.model, ex.gallery, ex.queries, data);
    if (!compare_weight_types) return ex;
    for (dq::WeightType t : {dq::WeightType::f32, dq::WeightType::f16, dq::WeightType::int8, dq::WeightType::int4}) {
        WeightTypeEval w;
        w.type = t;
        if (t == wt) {
            w.model_bytes = ex.model_bytes.size();
            w.evals = ex.evals;
        } else {
            try {
                std::vector<uint8_t> bytes;
                const dq::Model m = export_model(trained, t, data.gallery.x.data(), data.gallery.n, bytes);
                w.model_bytes = bytes.size();
                w.evals = evaluate_exported(m, build_database(m, data.all, data.split.gallery, false),
                                            build_database(m, data.all, data.split.queries, false), data);
            } catch (const dq::Error& e) {
                w.error = e.what();  // e.g. a weight beyond f16's range: only this comparison is lost
            }
        }
        ex.by_weight_type.push_back(std::move(w));
    }
    return ex;
}

std::string weight_type_line(const WeightTypeEval& w) {
    std::string s = dq::strformat("weights %-4s ", dq::to_string(w.type));
    if (!w.error.empty()) return s + "not available: " + w.error;
    s += dq::strformat("%9zu bytes  MAP@All", w.model_bytes);
    for (const auto& e : w.evals) s += dq::strformat("  %s %.2f", e.mode.c_str(), 100 * e.metrics.map_all);
    return s;
}

namespace {

void write_curves(JsonWriter& j, const std::vector<Curve>& curves) {
    j.begin_object();
    for (const auto& c : curves) {
        j.key(c.name).begin_object();
        j.key("x").array(c.x);
        j.key("y").array(c.y);
        j.end_object();
    }
    j.end_object();
}

}  // namespace

void write_train_outputs(const std::string& dir, const Exported& ex, const LoadedSplit& data,
                         const TrainCurves& curves, const std::string& config_json) {
    make_dirs(dir);
    std::vector<uint8_t> gallery_bytes = dq::write_database(ex.gallery);
    std::vector<uint8_t> query_bytes = dq::write_database(ex.queries);
    write_file_atomic(dir + "/model.dqm", ex.model_bytes);
    write_file_atomic(dir + "/gallery.dqdb", gallery_bytes);
    write_file_atomic(dir + "/queries.dqdb", query_bytes);
    bool idx_queries = data.queries.has_pixels() && data.queries.input.channels == 1;
    for (int32_t l : data.queries.labels) idx_queries = idx_queries && l >= 0 && l <= 255;
    if (idx_queries) {
        write_file_atomic(dir + "/queries-idx3-ubyte.gz",
                          idx_images_gz(data.queries.pixels.data(), data.queries.n, data.queries.input.height,
                                        data.queries.input.width));
        write_file_atomic(dir + "/queries-idx1-ubyte.gz", idx_labels_gz(data.queries.labels.data(), data.queries.n));
    }

    JsonWriter j;
    j.begin_object();
    j.kv("command", "train");
    j.kv("version", DQ_VERSION);
    j.key("config").raw(config_json);
    j.key("dataset").begin_object();
    j.kv("name", data.all.name);
    j.kv("images", data.all.n);
    j.key("shape").begin_array().value(data.all.input.height).value(data.all.input.width).value(data.all.input.channels).end_array();
    j.kv("queries", data.queries.n);
    j.kv("gallery", data.gallery.n);
    j.end_object();
    j.key("model").begin_object();
    j.kv("M", ex.model.M).kv("K", ex.model.K).kv("dsub", ex.model.dsub).kv("latent_dim", ex.model.latent_dim());
    j.key("layers").begin_array();
    for (const auto& l : ex.model.layers) j.value(l.out);
    j.end_array();
    j.kv("weights", dq::to_string(ex.model.weight_type));
    j.kv("model_bytes", ex.model_bytes.size());
    j.kv("gallery_bytes", gallery_bytes.size());
    j.kv("queries_bytes", query_bytes.size());
    j.kv("codes_in_use", [&] {
        std::vector<uint8_t> seen(size_t(ex.model.M) * ex.model.K, 0);
        size_t used = 0;
        for (size_t i = 0; i < ex.gallery.codes.size(); ++i) {
            uint8_t& s = seen[(i % ex.model.M) * ex.model.K + ex.gallery.codes[i]];
            used += s == 0;
            s = 1;
        }
        return used;
    }());
    j.end_object();
    j.key("training").begin_object();
    j.kv("seconds", curves.seconds);
    j.key("per_iteration");
    write_curves(j, curves.per_iteration);
    j.key("per_epoch");
    write_curves(j, curves.per_epoch);
    if (!curves.log_json.empty()) j.key("log").raw(curves.log_json);
    j.end_object();
    j.key("eval").begin_array();
    for (const auto& e : ex.evals) write_eval_json(j, e);
    j.end_array();
    for (const auto& e : ex.evals) j.kv("map_all_" + e.mode, e.metrics.map_all);
    if (!ex.by_weight_type.empty()) {
        // The trained model exported with each weight type: what a smaller download costs in MAP.
        j.key("weights").begin_object();
        for (const auto& w : ex.by_weight_type) {
            j.key(dq::to_string(w.type)).begin_object();
            if (!w.error.empty()) {
                j.kv("error", w.error);
            } else {
                j.kv("model_bytes", w.model_bytes);
                for (const auto& e : w.evals) j.kv("map_all_" + e.mode, e.metrics.map_all);
            }
            j.end_object();
        }
        j.end_object();
    }
    j.end_object();
    write_file_atomic(dir + "/report.json", j.str());

    auto plot = [](const std::vector<Curve>& cs, const std::string& title, const std::string& xl,
                   const std::string& yl, bool log_y) {
        PlotSpec p;
        p.title = title;
        p.x_label = xl;
        p.y_label = yl;
        p.log_y = log_y;
        for (const auto& c : cs) p.series.push_back(Series{c.name, c.x, c.y});
        return svg_line_plot(p);
    };
    write_file_atomic(dir + "/loss.svg", plot(curves.per_iteration, "training loss", "iteration", "loss", true));
    write_file_atomic(dir + "/codeword-distance.svg",
                      plot(curves.per_epoch, "mean codeword distance per epoch", "epoch", "distance", false));
    write_file_atomic(dir + "/pr.svg",
                      svg_pr_plot(ex.evals, dq::strformat("precision-recall, %u bits", ex.model.M * ex.model.nbits())));
}

}  // namespace dqt
