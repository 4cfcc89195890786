// Native Faiss anchor for the scan benchmark (not a test, not built by CI): Faiss 1.7.3 built from Debian's
// own source package with FAISS_OPT_LEVEL=avx2 (scripts/bench-faiss-avx2.sh compiles and links this file
// against that build), timed one thread on the very codes `bench_scan --dump DIR` wrote.
//
//   faiss_anchor DUMP_DIR N [REPS]      (REPS timed searches per case, default 7, at least 3)
//
// Cases, as scripts/bench/faiss_scan.py runs them on Debian's generic python3-faiss:
//   IndexPQ, nbits 8, M = 2, 4, 8: search_type ST_PQ (ADC) and ST_SDC, k = 10.
//   IndexPQFastScan, nbits 4, M = 8, 16: default implementation (bbs 32, implem 12: heap), k = 10.
// Output: the human line and the RESULT line faiss_scan.py prints, with backend=faiss-avx2, so
// scripts/bench/scan_summary.py puts the column beside the generic Faiss one.
//
// How the codes get into Faiss, byte for byte ours:
//   IndexPQ: pq.centroids = our codebooks (M x 256 x dsub, the layout Faiss uses), codes = the dumped
//     M-byte codes, ntotal = N. Nothing is re-encoded.
//   IndexPQFastScan: an IndexPQ(d, M, 4) gets our K = 16 codebooks and our codes bit-packed the way
//     Faiss's ProductQuantizer stores 4-bit codes (BitstringWriter, LSB first: byte j = c[2j] | c[2j+1] << 4),
//     then Faiss's own conversion constructor IndexPQFastScan(const IndexPQ&) lays them out in its
//     32-code blocks (pq4_pack_codes). We chose this over add() of reconstructed vectors because
//     add() re-encodes: the result would only equal our codes if every nearest-codeword search
//     returned the codeword itself, which holds for distinct codewords but is an assumption; the
//     conversion copies the codes. Every packed element is then read back (pq4_get_packed_element)
//     and compared with ours; any mismatch aborts.
// Checks: IndexPQ ADC's returned distances are compared with a direct ADC sum over the dumped codes; the
// fast-scan line carries recall@10 of its (approximate, 8-bit LUT) result against exact 4-bit ADC on the same
// codes (the IndexPQ it was converted from), as bench_scan reports for ours.
// What the AVX2 level changes: in 1.7.3 the 8-bit IndexPQ search (ADC: pq_estimators_from_tables, SDC:
// search_sdc) is plain C++ loops in both builds, so there only code generation differs (this build is
// CMake's Release -O3 -mavx2, Debian's generic package -O2); IndexPQFastScan has AVX2 kernels (simdlib)
// and a portable fallback, which is where the generic build is far slower.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <faiss/IndexPQ.h>
#include <faiss/IndexPQFastScan.h>
#include <faiss/impl/pq4_fast_scan.h>
#include <faiss/utils/utils.h>

namespace {

using idx_t = faiss::Index::idx_t;  // Faiss 1.7.3 has it inside Index
constexpr int kDsub = 4;
constexpr idx_t kK = 10;

template <class T>
std::vector<T> load(const std::string& path, size_t count) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        std::fprintf(stderr, "faiss_anchor: cannot open %s\n", path.c_str());
        std::exit(1);
    }
    std::vector<T> v(count);
    const size_t got = std::fread(v.data(), sizeof(T), count, f);
    const bool longer = std::fgetc(f) != EOF;
    std::fclose(f);
    if (got != count || longer) {
        std::fprintf(stderr, "faiss_anchor: %s does not hold %zu values (dump made for another N?)\n", path.c_str(),
                     count);
        std::exit(1);
    }
    return v;
}

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Timing {
    double best, median, slowest;
};

// Three untimed searches, then reps timed ones: best, median and slowest, as bench_scan reports its own.
template <class F>
Timing timing(int reps, F&& f) {
    for (int w = 0; w < 3; ++w) f();
    std::vector<double> t(reps);
    for (auto& x : t) {
        const double t0 = now();
        f();
        x = now() - t0;
    }
    std::sort(t.begin(), t.end());
    return {t.front(), t[t.size() / 2], t.back()};
}

