// `deepquan encode`: images into a database with a model, streaming (4,096 images at a time).
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/inputs.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"
#include "util/atomic_file.h"
#include "data/dataset.h"
#include "data/image_folder.h"
#include "export/database_builder.h"

namespace dqt {

namespace {

bool is_directory(const std::string& p) {
    std::error_code ec;
    return std::filesystem::is_directory(p, ec);
}

// A folder: preprocessed as the model's IMGP section says, every file an item (ids in path order).
int encode_folder(const Args& a, const dq::Model& model, const std::string& out, uint32_t levels) {
    const std::string dir = a.required("images");
    if (!model.input.from_image_files)
        throw dq::Error(a.str("model") + ": this model was not trained on image files (it has no image preprocessing "
                        "section), so a folder cannot be encoded with it; train one with deepquan train --images");
    if (a.has("labels")) throw UsageError("--labels: a folder's labels are its sub-folders");
    ImageFolderOptions opt;
    opt.input.height = model.input.height;
    opt.input.width = model.input.width;
    opt.input.channels = model.input.channels;
    opt.input.background = model.input.background;
    if (a.has("thumbnail-size")) {
        try {
            parse_image_size(a.str("thumbnail-size"), "--thumbnail-size", &opt.thumb_height, &opt.thumb_width);
        } catch (const dq::Error& e) {
            throw UsageError(e.what());
        }
    }
    const Dataset ds = load_images(a, opt);
    std::vector<uint32_t> rows(ds.n);
    for (size_t i = 0; i < ds.n; ++i) rows[i] = uint32_t(i);
    const dq::Database db = build_database(model, ds, rows, !a.has("no-thumbnails"), levels, a.has("thumbnail-size"));
    std::vector<uint8_t> bytes = dq::write_database(db);
    write_file_atomic(out, bytes);
    std::fprintf(stderr, "encoded %zu images into %s (%zu bytes%s%s)\n", db.size(), out.c_str(), bytes.size(),
                 db.has_labels() ? ", labels and their names" : "", db.has_thumbnails() ? ", thumbnails" : "");
    return 0;
}

int run_encode(const Args& a) {
    apply_threads(a);
    const std::string out = a.required("out");
    const uint32_t levels = uint32_t(a.integer("thumbnail-levels", 256, 2, 256));
    dq::Model model = load_model(a.required("model"));
    const std::string images = a.required("images");
    if (is_directory(images)) return encode_folder(a, model, out, levels);
    for (const char* f : {"thumbnail-size", "skip-bad"})
        if (a.has(f)) throw UsageError(std::string("--") + f + " needs --images DIR (a folder)");
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

}  // namespace

const Command& encode_command() {
    static const Command c{
        "encode",
        "encode images into a database with a model (streaming)",
        {{"model", "M.dqm", "the model (required)"},
         {"images", "FILE|DIR", "images: IDX (gzip or not), .npy, .fvecs/.bvecs, or a folder of PNG / JPEG (required)"},
         {"out", "DB.dqdb", "the database to write (required)"},
         {"labels", "FILE", "labels (default: the sibling labels file, if any)"},
         {"no-thumbnails", nullptr, "store no thumbnails"},
         {"thumbnail-levels", "N", "gray levels of the thumbnails, 2..256 (256 = exact)"},
         {"thumbnail-size", "HxW", "a folder: RGB thumbnails of this size (default: the model's input pixels)"},
         {"skip-bad", nullptr, "a folder: leave out files that do not decode, and count them"},
         {"threads", "T", "threads (0 = all cores)"}},
        "--thumbnail-levels N stores thumbnails with N evenly spaced gray levels, for a smaller gzip download\n"
        "on the web page; codes always come from the exact pixels. Keep the default for a database whose\n"
        "thumbnails serve as query inputs (deepquan eval).\n"
        "A folder is read as deepquan train --images reads it (see its help) and preprocessed as the model's\n"
        "image section says (size, channels, background); labels = sub-folders (-1 directly in the folder),\n"
        "label names and each file's relative path stored in the database.\n",
        run_encode};
    return c;
}

}  // namespace dqt
