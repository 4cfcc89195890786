#!/usr/bin/env bash
# Regenerates the benchmark report from scratch on this machine: paper reproduction (quality),
# speed (scan, encode, end-to-end query latency, training time) and sizes. Figures, not tests.
#
#   scripts/bench.sh [--quick] [--out results/BENCHMARKS.md] [--seeds N] [--datasets "mnist10k fashion70k"] [--resume]
#                    [--keep-sources HASH[,HASH]] [--rerun ID-GLOB[,ID-GLOB]]
#
# --quick   mnist10k only, one seed, training shortened to 300 pretraining + 150 alternating
#           iterations, a small λ/s grid, scans over N = 200,000 codes: 35 trainings and baselines,
#           about 20-25 minutes on 2 idle cores. The report says it is a quick run.
# default   mnist10k and fashion70k, 3 seeds (--seeds), the trainer's own iteration counts, the
#           paper's λ and s ranges, scans over N = 1,000,000 codes: about 90 trainings of roughly
#           10 minutes each on 2 idle cores, so most of a day; --resume continues an interrupted run.
# Raw outputs (JSON, logs, SVG) go to results/bench/ next to the report; training directories
# (models, databases) to build/bench/runs/. A training or baseline that fails is recorded as failed
# with its message and shown so in the tables; nothing is filled in.
# --datasets restricts the quality runs to the named datasets (in the order given; the first one also
#           serves sizes and the λ/s grid, the last one the end-to-end latency), e.g. to run the full
#           mode on mnist10k alone (about 2.5 hours) first and add fashion70k another day with
#           --datasets "mnist10k fashion70k" --resume (the mnist10k runs are then kept).
# --resume keeps the raw outputs of an interrupted run of the same mode and skips every training or
# baseline that already finished with the same command, the training-speed runs included (the scan,
# package, size and end-to-end steps always run again).
# Trainings and DAE-PQ baselines of the same dataset, bits and seed share one pretrained autoencoder
# (`--pretrained`, under build/bench/runs/pretrained/): the first one pretrains, the others load it and
# end byte-identical to a run that pretrained itself (tests/e2e), which saves about a third of full mode.
# The cache flag is not part of a run's recorded command; report.json says whether it was loaded.
# Every run records a hash of the core/ and trainer/ sources it was built from and of the trainer's -march;
# --resume keeps only runs of the same sources (and the cache is per source hash), so a changed trainer
# reruns everything.
# --keep-sources HASH (with --resume) also keeps the finished runs of those earlier sources, for a change
#           that cannot move a finished run (a guard that refused runs, say), but only after proof: one kept
#           training of each such hash per dataset (<dataset>-deepquan-b32-s0 if there is one, else its
#           shortest) is run again with the current build and must give the very same MAP@All, MAP@1000
#           and P@100 in every ranking, or the bench stops. The report lists how many runs came from which
#           sources and the checks.
# --rerun ID-GLOB (with --resume) drops the finished runs whose id matches (e.g. 'fashion70k-deepquan-*')
#           before anything else, so they run again: for a change that moves only those runs (one
#           dataset's default), whose other runs --keep-sources then keeps after its checks.
# Order: machine, build, speed (including training speed at 1 and 2 threads) and sizes (minutes), then the
# quality runs (the long part).
# Environment: BUILD_DIR (default build/bench), DQ_PKG_DIR (wasm package, default wasm/dist),
#              THREADS (trainer threads, default 2).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

mode=full; out=results/BENCHMARKS.md; seeds=3; resume=0; only_datasets=""; keep_sources=""; rerun=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick; shift ;;
    --out) out=${2:?--out needs a path}; shift 2 ;;
    --seeds) seeds=${2:?--seeds needs a number}; shift 2 ;;
    --resume) resume=1; shift ;;
    --datasets) only_datasets=${2:?--datasets needs a list}; shift 2 ;;
    --keep-sources) keep_sources=${2:?--keep-sources needs source hashes}; keep_sources=${keep_sources//,/ }; shift 2 ;;
    --rerun) rerun=${2:?--rerun needs run-id patterns}; rerun=${rerun//,/ }; shift 2 ;;
    -h|--help) sed -n '2,43p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument '$1' (expected --quick, --out FILE, --seeds N, --datasets LIST, --resume, --keep-sources HASHES, --rerun PATTERNS)" >&2; exit 2 ;;
  esac
