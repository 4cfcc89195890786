"""The summary table of scripts/bench-scan.sh: M codes/s, the best kernel of each backend (scan alone / scan + top-10),
from the RESULT lines of the native, wasm and Faiss runs, with the ratios to Faiss.

    /usr/bin/python3 scripts/bench/scan_summary.py native.txt [wasm-simd.txt wasm-scalar.txt faiss.txt]
"""
import sys
rows, order = {}, []
for path in sys.argv[1:]:
    for line in open(path):
        if not line.startswith("RESULT "):
            continue
        kv = dict(p.split("=", 1) for p in line.split()[1:])
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
