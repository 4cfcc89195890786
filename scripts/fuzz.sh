#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`, build/fuzz) and runs each for N seconds.
#   scripts/fuzz.sh [--seconds N] [--no-build] [TARGET ...]    (default: 60 s, every target)
# Corpora grow in build/fuzz/corpus-live/<target> (seeded from build/fuzz/corpus/<target>, written at
# build time); crashing inputs land in build/fuzz/findings/<target>/. Prints executions, corpus
# growth and findings per target; exits 1 if any target crashed, leaked, timed out or ran out of memory.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=60
build=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
    --seconds=*) seconds="${1#--seconds=}"; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown flag $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds must be a whole number, got '$seconds'" >&2; exit 2 ;; esac

# Inputs larger than the seeds give the mutator room for extra sections / rows without wasting
# executions on megabyte inputs (every reader's checks fire in the first few hundred bytes).
declare -A max_len=([fuzz_model]=4096 [fuzz_database]=4096 [fuzz_idx]=2048 [fuzz_idx_gz]=2048
                    [fuzz_npy]=2048 [fuzz_vecs]=1024 [fuzz_png]=4096 [fuzz_jpeg]=4096)
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_model fuzz_database fuzz_idx fuzz_idx_gz fuzz_npy fuzz_vecs fuzz_png fuzz_jpeg)

if [ $build -eq 1 ]; then
  echo "=== fuzz build (build/fuzz) ==="
  if ! { cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j "$(nproc 2>/dev/null || echo 2)"; }; then
    echo "fuzz.sh: build FAILED" >&2
    exit 1
  fi
fi

status=0
summary=()
for t in "${targets[@]}"; do
  bin=build/fuzz/tests/fuzz/$t
  [ -x "$bin" ] || { echo "fuzz.sh: no fuzz target $bin" >&2; exit 2; }
  live=build/fuzz/corpus-live/$t
  findings=build/fuzz/findings/$t
  mkdir -p "$live" "$findings"
  log=build/fuzz/$t.log
  echo "=== $t: ${seconds}s, -max_len=${max_len[$t]:-4096} ==="
  "$bin" "$live" "build/fuzz/corpus/$t" -max_total_time="$seconds" -max_len="${max_len[$t]:-4096}" \
    -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 -artifact_prefix="$findings/" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  added=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  crashes=$(find "$findings" -type f | wc -l)
  line="$t: ${execs:-?} executions, ${added:-?} new corpus units, ${cov:-cov: ?}, exit $rc, $crashes finding file(s) in $findings"
  summary+=("$line")
  if [ $rc -ne 0 ]; then
    status=1
    echo "FINDING in $t (exit $rc):"
    grep -E "ERROR: |SUMMARY: |runtime error|invariant failed|Test unit written" "$log" | head -20
    echo "full log: $log"
  fi
done

echo
echo "=== fuzz summary (${seconds}s per target) ==="
printf '%s\n' "${summary[@]}"
if [ $status -eq 0 ]; then echo "fuzz.sh: no findings"; else echo "fuzz.sh: FINDINGS (see above)"; fi
exit $status
