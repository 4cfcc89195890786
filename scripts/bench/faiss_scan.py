"""Faiss on the scan benchmark's codes (scripts/bench-scan.sh): IndexPQ ADC / SDC and IndexPQFastScan, one thread,
over the codebooks, codes and query that `bench_scan --dump DIR` wrote. Prints RESULT lines in bench_scan's format.

    /usr/bin/python3 scripts/bench/faiss_scan.py DUMP_DIR N REPEAT
"""
import sys, time
import numpy as np
import faiss

faiss.omp_set_num_threads(1)
dump, N, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
dsub, k, reps = 4, 10, 7 * repeat
# Debian's python3-faiss 1.7.3 reports "OPTIMIZE GENERIC": no AVX2 build, so its fast-scan runs the
# portable fallback of its SIMD kernels; printed so the table is read with that in mind.
print(f"faiss {faiss.__version__}, compile options: {faiss.get_compile_options()}")

def timing(f):
    """Best, median and slowest of reps searches, as bench_scan reports its own."""
    t = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); t.append(time.perf_counter() - t0)
    t.sort()
    return t[0], t[len(t) // 2], t[-1]

def spread(t):
    return f"scan_top10={N / t[0] / 1e6:.1f} scan_top10_median={N / t[1] / 1e6:.1f} scan_top10_slowest={N / t[2] / 1e6:.1f}"

for M in (2, 4, 8):
    d = M * dsub
    cent = np.fromfile(f"{dump}/pq8_M{M}_centroids.f32", dtype=np.float32)
    codes = np.fromfile(f"{dump}/pq8_M{M}_codes.u8", dtype=np.uint8)
    q = np.fromfile(f"{dump}/pq8_M{M}_query.f32", dtype=np.float32).reshape(1, d)
    assert codes.size == N * M, "dump does not match N"
    index = faiss.IndexPQ(d, M, 8)
    faiss.copy_array_to_vector(cent, index.pq.centroids)
    index.is_trained = True
    faiss.copy_array_to_vector(codes, index.codes)
    index.ntotal = N
    for mode, st in (("adc", faiss.IndexPQ.ST_PQ), ("sdc", faiss.IndexPQ.ST_SDC)):
        index.search_type = st
        if st == faiss.IndexPQ.ST_SDC:
            index.pq.compute_sdc_table()
        t = timing(lambda: index.search(q, k))
        print(f"IndexPQ {mode} M={M}: {N / t[0] / 1e6:.1f} M codes/s (search, k={k})")
        print(f"RESULT backend=faiss what=scan8 mode={mode} M={M} kernel=IndexPQ {spread(t)}")

for M in (8, 16):
    d = M * dsub
    cent = np.fromfile(f"{dump}/pq4_M{M}_centroids.f32", dtype=np.float32)
    codes = np.fromfile(f"{dump}/pq4_M{M}_codes.u8", dtype=np.uint8).reshape(N, M)
    q = np.fromfile(f"{dump}/pq4_M{M}_query.f32", dtype=np.float32).reshape(1, d)
    c3 = cent.reshape(M, 16, dsub)
    # Decoded vectors re-encode to the same codes (distinct codewords), so Faiss holds our codes.
    x = c3[np.arange(M)[None, :], codes.astype(np.int64)].reshape(N, d)
    index = faiss.IndexPQFastScan(d, M, 4)
    faiss.copy_array_to_vector(cent, index.pq.centroids)
    index.is_trained = True
    index.add(x)
    t = timing(lambda: index.search(q, k))
    print(f"IndexPQFastScan M={M} ({M * 4}-bit codes): {N / t[0] / 1e6:.1f} M codes/s (search, k={k}, no re-rank)")
    print(f"RESULT backend=faiss what=fastscan mode=adc M={M} kernel=IndexPQFastScan {spread(t)}")
