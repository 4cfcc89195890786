#!/usr/bin/env bash
# Native Faiss anchor for the scan benchmark (not a test; CI never runs it). Debian's python3-faiss 1.7.3 is
# a generic build (no AVX2 kernels), which flatters our speed ratios; this builds the same Faiss 1.7.3 from
# Debian's own source package with FAISS_OPT_LEVEL=avx2, C++ only, and times its IndexPQ (ADC, SDC; M = 2, 4,
# 8, nbits 8) and IndexPQFastScan (M = 8, 16, nbits 4) single-threaded on the very codes bench_scan scans
# (scripts/bench/faiss_anchor.cpp says how the codes get into Faiss unchanged).
#
#   scripts/bench-faiss-avx2.sh [--build-only] [N]        (default N = 1000000)
#
# Steps, each skipped when already done:
#   1. Debian build dependencies of the C++ library (cmake g++ libblas-dev liblapack-dev dpkg-dev):
#      apt-get install -y of the missing ones (needs root or sudo).
#   2. apt-get source faiss=$FAISS_DEB_VERSION through a private deb-src list (bookworm main, the URI of the
#      system's own binary entry) and private list state, all under $FAISS_DIR: the system's apt lists stay
#      untouched.
#   3. cmake -DFAISS_OPT_LEVEL=avx2 -DFAISS_ENABLE_GPU=OFF -DFAISS_ENABLE_PYTHON=OFF -DBUILD_TESTING=OFF
#      -DCMAKE_BUILD_TYPE=Release (static), building the faiss_avx2 target only; then faiss_anchor.cpp.
#      The builds run under nice -n 19 with -j$JOBS (default 2); the timed runs are not niced.
#   4. The dump: if $OUT_DIR/dump does not hold bench_scan's codes for N, builds bench_scan as
#      scripts/bench-scan.sh does and runs `bench_scan --n N --dump` (its figures go to $OUT_DIR/native.txt).
#   5. faiss_anchor DUMP N REPS > $OUT_DIR/faiss-avx2.txt, then scan_summary.py of native.txt (if made for
#      the same N) and faiss-avx2.txt, unless NO_SUMMARY=1.
# Environment: FAISS_DIR (default build/faiss-avx2), OUT_DIR (default build/bench-scan/bench-scan, as
#              scripts/bench-scan.sh), BUILD_DIR (bench_scan's build, default build/bench-scan), REPS (timed
#              searches per case, default 7, at least 3), JOBS (default 2), FAISS_DEB_VERSION (default 1.7.3-2),
#              DEB_SRC_URI (default: the system's bookworm binary URI), NO_SUMMARY=1.
# scripts/bench-scan.sh runs this after its own kernels when FAISS_AVX2=1.
set -euo pipefail
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
BUILD_ONLY=0
N=1000000
for a in "$@"; do
  case "$a" in
    -h|--help) usage; exit 0 ;;
    --build-only) BUILD_ONLY=1 ;;
    [0-9]*) N=$a ;;
    *) echo "bench-faiss-avx2: unknown argument $a" >&2; usage >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FAISS_DIR=${FAISS_DIR:-$ROOT/build/faiss-avx2}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench-scan}
OUT=${OUT_DIR:-$BUILD_DIR/bench-scan}
REPS=${REPS:-7}
JOBS=${JOBS:-2}
VERSION=${FAISS_DEB_VERSION:-1.7.3-2}
UPSTREAM=${VERSION%-*}
SRC="$FAISS_DIR/src/faiss-$UPSTREAM"
FBUILD="$FAISS_DIR/build"
LIB="$FBUILD/faiss/libfaiss_avx2.a"
ANCHOR="$FAISS_DIR/faiss_anchor"
NICE=(nice -n 19)

