#!/usr/bin/env bash
# Regenerates the benchmark report from scratch on this machine: paper reproduction (quality), speed (scan,
# encode, end-to-end query latency, training time) and sizes. Figures, not tests. `scripts/bench.sh --help`
# lists the options (--quick, --out, --seeds, --datasets, --resume, --keep-sources, --rerun, --only, --dry-run).
#
# The benchmark is the program scripts/bench.mjs: the run list is scripts/bench/matrix.mjs, its execution
# (records, resume, source hash, keep checks) scripts/bench/runner.mjs, the report scripts/bench/report/.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
exec node scripts/bench.mjs "$@"
