#!/usr/bin/env python3
"""Feature vectors as input, end to end: `deepquan train --dataset feats.fvecs|.npy` on clustered
Gaussian vectors far from [0, 1] (offset 1000, scale 50, one constant dimension) retrieves well above
chance, and model.dqm's STDZ section holds the training split's per-dimension mean and 1 / std (scale
1 for the constant dimension), bit for bit as the documented rule computes them in double; the same
file as .npy gives the same model; a NaN in the file stops the run naming the file, row and column.

usage: features.py --bin build/native/trainer/deepquan [--out DIR]   (DIR keeps the run for node:test)
"""
import argparse
import math
import os
import random
import struct
import subprocess
import sys
import tempfile

D, CLASSES, PER_CLASS, QPC, CONST_DIM = 24, 5, 60, 10, 5


def make_data(seed=11):
    rng = random.Random(seed)
    centers = [[rng.gauss(0, 1) for _ in range(D)] for _ in range(CLASSES)]
    rows, labels = [], []
    for i in range(CLASSES * PER_CLASS):
        c = i % CLASSES
        v = [struct.unpack("<f", struct.pack("<f", 1000 + 50 * (centers[c][j] + 1.0 * rng.gauss(0, 1))))[0] for j in range(D)]
        v[CONST_DIM] = 1000.0
        rows.append(v)
        labels.append(c)
    return rows, labels


def write_fvecs(path, rows):
    with open(path, "wb") as f:
        for r in rows:
            f.write(struct.pack("<i", len(r)) + struct.pack("<%df" % len(r), *r))


def npy_bytes(descr, shape, payload):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else ""))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def write_npy_f32(path, rows):
    with open(path, "wb") as f:
        f.write(npy_bytes("<f4", (len(rows), len(rows[0])), b"".join(struct.pack("<%df" % len(r), *r) for r in rows)))


def write_labels(path, labels):
    with open(path, "wb") as f:
        f.write(npy_bytes("<i4", (len(labels),), struct.pack("<%di" % len(labels), *labels)))


def sections(path):
    """{fourcc: (dtype, flags, dims, payload bytes)} of a DeepQuan file."""
    b = open(path, "rb").read()
    count = struct.unpack_from("<I", b, 28)[0]
    out = {}
    for i in range(count):
        e = 64 + 64 * i
        kind = b[e:e + 4].decode()
        dtype, flags = struct.unpack_from("<HH", b, e + 4)
        off, size = struct.unpack_from("<QQ", b, e + 8)
        ndim = struct.unpack_from("<I", b, e + 28)[0]
        dims = struct.unpack_from("<4Q", b, e + 32)[:ndim]
        out[kind] = (dtype, flags, dims, b[off:off + size])
    return out


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def expected_standardization(rows):
    """data/standardize.h's rule, in double, summed in row order."""
    n = len(rows)
    mean, scale = [], []
    for j in range(D):
        m = 0.0
        for r in rows:
            m += r[j]
        m /= n
        v = 0.0
        for r in rows:
            t = r[j] - m
            v += t * t
        sd = math.sqrt(v / n)
        inv = f32(1.0 / sd) if sd > 0 else math.inf
        zero = sd <= math.ldexp(abs(m), -20) or not math.isfinite(inv) or not inv > 0
        mean.append(f32(m))
        scale.append(1.0 if zero else inv)
    return mean, scale


def train(bin_, dataset, labels, out, extra=()):
    cmd = [bin_, "train", "--dataset", dataset, "--labels", labels, "--bits", "16", "--codeword-bits", "4",
           "--pretrain-iterations", "120", "--iterations", "20", "--batch", "64", "--queries-per-class", str(QPC),
           "--seed", "2", "--threads", "2", "--out", out, *extra]
    return subprocess.run(cmd, capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", default=None, help="keep the fvecs run here (model.dqm, feats.fvecs, ...)")
    args = ap.parse_args()
    failures = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    rows, labels = make_data()
    with tempfile.TemporaryDirectory(prefix="dq-feats-") as t:
        keep = args.out or os.path.join(t, "run")
        os.makedirs(keep, exist_ok=True)
        fv, npy, lab = os.path.join(keep, "feats.fvecs"), os.path.join(t, "feats.npy"), os.path.join(keep, "labels.npy")
        write_fvecs(fv, rows)
        write_npy_f32(npy, rows)
        write_labels(lab, labels)

        r = train(args.bin, fv, lab, keep)
        check(r.returncode == 0, "train on feats.fvecs exits 0" + ("" if r.returncode == 0 else ": " + r.stderr[-2000:]))
        if r.returncode != 0:
            return 1
        print("stdout:", r.stdout.strip())
        sdc = [l for l in r.stdout.splitlines() if l.strip().startswith("sdc")]
        check(len(sdc) == 1, "one sdc evaluation line")
        m_all = float(sdc[0].split("MAP@All")[1].split()[0]) if sdc else 0.0
        check(m_all > 60.0, "MAP@All (SDC) %.2f well above chance (%.0f)" % (m_all, 100 / CLASSES))

        s = sections(os.path.join(keep, "model.dqm"))
        check("STDZ" in s, "model.dqm has a STDZ section")
        if "STDZ" in s:
            dtype, flags, dims, payload = s["STDZ"]
            check(dtype == 1 and flags & 1 == 1 and dims == (2, D), "STDZ is f32 [2, %d], flagged required" % D)
            vals = struct.unpack("<%df" % (2 * D), payload)
            mean, scale = list(vals[:D]), list(vals[D:])
            # The training split = every row that is not a query (queries.dqdb's ids are rows).
            q = sections(os.path.join(keep, "queries.dqdb"))
            qids = set(struct.unpack("<%dI" % (len(q["IDS_"][3]) // 4), q["IDS_"][3]))
            check(len(qids) == CLASSES * QPC, "%d query rows" % (CLASSES * QPC))
            train_rows = [rows[i] for i in range(len(rows)) if i not in qids]
            em, es = expected_standardization(train_rows)
            check(mean == em, "STDZ means are the training split's means")
            check(scale == es, "STDZ scales are 1 / std of the training split")
            check(scale[CONST_DIM] == 1.0 and mean[CONST_DIM] == 1000.0, "the constant dimension: mean 1000, scale 1")
            am, _ = expected_standardization(rows)
            check(am != em, "(the statistics of all rows differ: the queries were left out)")
            check(abs(mean[0] - 1000) < 200 and 1 / 150 < scale[0] < 1 / 10, "mean ~1000, scale ~1/50")

        r2 = train(args.bin, npy, lab, os.path.join(t, "npy"))
        check(r2.returncode == 0, "train on feats.npy exits 0")
        if r2.returncode == 0:
            a = sections(os.path.join(keep, "model.dqm"))
            b = sections(os.path.join(t, "npy", "model.dqm"))
            check(a["STDZ"] == b["STDZ"] and a["CDBK"] == b["CDBK"], ".npy and .fvecs of the same vectors give the same model")

        # A NaN: the file, the row and the column are named, nothing is written.
        bad_rows = [list(r) for r in rows]
        bad_rows[137][9] = float("nan")
        bad = os.path.join(t, "nan.fvecs")
        write_fvecs(bad, bad_rows)
        r3 = train(args.bin, bad, lab, os.path.join(t, "nan"))
        check(r3.returncode == 1, "NaN in the file: exit 1")
        check(bad in r3.stderr and "row 137, column 9 is NaN" in r3.stderr, "the message names the file and the position: " + r3.stderr.strip()[-300:])
        check(not os.path.exists(os.path.join(t, "nan", "model.dqm")), "no model written")
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
