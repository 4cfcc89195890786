#!/usr/bin/env python3
"""4-bit codes (K = 16) through the `deepquan` binary on data/mnist10k, as a user runs them.

1. `train --codeword-bits 4 --bits 16` (a short run): M = 4 subspaces of 16 codewords in model.dqm's
   recorded settings and report.json; the printed SDC/ADC figures are above chance.
2. `eval` of the written gallery and queries reproduces the figures `train` printed.
3. `encode` of the query images gives a database `search` takes; its top-k is sorted and complete.
4. `export-faiss --idmap`: Debian's python3-faiss reads an IndexIDMap(IndexPQ) with nbits 4, M 4 and
   9,000 codes, and finds each reconstructed gallery item at distance 0 (the 4-bit codes decode to
   the codewords Faiss stores, in Faiss's bit order); with --fast-scan, an IndexPQFastScan whose
   first hits for the same queries have the query's code.
5. A database with one flipped byte is refused (exit 1, a message naming the file).
6. `baseline --method pq --codeword-bits 4` and `--method daepq --codeword-bits 4` run with K = 16.

usage: four_bit.py --bin DEEPQUAN --data DIR [--pretrain-iterations N] [--iterations N] [--keep DIR]
Exits 77 (ctest SKIP) when the dataset is missing (scripts/setup.sh prepares it).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def run(cmd, env, expect=0):
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != expect:
        sys.exit(f"FAIL: exit {p.returncode}, expected {expect}\n$ {' '.join(cmd)}\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
    return p


def figures(stdout):
    """{'sdc': 41.98, 'adc': 42.11} from the "  sdc     MAP@All 41.98 ..." lines."""
    out = {}
    for m in re.finditer(r"^\s*(sdc|adc)\s+MAP@All ([0-9.]+)", stdout, re.M):
        out[m.group(1)] = float(m.group(2))
    return out


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
    print("ok: " + what, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--pretrain-iterations", type=int, default=120)
    ap.add_argument("--iterations", type=int, default=30)
    ap.add_argument("--keep")
    a = ap.parse_args()
    a.bin, a.data = os.path.abspath(a.bin), os.path.abspath(a.data)
    if not os.path.exists(os.path.join(a.data, "mnist10k", "images-idx3-ubyte.gz")):
        print("SKIP: data/mnist10k missing (scripts/setup.sh prepares it)")
        sys.exit(77)
    env = dict(os.environ, DQ_DATA_DIR=a.data)
    root = a.keep or tempfile.mkdtemp(prefix="dq-4bit-")
    try:
        out = os.path.join(root, "train")
        shutil.rmtree(out, ignore_errors=True)
        common = ["--dataset", "mnist10k", "--bits", "16", "--codeword-bits", "4", "--seed", "0", "--threads", "2"]
        p = run([a.bin, "train"] + common + ["--pretrain-iterations", str(a.pretrain_iterations),
                                             "--iterations", str(a.iterations), "--batch", "128", "--out", out], env)
        trained = figures(p.stdout)
        # 10 balanced classes: chance MAP@All is about 10.
        check(set(trained) == {"sdc", "adc"} and min(trained.values()) > 20,
              f"train --codeword-bits 4 printed SDC/ADC MAP@All above chance: {trained}")
        report = json.load(open(os.path.join(out, "report.json")))
        text = json.dumps(report)
        check('"codeword_bits": 4' in text and '"K": 16' in text and '"M": 4' in text,
              "report.json records codeword_bits 4, K = 16, M = 4")
        model_bytes = open(os.path.join(out, "model.dqm"), "rb").read()
        check(b'"K": 16' in model_bytes, "model.dqm's provenance records K = 16")

        gallery, queries = os.path.join(out, "gallery.dqdb"), os.path.join(out, "queries.dqdb")
        model = os.path.join(out, "model.dqm")
        p = run([a.bin, "eval", "--model", model, "--db", gallery, "--queries", queries], env)
        check("(M=4, K=16)" in p.stdout, "eval names the 4-bit shape")
        check(figures(p.stdout) == trained, f"eval reproduces train's figures: {figures(p.stdout)} vs {trained}")

        qimages = os.path.join(out, "queries-idx3-ubyte.gz")
        encoded = os.path.join(root, "q.dqdb")
        run([a.bin, "encode", "--model", model, "--images", qimages, "--out", encoded], env)
        for db, image in ((gallery, queries + ":3"), (encoded, qimages + ":3")):
            p = run([a.bin, "search", "--model", model, "--db", db, "--image", image, "-k", "10"], env)
            rows = [l.split() for l in p.stdout.splitlines()[2:]]
            dists = [float(r[2]) for r in rows]
            ids = [int(r[1]) for r in rows]
            check(len(rows) == 10 and dists == sorted(dists) and len(set(ids)) == 10 and min(ids) >= 0,
                  f"search of {os.path.basename(db)}: 10 distinct hits in increasing distance ({p.stdout.splitlines()[0]})")

        faiss_file = os.path.join(root, "gallery.faiss")
        run([a.bin, "export-faiss", "--model", model, "--db", gallery, "--out", faiss_file, "--idmap"], env)
        # Faiss's own decoding against one done by hand in the order the writer claims (sub-code 2j in the
        # low nibble of byte j, 2j + 1 in the high one): equal only if both agree on the bit order.
        probe = (
            "import faiss, sys, numpy as np\n"
            "i = faiss.read_index(sys.argv[1]); pq = faiss.downcast_index(i.index).pq\n"
            "x = i.index.reconstruct_n(0, 200); D, I = i.index.search(x, 1)\n"
            "c = faiss.vector_to_array(faiss.downcast_index(i.index).codes).reshape(-1, pq.code_size)[:200]\n"
            "sub = np.stack([c[:, m // 2] >> (4 * (m % 2)) & 15 for m in range(pq.M)], 1)\n"
            "cb = faiss.vector_to_array(pq.centroids).reshape(pq.M, pq.ksub, pq.dsub)\n"
            "mine = np.concatenate([cb[m][sub[:, m]] for m in range(pq.M)], 1)\n"
            "print(pq.nbits, pq.M, pq.code_size, i.ntotal, float(D.max()), float(np.abs(mine - x).max()),\n"
            "      len(np.unique(sub)))\n"
        )
        p = subprocess.run(["/usr/bin/python3", "-c", probe, faiss_file], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0 and "No module named 'faiss'" in p.stderr:
            print("python3-faiss is not installed: the Faiss read-back is skipped")
        else:
            check(p.returncode == 0, f"python3-faiss reads the export ({p.stderr[-500:]})")
            nbits, M, code_size, ntotal, worst, decode_diff, distinct = p.stdout.split()
            check((nbits, M, code_size, ntotal) == ("4", "4", "2", "9000"),
                  f"Faiss reads IndexPQ nbits 4, M 4, 2-byte codes, 9,000 items: {p.stdout.strip()}")
            check(float(worst) < 1e-3, f"each reconstructed item is found at distance 0 (worst {worst})")
            check(float(decode_diff) == 0.0 and int(distinct) == 16,
                  f"Faiss decodes the low nibble as the even sub-code, as written ({distinct} of 16 codes seen)")

        # --fast-scan: Faiss's blocked 4-bit layout, searched with quantized tables, so the check is a
        # recall: each reconstructed item's first hit has the item's own code (exact distance 0) nearly always.
        fs_file = os.path.join(root, "gallery-fs.faiss")
        run([a.bin, "export-faiss", "--model", model, "--db", gallery, "--out", fs_file, "--idmap", "--fast-scan"], env)
        probe = (
            "import faiss, sys\n"
            "pq = faiss.read_index(sys.argv[1]); fs = faiss.read_index(sys.argv[2])\n"
            "inner = faiss.downcast_index(fs.index)\n"
            "x = pq.index.reconstruct_n(0, 500); D, I = fs.search(x, 1)\n"
            "ids = faiss.vector_to_array(pq.id_map); pos = {int(v): k for k, v in enumerate(ids)}\n"
            "y = pq.index.reconstruct_n(0, pq.ntotal)\n"
            "same = sum(1 for q in range(500) if ((y[pos[int(I[q, 0])]] - x[q]) ** 2).sum() < 1e-9)\n"
            "print(type(inner).__name__, fs.ntotal, same)\n"
        )
        p = subprocess.run(["/usr/bin/python3", "-c", probe, faiss_file, fs_file], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0 and "No module named 'faiss'" in p.stderr:
            print("python3-faiss is not installed: the fast-scan read-back is skipped")
        else:
            check(p.returncode == 0, f"python3-faiss reads the --fast-scan export ({p.stderr[-500:]})")
            kind, ntotal, same = p.stdout.split()
            check(kind == "IndexPQFastScan" and ntotal == "9000" and int(same) >= 475,
                  f"Faiss searches the IndexPQFastScan export: {same} of 500 first hits have the query's code")

        bad = bytearray(open(gallery, "rb").read())
        bad[len(bad) // 2] ^= 0x10
        flipped = os.path.join(root, "flipped.dqdb")
        open(flipped, "wb").write(bytes(bad))
        p = run([a.bin, "eval", "--model", model, "--db", flipped, "--queries", queries], env, expect=1)
        check("flipped.dqdb" in p.stderr, f"a flipped byte is refused: {p.stderr.strip()}")

        p = run([a.bin, "baseline", "--method", "pq"] + common, env)
        check("M=4 K=16 dsub=196" in p.stdout and min(figures(p.stdout).values()) > 15,
              f"baseline pq with 4-bit codes: {p.stdout.splitlines()[0]}")
        p = run([a.bin, "baseline", "--method", "daepq"] + common +
                ["--pretrain-iterations", str(a.pretrain_iterations)], env)
        check("M=4 K=16 dsub=16" in p.stdout, f"baseline daepq with 4-bit codes: {p.stdout.splitlines()[0]}")
    finally:
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
    print("PASS: 4-bit codes train, evaluate, encode, search and export to Faiss")


if __name__ == "__main__":
    main()