void report(const char* human, const char* what, const char* mode, int M, const char* kernel, size_t N,
            const Timing& t, double recall = -1) {
    std::printf("%s: %.1f M codes/s (search, k=%d; median %.1f, slowest %.1f)\n", human, N / t.best / 1e6, int(kK),
                N / t.median / 1e6, N / t.slowest / 1e6);
    std::printf("RESULT backend=faiss-avx2 what=%s mode=%s M=%d kernel=%s scan_top10=%.1f scan_top10_median=%.1f"
                " scan_top10_slowest=%.1f",
                what, mode, M, kernel, N / t.best / 1e6, N / t.median / 1e6, N / t.slowest / 1e6);
    if (recall >= 0) std::printf(" recall=%.4f", recall);
    std::printf("\n");
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr, "usage: faiss_anchor DUMP_DIR N [REPS]\n");
        return 2;
    }
    const std::string dump = argv[1];
    const size_t N = std::strtoull(argv[2], nullptr, 10);
    const int reps = argc > 3 ? std::max(3, std::atoi(argv[3])) : 7;
    omp_set_num_threads(1);
    std::printf("faiss %d.%d.%d (Debian source, FAISS_OPT_LEVEL=avx2), compile options: %s, omp threads %d, "
                "N = %zu, best (median, slowest) of %d\n",
                FAISS_VERSION_MAJOR, FAISS_VERSION_MINOR, FAISS_VERSION_PATCH, faiss::get_compile_options().c_str(),
                omp_get_max_threads(), N, reps);

    std::vector<float> dist(kK);
    std::vector<idx_t> lab(kK);

    for (int M : {2, 4, 8}) {
        const int d = M * kDsub, K = 256;
        const std::string tag = dump + "/pq8_M" + std::to_string(M);
        const auto cent = load<float>(tag + "_centroids.f32", size_t(M) * K * kDsub);
        const auto codes = load<uint8_t>(tag + "_codes.u8", N * M);
        const auto q = load<float>(tag + "_query.f32", d);
        faiss::IndexPQ index(d, M, 8);
        index.pq.centroids = cent;
        index.is_trained = true;
        index.codes = codes;
        index.ntotal = N;
        index.pq.compute_sdc_table();
        for (const auto st : {faiss::IndexPQ::ST_PQ, faiss::IndexPQ::ST_SDC}) {
            index.search_type = st;
            const char* mode = st == faiss::IndexPQ::ST_PQ ? "adc" : "sdc";
            const Timing t = timing(reps, [&] { index.search(1, q.data(), kK, dist.data(), lab.data()); });
            if (st == faiss::IndexPQ::ST_PQ) {
                // The returned distances are the ADC sums over our codes.
                for (idx_t j = 0; j < kK; ++j) {
                    double s = 0;
                    for (int m = 0; m < M; ++m) {
                        const float* c = cent.data() + (size_t(m) * K + codes[size_t(lab[j]) * M + m]) * kDsub;
                        for (int i = 0; i < kDsub; ++i) s += double(q[m * kDsub + i] - c[i]) * (q[m * kDsub + i] - c[i]);
                    }
                    if (std::fabs(s - dist[j]) > 1e-3 * (1 + s)) {
                        std::fprintf(stderr, "faiss_anchor: IndexPQ M=%d: distance %g of code %lld, expected %g\n", M,
                                     dist[j], (long long)lab[j], s);
                        return 1;
                    }
                }
            }
            const std::string human = std::string("IndexPQ ") + mode + " M=" + std::to_string(M);
            report(human.c_str(), "scan8", mode, M, "IndexPQ", N, t);
        }
    }

    for (int M : {8, 16}) {
        const int d = M * kDsub, K = 16;
        const std::string tag = dump + "/pq4_M" + std::to_string(M);
        const auto cent = load<float>(tag + "_centroids.f32", size_t(M) * K * kDsub);
        const auto codes = load<uint8_t>(tag + "_codes.u8", N * M);  // one byte per 4-bit code
        const auto q = load<float>(tag + "_query.f32", d);
        faiss::IndexPQ flat(d, M, 4);
        flat.pq.centroids = cent;
        flat.is_trained = true;
        flat.codes.resize(N * flat.pq.code_size);  // code_size = M / 2
        for (size_t i = 0; i < N; ++i)
            for (int j = 0; j < M / 2; ++j)
                flat.codes[i * (M / 2) + j] = uint8_t(codes[i * M + 2 * j] | (codes[i * M + 2 * j + 1] << 4));
        flat.ntotal = N;
        faiss::IndexPQFastScan index(flat);  // Faiss's own packing of those codes (keeps a pointer to flat's)
        for (size_t i = 0; i < N; ++i)
            for (int m = 0; m < M; ++m)
                if (faiss::pq4_get_packed_element(index.codes.get(), index.bbs, index.M2, i, m) != codes[i * M + m]) {
                    std::fprintf(stderr, "faiss_anchor: fast-scan M=%d: packed code %zu.%d differs from ours\n", M, i, m);
                    return 1;
                }
        const Timing t = timing(reps, [&] { index.search(1, q.data(), kK, dist.data(), lab.data()); });
        std::vector<float> edist(kK);
        std::vector<idx_t> elab(kK);
        flat.search(1, q.data(), kK, edist.data(), elab.data());
        int hits = 0;
        for (idx_t j = 0; j < kK; ++j) hits += int(std::count(elab.begin(), elab.end(), lab[j]));
        const std::string human = "IndexPQFastScan M=" + std::to_string(M) + " (" + std::to_string(M * 4) +
                                  "-bit codes, bbs 32, no re-rank, recall@10 " + std::to_string(hits / double(kK)).substr(0, 4) + ")";
        report(human.c_str(), "fastscan", "adc", M, "IndexPQFastScan", N, t, hits / double(kK));
    }
    return 0;
}
