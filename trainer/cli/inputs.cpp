#include "cli/inputs.h"

#include "dq/error.h"
#include "dq/format.h"
#include "util/atomic_file.h"

namespace dqt {

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

ModelAndDatabase load_model_and_database(const Args& a) {
    ModelAndDatabase md{load_model(a.required("model")), load_database(a.required("db"))};
    try {
        dq::check_compatible(md.model, md.db);  // before dq::Index does, so that the message names the file
    } catch (const dq::Error& e) {
        throw dq::Error(a.str("db") + ": " + e.what());
    }
    return md;
}

LoadedSplit load_split(const Args& a, uint64_t seed) {
    const long long per_class = a.integer("queries-per-class", 100, 1, 1000000);
    return load_split(a.required("dataset"), a.str("labels"), size_t(per_class), seed);
}

bool is_dqdb(const std::string& path) {
    return path.size() >= 5 && path.compare(path.size() - 5, 5, ".dqdb") == 0;
}

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

dq::InputSpec thumbnail_spec(const dq::Database& db) {
    dq::InputSpec s;
    s.height = db.thumb_height;
    s.width = db.thumb_width;
    s.channels = db.thumb_channels;
    return s;
}

std::string eval_line(const EvalResult& r) {
    return dq::strformat("%-7s MAP@All %.2f  MAP@%zu %.2f  P@%zu %.2f  (%.1fs)", r.mode.c_str(),
                         100 * r.metrics.map_all, r.map_k, 100 * r.metrics.map_at_k, r.prec_k,
                         100 * r.metrics.precision_at_k, r.seconds);
}

}  // namespace dqt