# 1. Build dependencies (Debian's Build-Depends of faiss, minus the Python/SWIG/gtest ones a C++-only,
#    test-less build does not use; dpkg-dev unpacks the source package).
pkgs=(cmake g++ libblas-dev liblapack-dev dpkg-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bench-faiss-avx2: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  echo "bench-faiss-avx2: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# 2. Debian's source package, through a private deb-src list and private list state.
if [ ! -f "$SRC/CMakeLists.txt" ]; then
  if [ -z "${DEB_SRC_URI:-}" ]; then
    # The URI of the system's binary entry for bookworm main, one-line (sources.list) or deb822 (*.sources);
    # either file set may be absent (|| true: pipefail would end the script here without a word).
    DEB_SRC_URI=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i+1) == "bookworm") { print $i; exit } break } }' || true)
  fi
  if [ -z "${DEB_SRC_URI:-}" ]; then
    DEB_SRC_URI=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
      function flush() { if (types ~ /(^| )deb( |$)/ && suites ~ /(^| )bookworm( |$)/ && comps ~ /(^| )main( |$)/ && !done) { split(uris, u, " "); print u[1]; done = 1 } types = suites = comps = uris = "" }
      /^[ \t]*$/ { flush(); next }
      /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
      /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
      /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
      /^Components:/ { sub(/^Components:[ \t]*/, ""); comps = $0 }
      END { flush() }' || true)
  fi
  [ -n "${DEB_SRC_URI:-}" ] || { echo "bench-faiss-avx2: no bookworm main entry in /etc/apt; set DEB_SRC_URI" >&2; exit 1; }
  mkdir -p "$FAISS_DIR/apt/lists/partial" "$FAISS_DIR/src"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEB_SRC_URI bookworm main" \
    > "$FAISS_DIR/apt/sources.list"
  APT=(-o Dir::Etc::SourceList="$FAISS_DIR/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
       -o Dir::State::Lists="$FAISS_DIR/apt/lists")
  echo "bench-faiss-avx2: apt-get source faiss=$VERSION ($DEB_SRC_URI, private lists in $FAISS_DIR/apt)"
  apt-get "${APT[@]}" update -qq
  (cd "$FAISS_DIR/src" && apt-get "${APT[@]}" source "faiss=$VERSION")
  [ -f "$SRC/CMakeLists.txt" ] || { echo "bench-faiss-avx2: $SRC missing after apt-get source" >&2; exit 1; }
fi

# 3. The AVX2 library, C++ only, static, then the anchor against it.
if [ ! -f "$FBUILD/CMakeCache.txt" ]; then
  "${NICE[@]}" cmake -S "$SRC" -B "$FBUILD" -DFAISS_OPT_LEVEL=avx2 -DFAISS_ENABLE_GPU=OFF -DFAISS_ENABLE_PYTHON=OFF \
    -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF >"$FAISS_DIR/configure.log"
fi
echo "bench-faiss-avx2: cmake --build $FBUILD --target faiss_avx2 -j$JOBS (log: $FAISS_DIR/build.log)"
"${NICE[@]}" cmake --build "$FBUILD" -j"$JOBS" --target faiss_avx2 >"$FAISS_DIR/build.log" 2>&1 ||
  { tail -30 "$FAISS_DIR/build.log" >&2; exit 1; }
if [ ! -x "$ANCHOR" ] || [ "$ROOT/scripts/bench/faiss_anchor.cpp" -nt "$ANCHOR" ] || [ "$LIB" -nt "$ANCHOR" ]; then
  # The flags faiss_avx2 itself is compiled with (faiss/CMakeLists.txt), so the inline code of its headers
  # is the AVX2 variant on both sides.
  "${NICE[@]}" g++ -std=c++17 -O3 -DNDEBUG -mavx2 -mfma -mf16c -mpopcnt -fopenmp -I"$SRC" \
    "$ROOT/scripts/bench/faiss_anchor.cpp" "$LIB" -llapack -lblas -o "$ANCHOR"
fi
[ "$BUILD_ONLY" = 1 ] && { echo "bench-faiss-avx2: built $ANCHOR"; exit 0; }

# 4. The codes bench_scan scans, for this N.
DUMP="$OUT/dump"
mkdir -p "$DUMP"
if [ "$(stat -c %s "$DUMP/pq4_M16_codes.u8" 2>/dev/null || echo 0)" != $((N * 16)) ] ||
   [ "$(stat -c %s "$DUMP/pq8_M2_codes.u8" 2>/dev/null || echo 0)" != $((N * 2)) ]; then
  echo "bench-faiss-avx2: no dump for N = $N in $DUMP: bench_scan --n $N --dump (figures to $OUT/native.txt)"
  "${NICE[@]}" cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DDQ_BUILD_TRAINER=OFF >/dev/null
  "${NICE[@]}" cmake --build "$BUILD_DIR" -j"$JOBS" --target bench_scan >/dev/null
  "$BUILD_DIR/tests/bench/bench_scan" --n "$N" --dump "$DUMP" > "$OUT/native.txt"
fi

# 5. The anchor, one thread (it calls omp_set_num_threads(1); OMP_NUM_THREADS=1 as well).
echo "=== Faiss $UPSTREAM AVX2 (Debian source, C++, $ANCHOR, one thread) ==="
OMP_NUM_THREADS=1 "$ANCHOR" "$DUMP" "$N" "$REPS" | tee "$OUT/faiss-avx2.txt"
if [ "${NO_SUMMARY:-0}" != 1 ]; then
  files=()
  grep -qs "N = $N," "$OUT/native.txt" && files+=("$OUT/native.txt")
  files+=("$OUT/faiss-avx2.txt")
  echo; echo "=== summary: M codes/s (scan alone / scan + top-10) ==="
  /usr/bin/python3 "$ROOT/scripts/bench/scan_summary.py" "${files[@]}"
fi
