#!/usr/bin/env python3
"""The redesign's rule, as a test: the same commands still write the same bytes.

Runs the three commands of the byte-identity check (a DeepQuan training, a DAE-PQ training and an OPQ
baseline on data/mnist10k, 16 bits, seed 0) and compares the sha256 of every deterministic output with
tests/e2e/byte_identity.json. The hashes were recorded on commit 506bf00 (before the trainer was
reshaped), with the build of `cmake --preset native`; trained bits depend on the trainer's -march, so
the file holds one set per level (x86-64-v4 where the CPU has AVX-512, x86-64-v3 otherwise) and the test
takes the set of the --march the trainer was built with. report.json is left out (it holds timings);
the evaluation lines of stdout are compared with their timings stripped.

To record a set (only for a level that has none, on sources known to be equivalent):
  byte_identity.py --bin build/native/trainer/deepquan --data data --march LEVEL --record
usage: byte_identity.py --bin DEEPQUAN --data DIR --march LEVEL [--record] [--keep DIR]
Exits 77 (ctest SKIP) when the dataset is missing.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
HASHES = os.path.join(HERE, "byte_identity.json")
COMMON = ["--dataset", "mnist10k", "--bits", "16", "--seed", "0", "--threads", "2"]
TRAIN = ["--pretrain-iterations", "200", "--iterations", "60"]
RUNS = {
    "deepquan": (["train"] + COMMON + TRAIN, ["model.dqm", "gallery.dqdb", "queries.dqdb", "loss.svg",
                                               "codeword-distance.svg", "pr.svg"]),
    "daepq": (["train"] + COMMON + TRAIN + ["--variant", "daepq"], ["model.dqm", "gallery.dqdb", "queries.dqdb",
                                                                     "loss.svg", "codeword-distance.svg", "pr.svg"]),
    "opq": (["baseline", "--method", "opq"] + COMMON, ["pr.svg"]),
}


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def eval_lines(stdout):
    # "  sdc     MAP@All 41.98  MAP@1000 57.08  P@100 64.67  (0.5s)": the figures, not the time.
    out = []
    for line in stdout.splitlines():
        if re.match(r"^\s+(sdc|adc|weights)\b", line):
            out.append(re.sub(r"\s*\([0-9.]+s\)\s*$", "", line.strip()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--march", required=True)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--keep")
    a = ap.parse_args()
    a.bin, a.data = os.path.abspath(a.bin), os.path.abspath(a.data)
    if not os.path.exists(os.path.join(a.data, "mnist10k", "images-idx3-ubyte.gz")):
        print("SKIP: data/mnist10k missing (scripts/setup.sh prepares it)")
        sys.exit(77)
    with open(HASHES) as f:
        table = json.load(f)
    sets = table["sets"]
    if not a.record and a.march not in sets:
        sys.exit(f"FAIL: no recorded hashes for a trainer built with -march={a.march or '(compiler default)'}; "
                 f"recorded: {', '.join(sets)}. Record them from a build of commit {table['recorded_on']} "
                 f"(see this script's docstring).")
    env = dict(os.environ, DQ_DATA_DIR=a.data)
    root = a.keep or tempfile.mkdtemp(prefix="dq-identity-")
    got = {}
    try:
        for name, (args, files) in RUNS.items():
            out = os.path.join(root, name)
            shutil.rmtree(out, ignore_errors=True)
            cmd = [a.bin] + args + ["--out", out]
            p = subprocess.run(cmd, cwd=os.path.dirname(a.data.rstrip("/")) or ".", env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if p.returncode != 0:
                sys.exit(f"FAIL: {name} exited {p.returncode}\n$ {' '.join(cmd)}\n{p.stderr[-3000:]}")
            got[name] = {f: sha(os.path.join(out, f)) for f in files}
            got[name]["stdout evaluation lines"] = eval_lines(p.stdout)
            print(f"{name}: {len(files)} files hashed", flush=True)
    finally:
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
    if a.record:
        sets[a.march] = got
        tmp = HASHES + ".tmp"
        with open(tmp, "w") as f:
            json.dump(table, f, indent=2)
            f.write("\n")
        os.replace(tmp, HASHES)
        print(f"recorded the hashes for -march={a.march}")
        return
    want = sets[a.march]
    bad = []
    for name in RUNS:
        for key, value in want[name].items():
            if got[name].get(key) != value:
                bad.append(f"{name}/{key}: expected {value}, got {got[name].get(key)}")
    if bad:
        sys.exit("FAIL: outputs differ from the recorded bytes (-march=%s):\n  %s" % (a.march, "\n  ".join(bad)))
    print(f"PASS: {sum(len(v) for v in want.values())} outputs byte-identical to commit {table['recorded_on']} "
          f"(-march={a.march})")


if __name__ == "__main__":
    main()
