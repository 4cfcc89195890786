// dq::read_database on arbitrary bytes: it must either throw dq::Error or return a database that
// validates and serializes again; if it belongs to the golden model, it must also be searchable.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <vector>

#include "dq/format.h"
#include "dq/index.h"
#include "fuzz_util.h"

namespace {
const dq::Model& golden_model() {
    static const dq::Model m = [] {
        std::ifstream f(DQ_GOLDEN_MODEL, std::ios::binary);
        std::vector<uint8_t> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        return dq::read_model(b.data(), b.size());
    }();
    return m;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dq::Database db, db2;
    if (!dqfuzz::read_validate_reread(data, size, &dq::read_database, &dq::write_database, db, db2)) return 0;
    DQ_FUZZ_ASSERT(db2.size() == db.size() && db2.codes == db.codes && db2.ids == db.ids &&
                   db2.labels == db.labels && db2.strings == db.strings);
    const dq::Model& m = golden_model();
    try {
        dq::check_compatible(m, db);
    } catch (const dq::FormatError&) {
        return 0;
    }
    if (db.size() == 0) return 0;
    dq::Index index(m, std::move(db));
    const size_t k = index.size() < 3 ? index.size() : 3;
    std::vector<float> x(m.input_dim(), 0.25f), dist(k);
    std::vector<int64_t> ids(k);
    for (auto mode : {dq::SearchMode::sdc, dq::SearchMode::adc}) {
        index.search(x.data(), 1, k, mode, dist.data(), ids.data());
        for (size_t i = 0; i < k; ++i) DQ_FUZZ_ASSERT(ids[i] >= 0 && std::isfinite(dist[i]));
    }
    return 0;
}