done
for h in $keep_sources; do
  [[ "$h" =~ ^[0-9a-f]{12}$ ]] || { echo "bench.sh: --keep-sources: '$h' is not a 12-digit source hash (see \"sources\" in a run's JSON)" >&2; exit 2; }
done
[ -n "$keep_sources" ] && [ $resume = 0 ] && { echo "bench.sh: --keep-sources only makes sense with --resume" >&2; exit 2; }
[ -n "$rerun" ] && [ $resume = 0 ] && { echo "bench.sh: --rerun only makes sense with --resume" >&2; exit 2; }
for g in $rerun; do
  [[ "$g" =~ ^[A-Za-z0-9.*?_-]+$ ]] || { echo "bench.sh: --rerun: '$g' is not a run-id pattern (letters, digits, . _ - and * ?)" >&2; exit 2; }
done

BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
PKG=${DQ_PKG_DIR:-$ROOT/wasm/dist}
THREADS=${THREADS:-2}
RAW="$(cd "$(dirname "$out")" 2>/dev/null && pwd || { mkdir -p "$(dirname "$out")" && cd "$(dirname "$out")" && pwd; })/bench"
RUNS="$BUILD_DIR/runs"
BIN="$BUILD_DIR/trainer/deepquan"
T0=$(date +%s)

if [ $mode = quick ]; then
  datasets="mnist10k"; seeds=1; scan_n=200000
  # Shortened training so that ~14 runs fit in the time box: the figures are then those of short
  # runs, which the report says; per-iteration timings are unaffected.
  train_flags=(--pretrain-iterations 300 --iterations 150)
  lambdas="0.01 0.1 0.2"; ss="0.01 1"
  run_timeout=900
else
  datasets="mnist10k fashion70k"; scan_n=1000000
  train_flags=()
  lambdas="0.001 0.01 0.05 0.1 0.2 0.5"; ss="0.001 0.01 0.1 0.5 1"
  run_timeout=0
fi
if [ -n "$only_datasets" ]; then
  for d in $only_datasets; do
    case "$d" in mnist10k|fashion70k) ;; *) echo "bench.sh: --datasets: unknown dataset '$d' (mnist10k, fashion70k)" >&2; exit 2 ;; esac
  done
  datasets=$only_datasets
fi
export NODE_PATH=/usr/share/nodejs

step=0
progress() {
  local now; now=$(date +%s)
  printf '[bench %s +%dm%02ds] %s\n' "$(date +%H:%M:%S)" $(((now - T0) / 60)) $(((now - T0) % 60)) "$*" >&2
}

if [ $resume = 1 ] && [ -f "$RAW/machine.json" ]; then
  grep -q "\"mode\": \"$mode\"" "$RAW/machine.json" ||
    { echo "bench.sh: --resume: $RAW holds a run of another mode; run without --resume" >&2; exit 2; }
else
  rm -rf "$RAW" "$RUNS/pretrained"
fi
# The sources as they are on disk (committed or not): what the build below compiles, and the instruction-set
# level the trainer is compiled for on this CPU (trainer/CMakeLists.txt), on which a run's bits depend too.
mkdir -p "$RAW/logs"
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DDQ_BUILD_TESTS=ON -DDQ_BUILD_TRAINER=ON > "$RAW/logs/build.log" 2>&1 ||
  { echo "bench.sh: cmake failed, see $RAW/logs/build.log" >&2; tail -20 "$RAW/logs/build.log" >&2; exit 1; }
trainer_march=$(sed -n 's/^DQ_TRAINER_MARCH:STRING=//p' "$BUILD_DIR/CMakeCache.txt")
src_hash=$( { git ls-files core trainer CMakeLists.txt | LC_ALL=C sort | xargs cat; echo "march=$trainer_march"; } | sha1sum | cut -c1-12)
PRE="$RUNS/pretrained/$src_hash"
find "$RUNS/pretrained" -mindepth 1 -maxdepth 1 ! -name "$src_hash" -exec rm -rf {} + 2>/dev/null
mkdir -p "$RAW/runs" "$RAW/logs" "$PRE"
for g in $rerun; do
  n=0
  for f in "$RAW/runs/"$g.json; do
    [ -f "$f" ] || continue
    case "$f" in *.report.json) continue ;; esac
    id=$(basename "$f" .json)
    rm -rf "$f" "$RAW/runs/$id.report.json" "$RUNS/$id"
    n=$((n + 1))
  done
  progress "--rerun $g: $n finished run(s) dropped, to run again"
