// `deepquan encode`: images into a database with a model, streaming (4,096 images at a time).
#include <cstdio>

#include "cli/commands.h"
#include "cli/inputs.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"
#include "util/atomic_file.h"
#include "data/dataset.h"
#include "export/database_builder.h"

namespace dqt {

namespace {

int run_encode(const Args& a) {
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

}  // namespace

const Command& encode_command() {
    static const Command c{
        "encode",
        "encode images into a database with a model (streaming)",
        {{"model", "M.dqm", "the model (required)"},
         {"images", "FILE", "images: IDX (gzip or not), .npy, .fvecs/.bvecs (required)"},
         {"out", "DB.dqdb", "the database to write (required)"},
         {"labels", "FILE", "labels (default: the sibling labels file, if any)"},
         {"no-thumbnails", nullptr, "store no thumbnails"},
         {"thumbnail-levels", "N", "gray levels of the thumbnails, 2..256 (256 = exact)"},
         {"threads", "T", "threads (0 = all cores)"}},
        "--thumbnail-levels N stores thumbnails with N evenly spaced gray levels, for a smaller gzip download\n"
        "on the web page; codes always come from the exact pixels. Keep the default for a database whose\n"
        "thumbnails serve as query inputs (deepquan eval).\n",
        run_encode};
    return c;
}

}  // namespace dqt
