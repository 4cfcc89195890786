// What several commands read: model and database files (each error prefixed with the file's path),
// the "does this database belong to this model" check, the paper split from the flags, and model
// input from 8-bit pixels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/args.h"
#include "data/image_folder.h"
#include "data/split.h"
#include "dq/database.h"
#include "dq/model.h"
#include "eval/eval.h"

namespace dqt {

dq::Model load_model(const std::string& path);
dq::Database load_database(const std::string& path);

/// A model and a database encoded with it: --model and --db, checked against each other
/// ("G.dqdb: model/database mismatch: ...").
struct ModelAndDatabase {
    dq::Model model;
    dq::Database db;
};
ModelAndDatabase load_model_and_database(const Args& a);

/// --queries-per-class N|P% (default 100); throws UsageError naming the flag.
QueryCount query_count(const Args& a);
/// --dataset (with --labels), or --images DIR (see load_images; files directly in DIR have no label
/// and are left out, with a note): a labelled dataset, each label big enough for `count`.
Dataset load_labelled(const Args& a, const QueryCount& count);
/// load_labelled, then the paper split with --queries-per-class and `seed`.
LoadedSplit load_split(const Args& a, uint64_t seed);

/// An image folder's options from --size HxW (default 32x32), --channels 1|3 (1), --background
/// white|black|#rrggbb (white) and --thumbnail-size HxW (none); throws UsageError naming the flag.
ImageFolderOptions image_options(const Args& a);
/// Decodes --images DIR. Each bad file's message goes to stderr; with any, the run stops (dq::Error)
/// unless --skip-bad, which leaves them out and says how many. Links to files already taken are
/// counted too.
Dataset load_images(const Args& a, const ImageFolderOptions& opt);

/// True for a path ending in ".dqdb".
bool is_dqdb(const std::string& path);
/// Model input from u8 pixels: the model's own scale, so a model trained with another scaling still
/// sees what it was trained on.
std::vector<float> scale_pixels(const uint8_t* px, size_t count, const dq::Model& m);
/// Throws when `got` has another number of values per image than the model's input.
void check_dims(const std::string& what, const dq::InputSpec& got, const dq::Model& m);
/// The input shape of a database's thumbnails.
dq::InputSpec thumbnail_spec(const dq::Database& db);

/// One-line summary of an evaluation: "sdc  MAP@All 47.91  MAP@1000 61.20  P@100 70.33".
std::string eval_line(const EvalResult& r);

}  // namespace dqt
