// End-to-end query benchmark (not a test): one query image in, the top 10 out (dq::Index::search: encode,
// lookup table, scan, top-k; for K = 16 the fast-scan with its exact re-rank, as every front end runs it),
// one query at a time, one thread. What scripts/bench-k16-e2e.mjs runs natively beside the package in Node,
// on the same files (dq_golden --bench).
//
//   bench_query --model M.dqm --db D.dqdb --queries Q.f32 [--copies C] [--reps R]
//     Q.f32: model inputs, float32 little-endian, rows of the model's input size (dq_golden writes them).
//     --copies C: the database's codes added C times (10 × 1 M = 10 M codes; ids repeat, the scan does not care).
// Prints a table and one "RESULT" line per search mode: p50 / p99 latency over every query of every rep and
// queries per second (the inverse of the mean).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "dq/database.h"
#include "dq/error.h"
#include "dq/format.h"
#include "dq/index.h"
#include "dq/model.h"

namespace {

std::vector<uint8_t> read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw dq::Error("bench_query: cannot open " + path);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

}  // namespace

int main(int argc, char** argv) {
    std::string model_path, db_path, queries_path;
    int copies = 1, reps = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "bench_query: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--model") model_path = value();
        else if (a == "--db") db_path = value();
        else if (a == "--queries") queries_path = value();
        else if (a == "--copies") copies = std::atoi(value().c_str());
        else if (a == "--reps") reps = std::atoi(value().c_str());
        else {
            std::fprintf(stderr, "usage: bench_query --model M.dqm --db D.dqdb --queries Q.f32 [--copies C] [--reps R]\n");
            return 2;
        }
    }
    if (model_path.empty() || db_path.empty() || queries_path.empty() || copies < 1 || copies > 100 || reps < 1) {
        std::fprintf(stderr, "usage: bench_query --model M.dqm --db D.dqdb --queries Q.f32 [--copies 1..100] [--reps R >= 1]\n");
        return 2;
    }
    try {
        const auto mb = read_all(model_path), db_bytes = read_all(db_path), qb = read_all(queries_path);
        dq::Model model = dq::read_model(mb.data(), mb.size());
        dq::Database db = dq::read_database(db_bytes.data(), db_bytes.size());
        const size_t dim = model.input_dim();
        if (qb.size() == 0 || qb.size() % (dim * sizeof(float)) != 0)
            throw dq::Error(dq::strformat("bench_query: %s holds %zu bytes, not rows of %zu float32 inputs",
                                          queries_path.c_str(), qb.size(), dim));
        const size_t nq = qb.size() / (dim * sizeof(float));
        std::vector<float> q(nq * dim);
        std::copy(qb.begin(), qb.end(), reinterpret_cast<uint8_t*>(q.data()));
        const double t0 = now();
        const std::vector<uint8_t> codes = db.codes;
        const std::vector<uint32_t> ids = db.ids;
        dq::Index index(model, std::move(db));
        for (int c = 1; c < copies; ++c) index.add_codes(codes.data(), ids.size(), ids.data(), nullptr);
        const double load = now() - t0;
        const size_t k = 10;
        std::vector<float> d(k);
        std::vector<int64_t> got(k);
        std::printf("bench_query: %s, %zu codes (M = %u, K = %u), kernel %s, %zu queries x %d, load %.2f s\n",
                    model_path.c_str(), index.size(), model.M, model.K, index.scan_kernel_name(), nq, reps, load);
        for (dq::SearchMode mode : {dq::SearchMode::sdc, dq::SearchMode::adc}) {
            for (size_t i = 0; i < std::min<size_t>(nq, 5); ++i) index.search(&q[i * dim], 1, k, mode, d.data(), got.data());
            std::vector<double> t;
            for (int r = 0; r < reps; ++r)
                for (size_t i = 0; i < nq; ++i) {
                    const double s = now();
                    index.search(&q[i * dim], 1, k, mode, d.data(), got.data());
                    t.push_back(now() - s);
                }
            double sum = 0;
            for (double x : t) sum += x;
            std::sort(t.begin(), t.end());
            const double p50 = t[t.size() / 2] * 1e3, p99 = t[std::min(t.size() - 1, t.size() * 99 / 100)] * 1e3;
            const char* mname = mode == dq::SearchMode::sdc ? "sdc" : "adc";
            std::printf("  %s  p50 %.3f ms  p99 %.3f ms  %.1f queries/s\n", mname, p50, p99, double(t.size()) / sum);
            std::printf("RESULT backend=native what=e2e mode=%s M=%u K=%u n=%zu kernel=%s p50_ms=%.4f p99_ms=%.4f qps=%.2f load_s=%.3f\n",
                        mname, model.M, model.K, index.size(), index.scan_kernel_name(), p50, p99, double(t.size()) / sum, load);
        }
    } catch (const dq::Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
