#!/usr/bin/env python3
"""Process-level training tests of the `deepquan` binary on data/mnist10k.

resume       SIGKILL `deepquan train` at a random moment after its first checkpoint, run it again
             with --resume, and require model.dqm and gallery.dqdb byte-identical to an
             uninterrupted run with the same seed.
determinism  --threads 1 and --threads 2 must write byte-identical model.dqm and gallery.dqdb.
pretrained   --pretrained FILE: the run that writes the cache, a run that loads it, and a run of
             another variant that loads it all end byte-identical to runs without it; a cache of
             other settings, another seed, or with a flipped or missing byte is refused (non-zero
             exit, no model written) and left as it was.

usage: train_runs.py resume|determinism|pretrained --bin DEEPQUAN --data DIR [--variant V] [--seed S]
                     [--pretrain-iterations N] [--iterations N] [--batch N] [--keep DIR]
Exits 77 (ctest SKIP) when the dataset is missing (scripts/setup.sh prepares it).
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

OUTPUTS = ("model.dqm", "gallery.dqdb")


def train_cmd(a, out, threads, resume=False, variant=None, seed=None, pretrain_iterations=None):
    cmd = [a.bin, "train", "--dataset", "mnist10k", "--bits", "16", "--variant", variant or a.variant,
           "--seed", str(a.seed if seed is None else seed),
           "--pretrain-iterations", str(pretrain_iterations or a.pretrain_iterations),
           "--iterations", str(a.iterations), "--threads", str(threads), "--out", out]
    if a.batch:
        cmd += ["--batch", str(a.batch)]
    if resume:
        cmd.append("--resume")
    return cmd


def run(cmd, env, what):
    t = time.time()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    print(f"{what}: exit {p.returncode} after {time.time() - t:.1f}s", flush=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {what} exited {p.returncode}\n$ {' '.join(cmd)}\n{p.stderr[-3000:]}")
    return p


def same_files(d1, d2, what):
    bad = []
    for f in OUTPUTS:
        with open(os.path.join(d1, f), "rb") as x, open(os.path.join(d2, f), "rb") as y:
            bx, by = x.read(), y.read()
        if bx != by:
            first = next((i for i in range(min(len(bx), len(by))) if bx[i] != by[i]), min(len(bx), len(by)))
            bad.append(f"{f}: {len(bx)} vs {len(by)} bytes, first difference at byte {first}")
        else:
            print(f"{what}: {f} identical ({len(bx)} bytes)")
    if bad:
        sys.exit(f"FAIL: {what}: outputs differ:\n  " + "\n  ".join(bad) + "\n" + first_divergence(d1, d2))


def first_divergence(d1, d2):
    """Where the logged loss curves part: before a kill, that is run-to-run nondeterminism, not resume."""
    try:
        logs = [json.load(open(os.path.join(d, "report.json")))["training"]["log"] for d in (d1, d2)]
    except (OSError, KeyError, ValueError) as e:
        return f"(no loss log to compare: {e})"
    for key, its in (("pretrain_loss", "pretrain_iteration"), ("J", None), ("R", None)):
        a, b = logs[0].get(key, []), logs[1].get(key, [])
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                at = logs[0][its][i] if its else i + 1
                return f"the logged {key} curves first differ at iteration {at}: {x!r} vs {y!r}"
    return "the logged loss curves are identical"


# A progress line: "<phase> <done>/<total> (<pct>%) ...".
PROGRESS = re.compile(r"^(\S+) (\d+)/(\d+) \(", re.M)


def resume(a, env, tmp):
    ref = os.path.join(tmp, "ref")
    t0 = time.time()
    run(train_cmd(a, ref, 2), env, "uninterrupted run")
    ref_seconds = time.time() - t0

    out = os.path.join(tmp, "killed")
    ckpt = os.path.join(out, "train.ckpt")
    rng = random.Random()
    seed = a.kill_seed if a.kill_seed is not None else rng.randrange(1 << 30)
    rng.seed(seed)
    for attempt in range(3):
        shutil.rmtree(out, ignore_errors=True)
        log = open(os.path.join(tmp, "killed.log"), "w")
        p = subprocess.Popen(train_cmd(a, out, 2), env=env, stdout=log, stderr=subprocess.STDOUT)
        t_start = time.time()
        while not os.path.exists(ckpt) and p.poll() is None:
            time.sleep(0.05)
        if p.poll() is not None:
            sys.exit(f"FAIL: the run ended (exit {p.returncode}) before writing {ckpt}")
        t_ckpt = time.time() - t_start
        # Somewhere in what is left of the run (the reference run's duration bounds it), so the
        # kill lands in pretraining, the alternating phase, or export alike across repetitions.
        delay = rng.uniform(0, max(0.1, (ref_seconds - t_ckpt) * 0.8))
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()
            log.close()
            print(f"killed after {t_ckpt + delay:.1f}s (first checkpoint at {t_ckpt:.1f}s, kill seed {seed})")
            break
        log.close()
        print(f"attempt {attempt + 1}: the run finished within {delay:.1f}s after its checkpoint; retrying earlier")
        ref_seconds = t_ckpt + delay / 2
    else:
        sys.exit("FAIL: could not kill the run before it finished")
    if p.returncode != -signal.SIGKILL:
        sys.exit(f"FAIL: expected the run to die of SIGKILL, got {p.returncode}")
    if not os.path.exists(ckpt):
        sys.exit("FAIL: no checkpoint left after the kill")
    done_before = [f for f in OUTPUTS if os.path.exists(os.path.join(out, f))]

    r = run(train_cmd(a, out, 2, resume=True), env, "resumed run")
    first = PROGRESS.search(r.stderr)
    if done_before:
        print(f"note: the kill came after {', '.join(done_before)} had been written")
    elif first and int(first.group(2)) == 0 and first.group(1) == "pretrain":
        # A run that silently starts over would also match the reference: require evidence that
        # the checkpoint was used.
        sys.exit("FAIL: the resumed run restarted pretraining from iteration 0\n" + r.stderr[-2000:])
    same_files(ref, out, "resume")


def determinism(a, env, tmp):
    d1, d2 = os.path.join(tmp, "t1"), os.path.join(tmp, "t2")
    run(train_cmd(a, d1, 1), env, "--threads 1")
    run(train_cmd(a, d2, 2), env, "--threads 2")
    same_files(d1, d2, "threads 1 vs 2")


def pretrained(a, env, tmp):
    cache = os.path.join(tmp, "ae.dqae")
    d = lambda name: os.path.join(tmp, name)

    def cache_state(dir_):
        return json.load(open(os.path.join(dir_, "report.json")))["training"]["log"]["pretrained_cache"]

    run(train_cmd(a, d("plain"), 2), env, "without --pretrained")
    run(train_cmd(a, d("writes"), 2) + ["--pretrained", cache], env, "--pretrained, no file yet")
    if not os.path.exists(cache):
        sys.exit("FAIL: --pretrained did not write the cache")
    r = run(train_cmd(a, d("loads"), 2) + ["--pretrained", cache], env, "--pretrained, file present")
    if PROGRESS.search(r.stderr) and any(m.group(1) == "pretrain" for m in PROGRESS.finditer(r.stderr)):
        sys.exit("FAIL: the run with a cache present still pretrained\n" + r.stderr[-2000:])
    # mnist10k's own validated denoising strength, applied when --pretrain-noise is absent.
    noise = json.load(open(os.path.join(d("plain"), "report.json")))["training"]["log"]["settings"]["pretrain_noise"]
    if abs(noise - 0.6) > 1e-6:
        sys.exit(f"FAIL: mnist10k pretrained with input dropout {noise}, expected its default 0.6")
    states = [cache_state(d(x)) for x in ("plain", "writes", "loads")]
    if states != ["none", "written", "loaded"]:
        sys.exit(f"FAIL: report.json pretrained_cache is {states}, expected none / written / loaded")
    same_files(d("plain"), d("writes"), "cache written")
    same_files(d("plain"), d("loads"), "cache loaded")

    # Another variant with the same pretraining settings shares the file.
    other = "quad" if a.variant != "quad" else "deepquan"
    run(train_cmd(a, d("other-plain"), 2, variant=other), env, f"{other} without --pretrained")
    run(train_cmd(a, d("other-loads"), 2, variant=other) + ["--pretrained", cache], env, f"{other}, cache loaded")
    same_files(d("other-plain"), d("other-loads"), f"{other} with the {a.variant} run's cache")

    with open(cache, "rb") as f:
        good = f.read()

    def refused(cmd, what, expect):
        out = cmd[cmd.index("--out") + 1]
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode == 0 or expect not in p.stderr:
            sys.exit(f"FAIL: {what}: expected a non-zero exit with '{expect}', got exit {p.returncode}\n{p.stderr[-2000:]}")
        if os.path.exists(os.path.join(out, "model.dqm")):
            sys.exit(f"FAIL: {what}: a model was written")
        with open(cache, "rb") as f:
            if f.read() != bad_bytes:
                sys.exit(f"FAIL: {what}: the cache file was modified")
        print(f"{what}: refused: {p.stderr.strip().splitlines()[-1]}")

    bad_bytes = good
    refused(train_cmd(a, d("r1"), 2, pretrain_iterations=a.pretrain_iterations + 1) + ["--pretrained", cache],
            "other --pretrain-iterations", "pretrained with other settings")
    refused(train_cmd(a, d("r2"), 2, seed=a.seed + 1) + ["--pretrained", cache], "another seed",
            "pretrained with other settings")
    refused(train_cmd(a, d("r4"), 2) + ["--pretrain-noise", "0.2", "--pretrained", cache], "other --pretrain-noise",
            "pretrained with other settings")
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x10
    for what, bad, expect in (("a flipped byte", bytes(flipped), "is corrupt ("),
                              ("a truncated file", good[:-1], "is corrupt (truncated"),
                              ("a 10-byte file", good[:10], "is corrupt (truncated"),
                              ("a cache of the format before the container", b"DQTAENC2" + good[8:],
                               "written by an older version of deepquan")):
        with open(cache, "wb") as f:
            f.write(bad)
        bad_bytes = bad
        refused(train_cmd(a, d("r3"), 2) + ["--pretrained", cache], what, expect)
    p = subprocess.run([a.bin, "baseline", "--method", "pq", "--bits", "16", "--dataset", "mnist10k",
                        "--pretrained", cache], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 2 or "--pretrained applies to --method daepq" not in p.stderr:
        sys.exit(f"FAIL: baseline --method pq --pretrained: exit {p.returncode}\n{p.stderr[-1000:]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["resume", "determinism", "pretrained"])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--variant", default="deepquan")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--pretrain-iterations", type=int, default=300)
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--kill-seed", type=int, default=None)
    ap.add_argument("--keep", help="work directory to keep (default: a temporary one, removed)")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.data, "mnist10k", "images-idx3-ubyte.gz")):
        print(f"SKIP: {a.data}/mnist10k is missing (run scripts/setup.sh)")
        return 77
    env = dict(os.environ, DQ_DATA_DIR=a.data)
    tmp = a.keep or tempfile.mkdtemp(prefix=f"dq-e2e-{a.mode}-")
    os.makedirs(tmp, exist_ok=True)
    try:
        {"resume": resume, "determinism": determinism, "pretrained": pretrained}[a.mode](a, env, tmp)
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"PASS: {a.mode} ({a.variant})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
