// Scan benchmark (not a test): M codes/s of every registered kernel, one thread.
//
//   8-bit codes (K = 256), N random codes, M = 2, 4, 8: ADC and SDC (the same kernel, two LUTs),
//   the scan alone and scan + top-10; and 16 queries at once (the batched scan, scan_batch.h) against 16
//   single searches, per-query M codes/s, results checked identical.
//   Fast-scan (K = 16), M = 8 (32-bit codes) and M = 16: the u16 kernel alone and the full search
//   (kernel + candidate pool + exact re-rank + top-10), with recall@10 against exact 4-bit ADC.
//   Read bandwidth of this machine in the same run and build: a sequential sum over a buffer of the size
//   of each scan's codes (in cache when they fit, as the codes are while a kernel reads them) and over
//   256 MiB (memory), so each kernel's rate can be read as a share of what the machine can stream.
//
// Builds natively (CMake target bench_scan) and with em++ as a standalone wasm program
// (scripts/bench-scan.sh). Lines starting with "RESULT" are for that script's table.
// Usage: bench_scan [--n N] [--reps R] [--backend NAME] [--dump DIR] [--only bandwidth|scan8|batch|fastscan]
//   --dump DIR writes the codes, codebooks and query of each case (raw little-endian) so Faiss can be
//   timed on the very same data.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "dq/fastscan.h"
#include "dq/pq.h"
#include "dq/scan.h"
#include "dq/scan_batch.h"
#include "dq/topk.h"

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Best, median and slowest of the timed runs: the best is what the code can do, the median and the
// slowest show how much the shared machine moved it.
struct Timing {
    double best, median, slowest;
};

Timing timing_of(std::vector<double> t) {
    std::sort(t.begin(), t.end());
    return {t.front(), t[t.size() / 2], t.back()};
}

// Twenty untimed runs first: V8 starts wasm functions in its baseline tier and swaps in optimized
// code only for later calls.
template <class F>
Timing time_reps(int reps, F&& f) {
    for (int w = 0; w < 20; ++w) f();
    std::vector<double> t(reps);
    for (int r = 0; r < reps; ++r) {
        const double t0 = now();
        f();
        t[r] = now() - t0;
    }
    return timing_of(std::move(t));
}

std::vector<float> gaussian(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = g(rng);
    return v;
}

void dump(const std::string& dir, const std::string& name, const void* data, size_t bytes) {
    if (dir.empty()) return;
    const std::string path = dir + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(data, 1, bytes, f) != bytes) {
        std::fprintf(stderr, "bench_scan: cannot write %s\n", path.c_str());
        std::exit(1);
    }
    std::fclose(f);
}

// A sequential read of `words` 64-bit words: four independent sums (no loop-carried dependency limits it),
// which the compiler vectorizes natively and with -msimd128. Returns the sum so that nothing is elided.
uint64_t read_words(const uint64_t* p, size_t words) {
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    size_t i = 0;
    for (; i + 4 <= words; i += 4) {
        a0 += p[i];
        a1 += p[i + 1];
        a2 += p[i + 2];
        a3 += p[i + 3];
    }
    for (; i < words; ++i) a0 += p[i];
    return a0 ^ a1 ^ a2 ^ a3;
}

// GB/s (10^9 bytes) of read_words over `bytes`, best of reps; for a buffer that fits the caches, the
// passes repeat until each timed run reads at least 256 MiB, so the timer's resolution does not matter.
Timing read_bandwidth(size_t bytes, int reps, volatile uint64_t& sink) {
    std::vector<uint64_t> buf(bytes / 8);
    for (size_t i = 0; i < buf.size(); ++i) buf[i] = i * 0x9e3779b97f4a7c15ull;
    const size_t passes = std::max<size_t>(1, (size_t(256) << 20) / bytes);
    const Timing t = time_reps(reps, [&] {
        uint64_t x = 0;
        for (size_t r = 0; r < passes; ++r) x += read_words(buf.data(), buf.size());
        sink = sink + x;
    });
    const double b = double(passes) * double(buf.size() * 8) / 1e9;
    return {b / t.best, b / t.median, b / t.slowest};
}

}  // namespace

