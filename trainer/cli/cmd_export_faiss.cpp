// `deepquan export-faiss`: a database as a Faiss IndexPQ or IndexPQFastScan file (export/faiss_writer.h).
#include <cstdio>

#include "cli/commands.h"
#include "cli/inputs.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"
#include "util/atomic_file.h"
#include "export/faiss_writer.h"

namespace dqt {

namespace {

int run_export_faiss(const Args& a) {
    const std::string out = a.required("out");
    auto [model, db] = load_model_and_database(a);
    const bool fast = a.has("fast-scan");
    std::vector<uint8_t> bytes = fast ? faiss_index_pq_fastscan(model, db, a.has("idmap"))
                                      : faiss_index_pq(model, db, a.has("idmap"));
    write_file_atomic(out, bytes);
    const std::string kind = fast ? "IndexPQFastScan" : "IndexPQ";
    std::fprintf(stderr, "wrote %s: Faiss %s, d=%u M=%u nbits=%u, %zu codes, %zu bytes\n", out.c_str(),
                 a.has("idmap") ? ("IndexIDMap(" + kind + ")").c_str() : kind.c_str(), model.latent_dim(), model.M,
                 model.nbits(), db.size(), bytes.size());
    return 0;
}

}  // namespace

const Command& export_faiss_command() {
    static const Command c{
        "export-faiss",
        "write the database as a Faiss IndexPQ file",
        {{"model", "M.dqm", "the model (required)"},
         {"db", "DB.dqdb", "a database of that model (required)"},
         {"out", "index.faiss", "the file to write (required)"},
         {"idmap", nullptr, "wrap it in an IndexIDMap carrying the database's ids"},
         {"fast-scan", nullptr, "4-bit models: an IndexPQFastScan (Faiss's blocked 4-bit layout) instead"}},
        "Faiss cannot run the encoder: the index expects queries that are already latent vectors.\n"
        "--fast-scan: Faiss scans it with 8-bit quantized lookup tables, so its distances are approximate.\n",
        run_export_faiss};
    return c;
}

}  // namespace dqt