done

# ---------------------------------------------------------------- machine
progress "machine description"
{
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  flags=$(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2-)
  simd=""
  for f in sse4_1 sse4_2 avx avx2 fma avx512f avx512bw avx512vl avx512_vnni; do
    case " $flags " in *" $f "*) simd="$simd $f" ;; esac
  done
  emcc_v=$(emcc --version 2>/dev/null | head -1 | sed 's/.*) //; s/ (.*//' || true)
  node -e '
    const [mode, seeds, scanN, cpu, simd, cores, mem, node, gxx, emcc, kernel, flags, date, rev, sources, kept, t0, rerun, march] = process.argv.slice(1);
    console.log(JSON.stringify({ mode, seeds: +seeds, scan_n: +scanN, cpu, simd_flags: simd.trim().split(/\s+/),
      cores: +cores, mem_gib: +(+mem / 1048576).toFixed(1), node, gxx, emcc, kernel, train_flags: flags, trainer_march: march, date,
      revision: rev, sources, keep_sources: kept.split(" ").filter(Boolean), load_at_start: require("os").loadavg(), started_unix: +t0,
      rerun: rerun.split(" ").filter(Boolean) }, null, 1));' \
    "$mode" "$seeds" "$scan_n" "$cpu" "$simd" "$(nproc)" "$(awk '/MemTotal/{print $2}' /proc/meminfo)" \
    "$(node --version)" "$(g++ --version | head -1)" "${emcc_v:-not found}" "$(uname -sr)" \
    "${train_flags[*]:-}" "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git status --porcelain -- core trainer wasm 2>/dev/null | grep -q . && echo ' + uncommitted changes in core/trainer/wasm')" \
    "$src_hash" "$keep_sources" "$T0" "$rerun" "${trainer_march:-compiler default}"
} > "$RAW/machine.json"

# ---------------------------------------------------------------- build
progress "build: deepquan, dq_golden in $BUILD_DIR"
cmake --build "$BUILD_DIR" -j2 --target deepquan dq_golden >> "$RAW/logs/build.log" 2>&1 ||
  { echo "bench.sh: build failed, see $RAW/logs/build.log" >&2; tail -20 "$RAW/logs/build.log" >&2; exit 1; }

for d in $datasets; do
  if [ ! -f "data/$d/images-idx3-ubyte.gz" ]; then
    progress "data: preparing $d"
    node scripts/prepare-data.mjs "$d" > "$RAW/logs/prepare-$d.log" 2>&1 ||
      { echo "bench.sh: could not prepare $d, see $RAW/logs/prepare-$d.log" >&2; exit 1; }
  fi
done

# ---------------------------------------------------------------- kept sources: the proof
# For each --keep-sources hash, one of its finished trainings per dataset runs again with the current build;
# its figures must be identical (the trainer is deterministic: same seed, same bits), or nothing is kept.
# One per dataset, because a change can move one dataset's runs only (a per-dataset default).
kept_ok=""
for f in "$RAW"/keep-check-*.json; do  # a check against another build proves nothing about this one
  [ -f "$f" ] && ! grep -qF "\"current\": \"$src_hash\"" "$f" && rm -f "$f"
