// An evaluation as JSON, the shape report.json (train and baseline) uses for every mode.
#pragma once

#include "eval/eval.h"
#include "util/json_writer.h"

namespace dqt {

/// Writes one evaluation as a JSON object: mode, map_all, map_at_k (+k), precision_at_k (+k),
/// seconds and the PR curve (arrays cutoff, precision, recall). The writer must be at a value
/// position.
void write_eval_json(JsonWriter& j, const EvalResult& r);

}  // namespace dqt
