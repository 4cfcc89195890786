"""The summary table of scripts/bench-scan.sh: M codes/s, the best kernel of each backend (scan alone / scan + top-10),
from the RESULT lines of the native, wasm and Faiss runs, with the ratios to Faiss.

    /usr/bin/python3 scripts/bench/scan_summary.py native.txt [wasm-simd.txt wasm-scalar.txt faiss.txt]
"""
import sys
rows, order = {}, []
bandwidth = {}   # backend -> {bytes: GB/s}: bench_scan's read bandwidth in the same run
batches = {}     # (M) -> {backend: (single, batch, identical)}: 16 queries at once against 16 single searches
for path in sys.argv[1:]:
    for line in open(path):
        if not line.startswith("RESULT "):
            continue
        kv = dict(p.split("=", 1) for p in line.split()[1:])
        if kv["what"] == "bandwidth":
            bandwidth.setdefault(kv["backend"], {})[int(kv["bytes"])] = float(kv["gbs"])
            continue
        if kv["what"] == "batch16":
            cur = batches.setdefault(int(kv["M"]), {}).get(kv["backend"])
            got = (float(kv["single"]), float(kv["batch"]), kv["identical"] == "1")
            # Best of the runs for each figure; results must have been identical in every run.
            batches[int(kv["M"])][kv["backend"]] = got if cur is None else (
                max(cur[0], got[0]), max(cur[1], got[1]), cur[2] and got[2])
            continue
        key = (kv["what"], kv["mode"], int(kv["M"]))
        if key not in rows:
            rows[key] = {}
            order.append(key)
        scan = float(kv.get("scan", "nan"))
        top = float(kv.get("scan_top10", "nan"))
        rank = top if top == top else scan
        cur = rows[key].get(kv["backend"])
        if cur is None or rank > cur[2]:
            rows[key][kv["backend"]] = (scan, top, rank, kv["kernel"])

def fmt(x):
    return f"{x:.0f}" if x == x else "-"

backs = ["native", "wasm-simd", "wasm-scalar", "faiss"]
# The native AVX2 Faiss anchor (scripts/bench-faiss-avx2.sh), when its results were given: a column of
# its own and the ratios against it, beside the generic python3-faiss ones.
anchors = ["faiss"] + (["faiss-avx2"] if any("faiss-avx2" in r for r in rows.values()) else [])
backs += anchors[1:]
ratios = [(b, a, f"{b.replace('wasm-', '')}/{a.replace('faiss-', '')}", w)
          for a in anchors for b, w in (("wasm-simd", 12), ("native", 14))]
print(f"{'case':<22}" + "".join(f"{b:>16}" for b in backs) + "".join(f"{name:>{w}}" for _, _, name, w in ratios))
for key in order:
    r = rows[key]
    line = f"{key[0] + ' ' + key[1] + ' M=' + str(key[2]):<22}"
    for b in backs:
        line += f"{(fmt(r[b][0]) + '/' + fmt(r[b][1])) if b in r else '-':>16}"
    for b, a, _, w in ratios:
        f = r.get(a)
        ok = f is not None and b in r and r[b][1] == r[b][1]
        line += f"{(r[b][1] / f[1]) if ok else float('nan'):>{w}.2f}"
    print(line)
print("cells: scan alone / scan + top-10 (fast-scan: u16 kernel alone / full search with exact re-rank).")
print("ratios: our scan + top-10 over Faiss search with k = 10, one thread (/faiss: Debian's generic python3-faiss;")
print("/avx2: Faiss 1.7.3 built with AVX2 from Debian's source, scripts/bench-faiss-avx2.sh). Faiss fast-scan returns")
print("approximate distances; ours re-ranks a candidate pool exactly.")

if bandwidth:
    # Bytes each scan reads per code: M for 8-bit codes, M / 2 for 4-bit ones; the footprint N x that is one
    # of the buffer sizes bench_scan measured (the smallest is N x 2), so the share compares like with like.
    print()
    print("share of read bandwidth (same run): the best kernel's bytes of codes read per second over a sequential")
    print("sum of a buffer of the same size (in cache, as the codes are) / of 256 MiB (memory), for the kernel alone")
    print("(fast-scan: the u16 kernel; 8-bit: the scan without top-k): GB/s, then the two shares")
    print(f"{'case':<22}" + "".join(f"{b:>26}" for b in backs if b in bandwidth))
    for key in order:
        what, mode, M = key
        if what not in ("scan8", "fastscan"):
            continue
        per_code = M if what == "scan8" else M / 2
        line = f"{what + ' ' + mode + ' M=' + str(M):<22}"
        for b in backs:
            if b not in bandwidth:
                continue
            bw = bandwidth[b]
            n = min(bw) // 2
            same, mem = bw.get(int(n * per_code)), bw.get(256 << 20)
            r = rows[key].get(b)
            if r is None or same is None or mem is None:
                line += f"{'-':>26}"
                continue
            gbs = r[0] * 1e6 * per_code / 1e9
            line += f"{f'{gbs:.1f} GB/s {gbs / same:.2f}/{gbs / mem:.2f}':>26}"
        print(line)
    print("read bandwidth GB/s by buffer size: " + "; ".join(
        f"{b} " + ", ".join(f"{k / 1e6:.1f} MB {v:.1f}" for k, v in sorted(bandwidth[b].items())) for b in backs if b in bandwidth))

if batches:
    print()
    print("batched queries (8-bit ADC, K = 256): per-query M codes/s of 16 single searches / of one batch of 16")
    print("(scan_batch.h; its table interleaving included), then the ratio; results identical to the singles")
    bb = [b for b in ("native", "wasm-simd", "wasm-scalar") if any(b in r for r in batches.values())]
    print(f"{'case':<22}" + "".join(f"{b:>24}" for b in bb))
    for M in sorted(batches):
        line = f"{'batch16 adc M=' + str(M):<22}"
        for b in bb:
            r = batches[M].get(b)
            cell = "-" if r is None else f"{r[0]:.0f}/{r[1]:.0f} {r[1] / r[0]:.2f}x" + ("" if r[2] else " DIFFER")
            line += f"{cell:>24}"
        print(line)
