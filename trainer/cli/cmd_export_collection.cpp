// `deepquan export-collection`: a database as a web collection (export/collection_writer.h): chunks
// of codes a page searches as they arrive, and small media files fetched for the hits it shows.
#include <cstdio>

#include "cli/commands.h"
#include "cli/inputs.h"
#include "export/collection_writer.h"

namespace dqt {

namespace {

int run_export_collection(const Args& a) {
    const std::string out = a.required("out");
    auto [model, db] = load_model_and_database(a);
    CollectionLayout layout;
    layout.codes_per_file = size_t(a.integer("codes-per-file", 100000, 1, 1LL << 32));
    layout.media_per_file = size_t(a.integer("media-per-file", 256, 0, 1LL << 32));
    const CollectionWritten w = write_collection(db, out, layout);
    std::fprintf(stderr, "wrote %s/collection.json: %zu items in %zu codes files and %zu media files, %zu bytes\n",
                 out.c_str(), db.size(), w.codes_files, w.media_files, w.bytes);
    return 0;
}

}  // namespace

const Command& export_collection_command() {
    static const Command c{
        "export-collection",
        "write the database as a web collection a page searches while it streams in",
        {{"model", "M.dqm", "the model (required)"},
         {"db", "DB.dqdb", "a database of that model (required)"},
         {"out", "DIR", "the collection's folder: collection.json and its files (required)"},
         {"codes-per-file", "N", "items per codes file (100000)"},
         {"media-per-file", "N", "items per thumbnail/metadata file (256; 0 = none)"}},
        "Open it in a page or in Node with openCollection({ model, collection: 'DIR/collection.json' }).\n",
        run_export_collection};
    return c;
}

}  // namespace dqt
