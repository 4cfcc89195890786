#include "train/train_log.h"

#include "util/json_writer.h"

namespace dqt {

std::string train_log_json(const TrainLog& l) {
    JsonWriter j;
    j.begin_object();
    j.kv("variant", l.variant);
    j.key("settings").raw(l.settings_json.empty() ? "{}" : l.settings_json);
    j.kv("epochs", l.epochs).kv("iterations_run", l.iterations_run);
    j.kv("pretrain_seconds", l.pretrain_seconds).kv("alternate_seconds", l.alternate_seconds);
    j.kv("kmeans_seconds", l.kmeans_seconds).kv("encode_seconds", l.encode_seconds).kv("seconds_per_pretrain_iteration", l.seconds_per_pretrain_iteration);
    j.kv("seconds_per_iteration", l.seconds_per_iteration).kv("total_seconds", l.total_seconds);
    j.kv("message", l.message).kv("pretrained_cache", l.pretrained_cache);
    j.key("pretrain_iteration").array(l.pretrain_iteration);
    j.key("pretrain_loss").array(l.pretrain_loss);
    j.key("J").array(l.J);
    j.key("R").array(l.R);
    j.key("hinge_active").array(l.hinge_active);
    j.key("epoch_iteration").array(l.epoch_iteration);
    j.key("codeword_distance").array(l.codeword_distance);
    j.key("distinct_codes").array(l.distinct_codes);
    j.key("quantization_error").array(l.quantization_error);
    j.key("z_norm").array(l.z_norm);
    j.end_object();
    return j.str();
}

}  // namespace dqt
