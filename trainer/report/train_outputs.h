// The artifacts of `deepquan train` after the optimization: export through the core, evaluation of
// the exported model, report.json and the SVG plots. Separate from the optimization itself so that
// DAE-PQ (`baseline --method daepq`) and `train` share one export-and-evaluate path.
#pragma once

#include <string>
#include <vector>

#include "data/split.h"
#include "dq/database.h"
#include "dq/model.h"
#include "eval/eval.h"

namespace dqt {

/// One curve of the training log.
struct Curve {
    std::string name;        ///< legend / JSON key, e.g. "loss", "J", "R"
    std::vector<double> x;   ///< iteration or epoch
    std::vector<double> y;
};

/// What the optimization reports, in a form the report writer understands.
struct TrainCurves {
    std::vector<Curve> per_iteration;   ///< loss terms per iteration (loss.svg)
    std::vector<Curve> per_epoch;       ///< mean codeword distance etc. per epoch (codeword-distance.svg)
    std::string log_json;               ///< extra JSON object from the trainer (may be empty)
    double seconds = 0;
};

/// The same trained model exported with one weight type and evaluated like the real export.
struct WeightTypeEval {
    dq::WeightType type = dq::WeightType::f32;
    size_t model_bytes = 0;
    std::vector<EvalResult> evals;   ///< sdc, adc (empty when the model cannot be stored so: error)
    std::string error;
};

/// Export + evaluation of a trained model on a split, all through the core (see export.h).
struct Exported {
    dq::Model model;                 ///< as read back from its bytes
    std::vector<uint8_t> model_bytes;
    dq::Database gallery;
    dq::Database queries;
    std::vector<EvalResult> evals;   ///< sdc, adc
    std::vector<WeightTypeEval> by_weight_type;  ///< f32, f16, int8, int4 when asked for, else empty
};
/// thumb_levels: gray levels of the gallery thumbnails (DatabaseBuilder); the query database keeps
/// exact pixels, since `deepquan eval` and the page use them as query inputs.
/// compare_weight_types: also export and evaluate the trained model with every weight type (codes
/// re-encoded each time; costs one encoding pass over gallery and queries per type).
Exported export_and_evaluate(const dq::Model& trained, dq::WeightType wt, const LoadedSplit& data,
                             uint32_t thumb_levels = 256, bool compare_weight_types = false);

/// "weights int4: 912384 bytes  MAP@All sdc 51.20  adc 52.31" (or the reason it could not be made).
std::string weight_type_line(const WeightTypeEval& w);

/// Writes DIR/model.dqm, gallery.dqdb, queries.dqdb, queries-idx3-ubyte.gz (+ labels),
/// report.json, loss.svg, codeword-distance.svg and pr.svg, each atomically.
/// config_json: the flags as a JSON object.
void write_train_outputs(const std::string& dir, const Exported& ex, const LoadedSplit& data,
                         const TrainCurves& curves, const std::string& config_json);

}  // namespace dqt