done
for h in $keep_sources; do
  [ "$h" = "$src_hash" ] && continue
  refs=$(node -e '
    const fs = require("fs"), path = require("path"); const [dir, h] = process.argv.slice(1);
    const rs = fs.readdirSync(dir).filter((f) => f.endsWith(".json") && !f.endsWith(".report.json"))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")))
      .filter((r) => r.sources === h && r.status === "ok" && / train /.test(r.command) && !/-speed-/.test(r.id) &&
                     fs.existsSync(path.join(dir, r.id + ".report.json")));
    const ds = [...new Set(rs.map((r) => r.id.split("-")[0]))].sort();
    for (const d of ds) {
      const pref = (r) => (r.id === d + "-deepquan-b32-s0" ? 0 : 1);
      const mine = rs.filter((r) => r.id.split("-")[0] === d).sort((a, b) => pref(a) - pref(b) || a.seconds - b.seconds);
      console.log(d + "\t" + mine[0].id + "\t" + mine[0].command.replace(/^\S+/, ""));
    }' "$RAW/runs" "$h")
  if [ -z "$refs" ]; then
    progress "--keep-sources $h: no finished training of those sources, so none of its runs can be checked; nothing of it is kept"
    continue
  fi
  while IFS=$'\t' read -r d ref_id ref_args; do
    check="$RAW/keep-check-$h-$d.json"
    if grep -qF "\"current\": \"$src_hash\"" "$check" 2>/dev/null && grep -qF "\"run\": \"$ref_id\"" "$check" &&
       grep -qF '"reproduced": true' "$check"; then
      progress "--keep-sources $h: $ref_id already reproduced with this build"; continue
    fi
    progress "== --keep-sources $h: $ref_id again with the current build ($src_hash)"
    rm -rf "$RUNS/keep-check-$h-$d"
    # shellcheck disable=SC2086
    "$BIN" $ref_args --out "$RUNS/keep-check-$h-$d" > "$RAW/logs/keep-check-$h-$d.log" 2>&1
    node -e '
      const fs = require("fs"); const [old, now, h, cur, id, out] = process.argv.slice(1);
      const read = (p) => { try { return JSON.parse(fs.readFileSync(p, "utf8")).eval || []; } catch { return []; } };
      const A = read(old), B = read(now), diffs = [];
      for (const a of A) {
        const b = B.find((x) => x.mode === a.mode);
        for (const k of ["map_all", "map_at_k", "precision_at_k"]) if (!b || b[k] !== a[k]) diffs.push(`${a.mode} ${k}: ${a[k]} then, ${b ? b[k] : "nothing"} now`);
      }
      const ok = A.length > 0 && diffs.length === 0;
      fs.writeFileSync(out, JSON.stringify({ sources: h, current: cur, run: id, reproduced: ok, differences: diffs }, null, 1) + "\n");
      process.exit(ok ? 0 : 1);' "$RAW/runs/$ref_id.report.json" "$RUNS/keep-check-$h-$d/report.json" "$h" "$src_hash" "$ref_id" "$check" ||
      { echo "bench.sh: --keep-sources $h: $ref_id did not reproduce with the current build (see $check, $RAW/logs/keep-check-$h-$d.log); run without it, or drop the runs it moves with --rerun" >&2; exit 1; }
    progress "   reproduced: $h's $d runs pass"
  done <<< "$refs"
  kept_ok="$kept_ok $h"
done
keep_sources=${kept_ok# }
kept_source() {  # kept_source FILE: the run recorded in FILE was built from the current sources or kept ones
  local h
  for h in "$src_hash" $keep_sources; do grep -qF "\"sources\":\"$h\"" "$1" && return 0; done
  return 1
}

# ---------------------------------------------------------------- run helper
# run ID CMD...: runs one trainer command, its stdout+stderr in logs/ID.log, and records
# runs/ID.json = {id, status, message, seconds, command, sources} (+ the command's report.json as
# runs/ID.report.json when it wrote one). Never fails the script. The flags in cache_flags are
# appended to the command but not recorded: they change how long it takes, not what it produces.
n_failed=0
cache_flags=()
run() {
  local id=$1; shift
  local outdir="$RUNS/$id" log="$RAW/logs/$id.log" start rc secs msg status
  # Without --resume the raw directory was emptied at the start, so a finished run found here is one of
  # this invocation (the 32-bit model of the speed section, met again in the quality loop).
  if [ -f "$RAW/runs/$id.report.json" ] &&
     grep -qF "\"status\":\"ok\"" "$RAW/runs/$id.json" 2>/dev/null &&
     grep -qF "\"command\":\"$*\"" "$RAW/runs/$id.json" &&
     kept_source "$RAW/runs/$id.json"; then
    progress "   already done"
    return
  fi
  rm -rf "$outdir"
  start=$(date +%s.%N)
  if [ "$run_timeout" -gt 0 ]; then
    timeout "$run_timeout" "$@" "${cache_flags[@]}" --out "$outdir" > "$log" 2>&1; rc=$?
  else
    "$@" "${cache_flags[@]}" --out "$outdir" > "$log" 2>&1; rc=$?
  fi
  secs=$(echo "$(date +%s.%N) - $start" | bc | awk '{printf "%.3f", $1}')
  if [ $rc -eq 0 ] && [ -f "$outdir/report.json" ]; then
    status=ok; msg=""
    cp "$outdir/report.json" "$RAW/runs/$id.report.json"
    [ -f "$outdir/codeword-distance.svg" ] && cp "$outdir/codeword-distance.svg" "$RAW/runs/$id.codeword-distance.svg"
  else
    status=failed
    [ $rc -eq 124 ] && msg="timed out after ${run_timeout}s" ||
      msg=$(grep -v '^\s*$' "$log" | tr '\r' '\n' | grep -iE 'error|diverg|fail|expected|collapse' | tail -1)
    [ -z "$msg" ] && msg="exit status $rc: $(tr '\r' '\n' < "$log" | grep -v '^\s*$' | tail -1)"
    n_failed=$((n_failed + 1))
  fi
  node -e 'const [id, status, message, seconds, sources, ...command] = process.argv.slice(1);
    console.log(JSON.stringify({ id, status, message, seconds: +seconds, command: command.join(" "), sources }));' \
    "$id" "$status" "$msg" "$secs" "$src_hash" "$@" > "$RAW/runs/$id.json"
  if [ $status = ok ]; then
    progress "   ok in ${secs%.*}s: $(grep -E '^ +[a-z0-9]+ +MAP@All' "$log" | awk '{printf "%s%s MAP@All %s", (NR > 1 ? ", " : ""), $1, $3}')"
  else
    progress "   FAILED in ${secs%.*}s: $msg"
  fi
}
train() {  # train ID DATASET BITS SEED [flags...]
  local id=$1 d=$2 b=$3 s=$4; shift 4
  step=$((step + 1)); progress "($step) train $id"
  cache_flags=(--pretrained "$PRE/$mode-$d-b$b-s$s.dqae")
  run "$id" "$BIN" train --dataset "$d" --bits "$b" --seed "$s" --threads "$THREADS" "${train_flags[@]}" "$@"
  cache_flags=()
}
baseline() {  # baseline ID DATASET METHOD BITS SEED [flags...]
  local id=$1 d=$2 m=$3 b=$4 s=$5; shift 5
  step=$((step + 1)); progress "($step) baseline $id"
  run "$id" "$BIN" baseline --dataset "$d" --method "$m" --bits "$b" --seed "$s" --threads "$THREADS" "$@"
}

# ---------------------------------------------------------------- speed
progress "== speed: scan over N = $scan_n (bench-scan.sh: native, wasm SIMD128, wasm scalar, Faiss)"
scan_env=(BUILD_DIR="$BUILD_DIR/scan" OUT_DIR="$RAW/scan")
[ $mode = quick ] && scan_env+=(SKIP_VERIFY=1)
env "${scan_env[@]}" scripts/bench-scan.sh "$scan_n" > "$RAW/logs/bench-scan.log" 2>&1 ||
  progress "   bench-scan.sh failed (exit $?), see $RAW/logs/bench-scan.log"
rm -rf "$RAW/scan/dump" "$RAW/scan"/*.js "$RAW/scan/inc"
tail -14 "$RAW/logs/bench-scan.log" >&2

progress "== speed: wasm package encode / search latency, module sizes (bench-wasm.sh)"
DQ_GOLDEN_BIN="$BUILD_DIR/tests/tools/dq_golden" DQ_PKG_DIR="$PKG" scripts/bench-wasm.sh \
  > "$RAW/logs/bench-wasm.log" 2>&1 || progress "   bench-wasm.sh failed (exit $?), see $RAW/logs/bench-wasm.log"

# Training speed at the thread count of the trainer issue's PyTorch figures (one thread) and at two:
# the default 32-bit model on mnist10k, 300 pretraining + 340 alternating iterations (20 epochs, so the
# first epoch's full encode weighs as in a real run), three runs each, no shared pretraining.
progress "== speed: training s / iteration at 1 and 2 threads (mnist10k, 32 bits, 3 runs each)"
for t in 1 2; do
  for s in 0 1 2; do
    step=$((step + 1)); progress "($step) train mnist10k-speed-t$t-b32-s$s"
    run "mnist10k-speed-t$t-b32-s$s" "$BIN" train --dataset mnist10k --bits 32 --seed "$s" --threads "$t" \
        --pretrain-iterations 300 --iterations 340 --weights f32
  done
done

# The trainer issue's time target: a 32-bit fashion70k run with 3,500 alternating iterations (the paper's
# count; the default stops at 200) within 15 minutes on 2 cores, from scratch (no shared pretraining).
case " $datasets " in
  *" fashion70k "*)
    if [ $mode = full ]; then
      step=$((step + 1)); progress "($step) train fashion70k-speed-it3500-b32-s0 (the 15-minute target)"
      run "fashion70k-speed-it3500-b32-s0" "$BIN" train --dataset fashion70k --bits 32 --seed 0 --threads 2 \
          --iterations 3500
    fi ;;
esac

# The 32-bit model of seed 0 first: sizes and the end-to-end latency use it (the quality section
# below then finds it done).
d0=${datasets%% *}
dl=${datasets##* }
train "$d0-deepquan-b32-s0" "$d0" 32 0
[ "$dl" != "$d0" ] && train "$dl-deepquan-b32-s0" "$dl" 32 0

# ---------------------------------------------------------------- sizes
# Model bytes per weight type (the file size does not depend on how long training ran, so quick
# mode trains these for a few iterations only), and database bytes for exactly 10,000 items.
progress "== sizes: model at f32 / f16 / int8 / int4, database per 10,000 items"
for w in f16 int8 int4; do
  if [ $mode = quick ]; then
    # 100 pretraining iterations: fewer trip the trainer's "pretraining did not learn" guard.
    step=$((step + 1)); progress "($step) train $d0-weights-$w-b32-s0 (size only)"
    run "$d0-weights-$w-b32-s0" "$BIN" train --dataset "$d0" --bits 32 --seed 0 --threads "$THREADS" \
        --pretrain-iterations 100 --iterations 5 --weights "$w"
  else
    train "$d0-weights-$w-b32-s0" "$d0" 32 0 --weights "$w"
  fi
done
model32="$RUNS/$d0-deepquan-b32-s0/model.dqm"
if [ -f "$model32" ]; then
  for th in thumbs nothumbs; do
    flag=(); [ $th = nothumbs ] && flag=(--no-thumbnails)
    start=$(date +%s.%N)
    "$BIN" encode --threads 1 --model "$model32" --images data/mnist10k/images-idx3-ubyte.gz "${flag[@]}" \
        --out "$RUNS/db10k-$th.dqdb" > "$RAW/logs/encode-$th.log" 2>&1
    secs=$(echo "$(date +%s.%N) - $start" | bc | awk '{printf "%.3f", $1}')
    raw=$(stat -c %s "$RUNS/db10k-$th.dqdb"); gz=$(gzip -9c "$RUNS/db10k-$th.dqdb" | wc -c)
    echo "{\"what\": \"$th\", \"items\": 10000, \"bits\": 32, \"raw\": $raw, \"gzip\": $gz, \"native_encode_seconds_1thread\": $secs}" \
      > "$RAW/db10k-$th.json"
  done
  # The same encode over the run's 1,000 query images: the difference between the two commands is
  # the cost of 9,000 encodes without the fixed costs (process start, model load).
  start=$(date +%s.%N)
  "$BIN" encode --threads 1 --model "$model32" --images "$(dirname "$model32")/queries-idx3-ubyte.gz" --no-thumbnails \
      --out "$RUNS/db1k-nothumbs.dqdb" > "$RAW/logs/encode-1k.log" 2>&1
  secs=$(echo "$(date +%s.%N) - $start" | bc | awk '{printf "%.3f", $1}')
  echo "{\"what\": \"nothumbs\", \"items\": 1000, \"bits\": 32, \"native_encode_seconds_1thread\": $secs}" > "$RAW/db1k-nothumbs.json"
else
  progress "   no 32-bit model from $d0-deepquan-b32-s0: database sizes skipped"
fi

# End to end on the 32-bit model of the last dataset (fashion70k in full mode): encode + top-10 in
# Node against brute-force float L2 and hnswlib-wasm over the same gallery and queries.
e2e_dir="$RUNS/$dl-deepquan-b32-s0"
if [ -f "$e2e_dir/model.dqm" ]; then
  progress "== speed: end-to-end query latency in Node on $dl (bench-e2e.mjs)"
  node scripts/bench-e2e.mjs --run "$e2e_dir" --pkg "$PKG" --out "$RAW/e2e.json" > "$RAW/logs/bench-e2e.log" 2>&1 ||
    progress "   bench-e2e.mjs failed, see $RAW/logs/bench-e2e.log"
else
  progress "   no 32-bit model from $dl-deepquan-b32-s0: end-to-end latency skipped"
fi

# ---------------------------------------------------------------- quality
for d in $datasets; do
  for s in $(seq 0 $((seeds - 1))); do
    progress "== quality: $d, seed $s"
    # Baselines first: they are quick and give the rest of the run something to compare with.
    for m in itq lsh pcah pq opq; do
      for b in 16 32 64; do baseline "$d-$m-b$b-s$s" "$d" "$m" "$b" "$s"; done
    done
    baseline "$d-pq-b8-s$s" "$d" pq 8 "$s"
    baseline "$d-l2-s$s" "$d" l2 16 "$s"
    # DAE-PQ is pretraining + PQ: the same shortened pretraining as the trainings in quick mode.
    for b in 8 16; do
      cache_flags=(--pretrained "$PRE/$mode-$d-b$b-s$s.dqae")
      if [ $mode = quick ]; then baseline "$d-daepq-b$b-s$s" "$d" daepq "$b" "$s" --pretrain-iterations 300
      else baseline "$d-daepq-b$b-s$s" "$d" daepq "$b" "$s"; fi
      cache_flags=()
    done
    for b in 16 32 64 8; do train "$d-deepquan-b$b-s$s" "$d" "$b" "$s"; done
    for v in paper quad wtps; do
      for b in 16 64; do train "$d-$v-b$b-s$s" "$d" "$b" "$s" --variant "$v"; done
    done
    # Fig. 2 of the paper is at 32 bits: Quad there too, beside DeepQuan's 32-bit run.
    train "$d-quad-b32-s$s" "$d" 32 "$s" --variant quad
    if [ $mode = full ]; then
      for b in 8 32; do train "$d-paper-b$b-s$s" "$d" "$b" "$s" --variant paper; done
    fi
  done
done

# Fig. 4 analogue: MAP@All at 64 bits, one parameter varied at a time around the paper's MNIST
# setting (λ = 0.1, s = 1), on the first dataset and seed 0 (the default variant with explicit λ, s).
progress "== λ / s sensitivity, 64 bits, $d0"
for l in $lambdas; do train "$d0-grid-lambda$l-s1-b64-s0" "$d0" 64 0 --lambda "$l" --s 1; done
for x in $ss; do
  [ "$x" = 1 ] && continue   # (λ 0.1, s 1) is already in the λ sweep
  train "$d0-grid-lambda0.1-s$x-b64-s0" "$d0" 64 0 --lambda 0.1 --s "$x"
done

# ---------------------------------------------------------------- report
progress "== report: $out"
# started_unix ties this file to the machine.json of the same invocation (the report ignores a stale one).
node -e 'const [elapsed, resumed, t0] = process.argv.slice(1);
  console.log(JSON.stringify({ elapsed_seconds: +elapsed, resumed: resumed === "1", load_at_end: require("os").loadavg(), started_unix: +t0 }));' \
  "$(( $(date +%s) - T0 ))" "$resume" "$T0" > "$RAW/timing.json"
node scripts/bench-report.mjs --raw "$RAW" --pkg "$PKG" --out "$out" ||
  { echo "bench.sh: bench-report.mjs failed" >&2; exit 1; }
progress "done: $out ($n_failed failed runs recorded as failed)"
