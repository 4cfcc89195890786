#!/usr/bin/env python3
"""Corrupt and wrong inputs through the `deepquan` CLI: every case must exit 1 or 2 (not crash, not
succeed), print a message containing the expected text, and produce no sanitizer report.

usage: corrupt_inputs.py --bin DEEPQUAN --golden DQ_GOLDEN [--json OUT.json]
dq_golden (tests/tools) writes the small models, databases and query images used here.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SANITIZER = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def npy_f32(shape, values):
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ", ".join(map(str, shape))
    h += " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + struct.pack("<%df" % len(values), *values)


def idx_u8(n, h, w):
    return struct.pack(">IIII", 0x803, n, h, w) + bytes((i * 7) % 256 for i in range(n * h * w))


def cases(t, g):
    """(name, argv, expected substring). `g` holds dq_golden's files, `t` the scratch directory."""
    model, db = os.path.join(g, "small.dqm"), os.path.join(g, "small.dqdb")
    other_model = os.path.join(g, "k16-f16.dqm")
    image = os.path.join(g, "small-queries.idx")
    mb, dbb = open(model, "rb").read(), open(db, "rb").read()

    def flipped(b, pos):
        b = bytearray(b)
        b[pos] ^= 0x10
        return bytes(b)

    ver = bytearray(mb)
    ver[8:12] = struct.pack("<HH", 2, 0)  # version 2.0 (the writer's own minor may be > 0)
    f = {
        "trunc_model": write(os.path.join(t, "trunc.dqm"), mb[: len(mb) // 2]),
        "trunc_db": write(os.path.join(t, "trunc.dqdb"), dbb[:-100]),
        "empty_model": write(os.path.join(t, "empty.dqm"), b""),
        "flip_model": write(os.path.join(t, "flip.dqm"), flipped(mb, len(mb) * 3 // 4)),
        "flip_db": write(os.path.join(t, "flip.dqdb"), flipped(dbb, len(dbb) - 40)),
        "html_model": write(os.path.join(t, "html.dqm"), b"<!DOCTYPE html><html><body>404 Not Found</body></html>\n" * 4),
        "version_model": write(os.path.join(t, "v2.dqm"), bytes(ver)),
        "img_5x5": write(os.path.join(t, "five-idx3-ubyte"), idx_u8(2, 5, 5)),
        "nan_npy": write(os.path.join(t, "nan.npy"), npy_f32((1, 28, 28), [0.5] * 3 + [float("nan")] + [0.5] * 780)),
    }
    s = ["search", "--db", db, "--image", image]
    return [
        ("truncated model", ["search", "--model", f["trunc_model"], "--db", db, "--image", image], "truncated: file is"),
        ("truncated database", ["search", "--model", model, "--db", f["trunc_db"], "--image", image], "truncated: file is"),
        ("empty model file", ["search", "--model", f["empty_model"], "--db", db, "--image", image], "bytes"),
        ("flipped byte in model", ["search", "--model", f["flip_model"], "--db", db, "--image", image], "crc32 mismatch"),
        ("flipped byte in database", ["search", "--model", model, "--db", f["flip_db"], "--image", image], "crc32 mismatch"),
        ("wrong magic (HTML page as model)", ["search", "--model", f["html_model"], "--db", db, "--image", image], "bad magic"),
        ("wrong version (2.0)", ["search", "--model", f["version_model"], "--db", db, "--image", image], "unsupported version 2.0"),
        ("model given as database", ["search", "--model", model, "--db", model, "--image", image], "bad magic"),
        ("database from another model (search)", ["search", "--model", other_model, "--db", db, "--image", image], "mismatch"),
        ("database from another model (eval)", ["eval", "--model", other_model, "--db", db, "--queries", image], "mismatch"),
        ("wrong image size (5x5 vs 28x28)", ["search", "--model", model] + s[1:3] + ["--image", f["img_5x5"]], "the model expects 784"),
        ("wrong image size (encode)", ["encode", "--model", model, "--images", f["img_5x5"], "--out", os.path.join(t, "x.dqdb")], "the model expects 784"),
        ("NaN pixel (float .npy, search)", ["search", "--model", model] + s[1:3] + ["--image", f["nan_npy"]], "column 3 is NaN"),
        ("NaN pixel (float .npy, encode)", ["encode", "--model", model, "--images", f["nan_npy"], "--out", os.path.join(t, "y.dqdb")], "column 3 is NaN"),
        ("k larger than the database", ["search", "--model", model] + s[1:] + ["-k", "100000"], "larger than the database"),
        ("k = 0", ["search", "--model", model] + s[1:] + ["-k", "0"], "must be between 1 and"),
        ("k not a number", ["search", "--model", model] + s[1:] + ["-k", "ten"], "is not an integer"),
        ("unknown flag", ["search", "--model", model] + s[1:] + ["--frobnicate"], "unknown flag --frobnicate"),
        ("missing model file", ["search", "--model", os.path.join(t, "nope.dqm")] + s[1:], "nope.dqm"),
        ("image index out of range", ["search", "--model", model] + s[1:3] + ["--image", image + ":999999"], "out of range"),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--golden", required=True)
    ap.add_argument("--json")
    a = ap.parse_args()
    t = tempfile.mkdtemp(prefix="dq-e2e-corrupt-")
    failures, results = [], []
    try:
        g = os.path.join(t, "golden")
        os.makedirs(g)
        subprocess.run([a.golden, g], check=True, stdout=subprocess.DEVNULL)
        for name, argv, want in cases(t, g):
            p = subprocess.run([a.bin] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            msg = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
            msg_short = msg.replace(t + "/", "")
            results.append({"case": name, "exit": p.returncode, "message": msg_short})
            problems = []
            if p.returncode not in (1, 2):
                problems.append(f"exit {p.returncode} (expected 1 or 2)")
            if want not in p.stderr:
                problems.append(f"stderr lacks {want!r}")
            if any(s in p.stderr for s in SANITIZER):
                problems.append("sanitizer report")
            print(f"{'ok  ' if not problems else 'FAIL'} {name}: exit {p.returncode}: {msg_short}")
            if problems:
                failures.append(f"{name}: {'; '.join(problems)}\n    $ deepquan {' '.join(argv)}\n    {p.stderr[-1500:]}")
    finally:
        shutil.rmtree(t, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    if failures:
        print("\n".join(["", f"{len(failures)} case(s) failed:"] + failures))
        return 1
    print(f"PASS: {len(results)} corrupt-input cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