int main(int argc, char** argv) {
    size_t N = 1000000;
    int reps = 7;
    std::string backend =
#if defined(__EMSCRIPTEN__)
#if defined(__wasm_simd128__)
        "wasm-simd";
#else
        "wasm-scalar";
#endif
#else
        "native";
#endif
    std::string dump_dir, only;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--n" && i + 1 < argc) N = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
        else if (a == "--backend" && i + 1 < argc) backend = argv[++i];
        else if (a == "--dump" && i + 1 < argc) dump_dir = argv[++i];
        else if (a == "--only" && i + 1 < argc && (std::string(argv[i + 1]) == "bandwidth" ||
                                                   std::string(argv[i + 1]) == "scan8" ||
                                                   std::string(argv[i + 1]) == "fastscan" ||
                                                   std::string(argv[i + 1]) == "batch"))
            only = argv[++i];
        else {
            std::fprintf(stderr, "usage: bench_scan [--n N] [--reps R] [--backend NAME] [--dump DIR]"
                                 " [--only bandwidth|scan8|batch|fastscan]\n");
            return 2;
        }
    }
    const size_t k = 10;
    std::printf("bench_scan: backend %s, N = %zu, best (median, slowest) of %d, one thread\n", backend.c_str(), N,
                reps);

    // ---- read bandwidth ----------------------------------------------------------------------
    if (only.empty() || only == "bandwidth") {
        volatile uint64_t bsink = 0;
        std::printf("%-28s %14s %10s\n", "read bandwidth", "bytes", "GB/s");
        // The code sizes of the cases below: 4-bit M = 8 and 16 (N × 4, N × 8 bytes), 8-bit M = 2 (N × 2);
        // then memory.
        for (size_t bytes : {N * 2, N * 4, N * 8, size_t(256) << 20}) {
            const Timing bw = read_bandwidth(bytes, reps, bsink);
            std::printf("%-28s %14zu %10.1f\n", "sequential sum", bytes, bw.best);
            std::printf("RESULT backend=%s what=bandwidth mode=read M=0 kernel=sum bytes=%zu gbs=%.2f gbs_median=%.2f"
                        " gbs_slowest=%.2f\n", backend.c_str(), bytes, bw.best, bw.median, bw.slowest);
        }
        std::printf("\n");
    }

    if (only.empty() || only == "scan8") std::printf("%-28s %-4s %3s %12s %14s\n", "kernel", "mode", "M", "scan Mc/s", "scan+top10");
    std::vector<float> dist(N);
    float od[16];
    int64_t oi[16];
    volatile float sink = 0;

    // ---- 8-bit codes, K = 256 -------------------------------------------------------------
    const uint32_t dsub = 4;
    for (uint32_t M : {2u, 4u, 8u}) {
        if (!only.empty() && only != "scan8") break;
        const uint32_t K = 256;
        dq::ProductQuantizer pq(M, K, dsub, gaussian(size_t(M) * K * dsub, 100 + M));
        std::vector<uint8_t> codes(N * M);
        std::mt19937 rng(7 + M);
        for (auto& c : codes) c = uint8_t(rng());
        const std::vector<float> query = gaussian(pq.dim(), 200 + M);
        std::vector<float> adc(size_t(M) * K), sdc_lut(size_t(M) * K);
        pq.compute_adc_lut(query.data(), adc.data());
        const std::vector<float> sdc = pq.compute_sdc_table();
        std::vector<uint8_t> qcode(M);
        pq.encode(query.data(), 1, qcode.data());
        dq::ProductQuantizer::sdc_lut_from_code(sdc.data(), M, K, qcode.data(), sdc_lut.data());
        const std::string tag = "pq8_M" + std::to_string(M);
        dump(dump_dir, tag + "_codes.u8", codes.data(), codes.size());
        dump(dump_dir, tag + "_centroids.f32", pq.centroids().data(), pq.centroids().size() * 4);
        dump(dump_dir, tag + "_query.f32", query.data(), query.size() * 4);

        for (const auto& kern : dq::scan_kernels()) {
            if (!kern.supported()) continue;
            for (int mode = 0; mode < 2; ++mode) {
                const float* lut = mode == 0 ? adc.data() : sdc_lut.data();
                const Timing ts = time_reps(reps, [&] { kern.fn(lut, M, K, codes.data(), N, dist.data()); });
                sink = sink + dist[N / 2];
                // Scan + top-10 as the Index does it: chunks small enough to stay in L1, each fed to
                // the streaming heap right after the kernel wrote it.
                const Timing tk = time_reps(reps, [&] {
                    dq::TopK top(k);
                    constexpr size_t kChunk = 4096;
                    for (size_t first = 0; first < N; first += kChunk) {
                        const size_t cnt = std::min(kChunk, N - first);
                        kern.fn(lut, M, K, codes.data() + first * M, cnt, dist.data());
                        top.push(dist.data(), nullptr, cnt, first);
                    }
                    top.result(od, oi);
                });
                const char* mname = mode == 0 ? "adc" : "sdc";
                std::printf("%-28s %-4s %3u %12.1f %14.1f\n", kern.name, mname, M, N / ts.best / 1e6, N / tk.best / 1e6);
                std::printf("RESULT backend=%s what=scan8 mode=%s M=%u kernel=%s scan=%.1f scan_top10=%.1f"
                            " scan_top10_median=%.1f scan_top10_slowest=%.1f\n",
                            backend.c_str(), mname, M, kern.name, N / ts.best / 1e6, N / tk.best / 1e6,
                            N / tk.median / 1e6, N / tk.slowest / 1e6);
            }
        }
    }

    // ---- batched queries, K = 256: 16 queries at once against 16 single searches -------------
    if (only.empty() || only == "batch") {
        std::printf("\n%-28s %-4s %3s %16s %16s %7s\n", "batched kernel", "mode", "M", "16 singles Mc/s", "batch of 16", "ratio");
        for (uint32_t M : {2u, 4u, 8u}) {
            const uint32_t K = 256, Q = dq::kScanBatch;
            dq::ProductQuantizer pq(M, K, dsub, gaussian(size_t(M) * K * dsub, 100 + M));
            std::vector<uint8_t> codes(N * M);
            std::mt19937 rng(7 + M);
            for (auto& c : codes) c = uint8_t(rng());
            std::vector<float> luts(size_t(Q) * M * K), lutq(size_t(M) * K * Q);
            for (uint32_t q = 0; q < Q; ++q) {
                const std::vector<float> qv = gaussian(pq.dim(), 600 + q);
                pq.compute_adc_lut(qv.data(), luts.data() + size_t(q) * M * K);
            }
            const auto& single = dq::best_scan_kernel();
            const auto& batch = dq::best_scan_batch_kernel();
            std::vector<float> sd(Q * k), bd(Q * k);
            std::vector<int64_t> si(Q * k), bi(Q * k);
            // 16 single searches as the Index runs them (chunked scan + streaming top-k).
            const Timing ts = time_reps(reps, [&] {
                for (uint32_t q = 0; q < Q; ++q) {
                    dq::TopK top(k);
                    constexpr size_t kChunk = 2048;
                    for (size_t first = 0; first < N; first += kChunk) {
                        const size_t cnt = std::min(kChunk, N - first);
                        single.fn(luts.data() + size_t(q) * M * K, M, K, codes.data() + first * M, cnt, dist.data());
                        top.push(dist.data(), nullptr, cnt, first);
                    }
                    top.result(sd.data() + q * k, si.data() + q * k);
                }
            });
            // The batch, its table interleaving included.
            const Timing tb = time_reps(reps, [&] {
                dq::interleave_luts(luts.data(), Q, M, K, lutq.data());
                std::vector<dq::TopK> tops(Q, dq::TopK(k));
                dq::scan_batch_topk(batch.fn, lutq.data(), M, K, codes.data(), N, nullptr, nullptr, Q, tops.data());
                for (uint32_t q = 0; q < Q; ++q) tops[q].result(bd.data() + q * k, bi.data() + q * k);
            });
            const bool same = si == bi && std::memcmp(sd.data(), bd.data(), sd.size() * sizeof(float)) == 0;
            const double single_rate = double(N) * Q / ts.best / 1e6, batch_rate = double(N) * Q / tb.best / 1e6;
            std::printf("%-28s %-4s %3u %16.1f %16.1f %7.2f%s\n", batch.name, "adc", M, single_rate, batch_rate,
                        batch_rate / single_rate, same ? "" : "  RESULTS DIFFER");
            std::printf("RESULT backend=%s what=batch16 mode=adc M=%u kernel=%s single=%.1f batch=%.1f ratio=%.3f"
                        " identical=%d single_median=%.1f batch_median=%.1f\n",
                        backend.c_str(), M, batch.name, single_rate, batch_rate, batch_rate / single_rate, same ? 1 : 0,
                        double(N) * Q / ts.median / 1e6, double(N) * Q / tb.median / 1e6);
            if (!same) return 1;
        }
    }

    // ---- fast-scan, K = 16 ------------------------------------------------------------------
    if (only.empty() || only == "fastscan") std::printf("\n%-28s %3s %12s %14s %10s\n", "fast-scan kernel", "M", "kernel Mc/s", "search top10", "recall@10");
    for (uint32_t M : {8u, 16u}) {
        if (!only.empty() && only != "fastscan") break;
        const uint32_t K = 16;
        dq::ProductQuantizer pq(M, K, dsub, gaussian(size_t(M) * K * dsub, 300 + M));
        // Codes of real (Gaussian) vectors, so the recall figure means something.
        std::vector<uint8_t> codes(N * M);
        for (size_t i0 = 0; i0 < N; i0 += 8192) {
            const size_t cnt = std::min<size_t>(8192, N - i0);
            const std::vector<float> x = gaussian(cnt * pq.dim(), uint32_t(400 + M + i0));
            pq.encode(x.data(), cnt, codes.data() + i0 * M);
        }
        const std::string tag = "pq4_M" + std::to_string(M);
        dump(dump_dir, tag + "_codes.u8", codes.data(), codes.size());
        dump(dump_dir, tag + "_centroids.f32", pq.centroids().data(), pq.centroids().size() * 4);
        const dq::FastScanCodes fc(codes.data(), N, M);
        std::vector<uint16_t> sums(fc.nblocks() * dq::kFastScanBlock);
        std::vector<uint32_t> kept(fc.nblocks());

        const int nq = 20;
        std::vector<std::vector<float>> luts(nq, std::vector<float>(size_t(M) * K));
        for (int q = 0; q < nq; ++q) {
            const std::vector<float> qv = gaussian(pq.dim(), 500 + q);
            pq.compute_adc_lut(qv.data(), luts[q].data());
            if (q == 0) dump(dump_dir, tag + "_query.f32", qv.data(), qv.size() * 4);
        }
        // Exact 4-bit ADC top-10 for the recall figure.
        std::vector<std::vector<int64_t>> exact(nq, std::vector<int64_t>(k));
        for (int q = 0; q < nq; ++q) {
            dq::best_scan_kernel().fn(luts[q].data(), M, K, codes.data(), N, dist.data());
            dq::topk_smallest(dist.data(), nullptr, N, k, od, exact[q].data());
        }
        // Exact 8-bit-layout scan of the same 4-bit codes, for comparison.
        {
            const auto& kern = dq::best_scan_kernel();
            const Timing ts = time_reps(reps, [&] { kern.fn(luts[0].data(), M, K, codes.data(), N, dist.data()); });
            std::printf("%-28s %3u %12.1f %14s %10s   (exact float LUT, one byte per 4-bit code)\n", kern.name, M,
                        N / ts.best / 1e6, "-", "1.000");
            std::printf("RESULT backend=%s what=scan4_exact mode=adc M=%u kernel=%s scan=%.1f scan_median=%.1f"
                        " scan_slowest=%.1f\n",
                        backend.c_str(), M, kern.name, N / ts.best / 1e6, N / ts.median / 1e6, N / ts.slowest / 1e6);
        }
        const dq::QuantizedLut4 t = dq::quantize_lut4(luts[0].data(), M);
        for (const auto& kern : dq::fastscan_kernels()) {
            if (!kern.supported()) continue;
            // The kernel alone: threshold 65535 keeps (stores) every block, the plain scan.
            const Timing ts = time_reps(
                reps, [&] { kern.fn(t.q.data(), M, fc.packed(), fc.nblocks(), 0xffff, sums.data(), kept.data()); });
            sink = sink + sums[N / 2];
            for (int w = 0; w < 3; ++w) fc.search(luts[w].data(), k, 0, nullptr, od, oi, kern.fn);
            std::vector<double> tq(nq);
            size_t hits = 0;
            for (int q = 0; q < nq; ++q) {
                std::vector<int64_t> got(k);
                std::vector<float> gd(k);
                const double t0 = now();
                fc.search(luts[q].data(), k, 0, nullptr, gd.data(), got.data(), kern.fn);
                tq[q] = now() - t0;
                for (size_t j = 0; j < k; ++j) hits += std::count(exact[q].begin(), exact[q].end(), got[j]);
            }
            const double recall = double(hits) / double(nq * k);
            const Timing tsearch = timing_of(tq);  // over the queries: each search is one query
            std::printf("%-28s %3u %12.1f %14.1f %10.3f\n", kern.name, M, N / ts.best / 1e6, N / tsearch.best / 1e6,
                        recall);
            std::printf("RESULT backend=%s what=fastscan mode=adc M=%u kernel=%s scan=%.1f scan_top10=%.1f recall=%.4f"
                        " scan_top10_median=%.1f scan_top10_slowest=%.1f\n",
                        backend.c_str(), M, kern.name, N / ts.best / 1e6, N / tsearch.best / 1e6, recall,
                        N / tsearch.median / 1e6, N / tsearch.slowest / 1e6);
        }
        // Recall as a function of the pool (best kernel), to document the default.
        std::printf("  recall@10 by pool (M=%u):", M);
        for (size_t pool : {10, 20, 40, 80, 160, 320}) {
            size_t hits = 0;
            for (int q = 0; q < nq; ++q) {
                std::vector<int64_t> got(k);
                std::vector<float> gd(k);
                fc.search(luts[q].data(), k, pool, nullptr, gd.data(), got.data());
                for (size_t j = 0; j < k; ++j) hits += std::count(exact[q].begin(), exact[q].end(), got[j]);
            }
            std::printf(" %zu:%.3f", pool, double(hits) / double(nq * k));
        }
        std::printf("\n");
    }
    return sink == 12345.0f ? 1 : 0;
}
