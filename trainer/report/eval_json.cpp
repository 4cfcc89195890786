#include "report/eval_json.h"

namespace dqt {

void write_eval_json(JsonWriter& j, const EvalResult& r) {
    j.begin_object();
    j.kv("mode", r.mode);
    j.kv("map_all", r.metrics.map_all);
    j.kv("map_at_k", r.metrics.map_at_k);
    j.kv("map_k", r.map_k);
    j.kv("precision_at_k", r.metrics.precision_at_k);
    j.kv("precision_k", r.prec_k);
    j.kv("precision_at_10", r.precision_at_10);
    j.kv("queries", r.query_ap.size());
    j.kv("seconds", r.seconds);
    j.key("pr").begin_object();
    j.key("cutoff").array(r.pr_cutoffs);
    std::vector<double> p, rc;
    for (const auto& pt : r.metrics.pr) {
        p.push_back(pt.precision);
        rc.push_back(pt.recall);
    }
    j.key("precision").array(p);
    j.key("recall").array(rc);
    j.end_object();
    j.end_object();
}

}  // namespace dqt
