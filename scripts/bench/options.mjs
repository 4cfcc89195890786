// scripts/bench.sh's command line: the options, their checks (exit status 2 with a message) and the --help text.

export const HELP = `Regenerates the benchmark report from scratch on this machine: paper reproduction (quality),
speed (scan, encode, end-to-end query latency, training time) and sizes. Figures, not tests.

  scripts/bench.sh [--quick] [--out results/BENCHMARKS.md] [--seeds N] [--datasets "mnist10k fashion70k"] [--resume]
                   [--keep-sources HASH[,HASH]] [--rerun ID-GLOB[,ID-GLOB]] [--only ID-GLOB[,ID-GLOB]]
                   [--part NAME[,NAME]] [--dry-run]

--quick   mnist10k only, one seed, training shortened to 300 pretraining + 150 alternating
          iterations, a small λ/s grid, scans over N = 200,000 codes: 43 trainings and baselines,
          about 20-25 minutes on 2 idle cores. The report says it is a quick run.
default   mnist10k and fashion70k, 3 seeds (--seeds), the trainer's own iteration counts, the
          paper's λ and s ranges, scans over N = 1,000,000 codes: about 110 trainings of roughly
          10 minutes each on 2 idle cores, so most of a day; --resume continues an interrupted run.
Raw outputs (JSON, logs, SVG) go to results/bench/ next to the report; training directories
(models, databases) to build/bench/runs/. A training or baseline that fails is recorded as failed
with its message and shown so in the tables; nothing is filled in.
--datasets restricts the quality runs to the named datasets (in the order given; the first one also
          serves sizes and the λ/s grid, the last one the end-to-end latency), e.g. to run the full
          mode on mnist10k alone (about 2.5 hours) first and add fashion70k another day with
          --datasets "mnist10k fashion70k" --resume (the mnist10k runs are then kept).
--resume keeps the raw outputs of an interrupted run of the same mode and skips every training or
baseline that already finished with the same command, the training-speed runs included (the scan,
package, size and end-to-end steps always run again).
Trainings and DAE-PQ baselines of the same dataset, bits and seed share one pretrained autoencoder
(\`--pretrained\`, under build/bench/runs/pretrained/): the first one pretrains, the others load it and
end byte-identical to a run that pretrained itself (tests/e2e), which saves about a third of full mode.
The cache flag is not part of a run's recorded command; report.json says whether it was loaded.
Every run records a hash of the core/ and trainer/ sources it was built from and of the trainer's -march;
--resume keeps only runs of the same sources (and the cache is per source hash), so a changed trainer
reruns everything.
--keep-sources HASH (with --resume) also keeps the finished runs of those earlier sources, for a change
          that cannot move a finished run (a guard that refused runs, say), but only after proof: one kept
          training of each such hash per dataset (<dataset>-deepquan-b32-s0 if there is one, else its
          shortest) is run again with the current build and must give the very same MAP@All, MAP@1000
          and P@100 in every ranking, or the bench stops. The report lists how many runs came from which
          sources and the checks.
--rerun ID-GLOB (with --resume) drops the finished runs whose id matches (e.g. 'fashion70k-deepquan-*')
          before anything else, so they run again: for a change that moves only those runs (one
          dataset's default), whose other runs --keep-sources then keeps after its checks.
--only ID-GLOB runs only the matrix runs whose id matches (e.g. 'mnist10k-deepquan-k16-*,mnist10k-pq-*'),
          in the matrix's order, and nothing else: no scan, package, database-size or end-to-end step.
          It never empties the raw outputs (finished runs of the same command and sources are kept, as
          with --resume), and it does not rewrite the report (a subset would relabel it): it writes the
          K = 16 results (results/bench/k16/k16.{md,json,svg} next to --out) when the raw outputs hold
          K = 16 runs; \`node scripts/bench-report.mjs\` rebuilds the report from everything finished.
--part NAME runs one part of the full benchmark (a name or a pattern: 'quality-mnist10k-*'); \`--dry-run\`
          lists the parts: speed (scan, package, training speed, sizes, end to end), quality-DATASET-sSEED,
          clipart-sSEED, grid, peers, each of about 1 to 2 hours on 2 idle cores. A part never empties the
          raw outputs, skips what finished with the same command and sources (so it resumes), trains a
          model a later step needs when its directory is gone, and records RAW/parts/NAME.json (sources,
          revision, runs, steps, times). \`node scripts/bench-report.mjs\` then assembles the report from
          the parts of one source hash, and refuses (exit 1) while one is missing or of other sources.
--dry-run prints the settings and the run list (with --resume: which runs are already done, as far as
          the last build's source hash tells) and runs nothing.
Order: machine, build, speed (including training speed at 1 and 2 threads) and sizes (minutes), then the
quality runs (the long part).
Environment: BUILD_DIR (default build/bench), DQ_PKG_DIR (wasm package, default wasm/dist),
             THREADS (trainer threads, default 2).
The program: scripts/bench.mjs over scripts/bench/ (matrix.mjs: the run list; runner.mjs: runs, resume,
keep checks; report/: the report).`;

export class UsageError extends Error {}

/// The options of `argv` (after the program name), or throws UsageError.
export function parseOptions(argv) {
  const o = { quick: false, out: 'results/BENCHMARKS.md', seeds: 3, resume: false, datasets: null, keepSources: [], rerun: [], only: [], part: [], dryRun: false, help: false };
  const need = (i, what) => {
    if (i + 1 >= argv.length || argv[i + 1] === '') throw new UsageError(`${argv[i]} needs ${what}`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--out') o.out = need(i++, 'a path');
    else if (a === '--seeds') {
      const v = need(i++, 'a number');
      if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`--seeds: '${v}' is not a positive whole number`);
      o.seeds = +v;
    } else if (a === '--resume') o.resume = true;
    else if (a === '--datasets') o.datasets = need(i++, 'a list').split(/\s+/).filter(Boolean);
    else if (a === '--keep-sources') o.keepSources = need(i++, 'source hashes').split(/[\s,]+/).filter(Boolean);
    else if (a === '--rerun') o.rerun = need(i++, 'run-id patterns').split(/[\s,]+/).filter(Boolean);
    else if (a === '--only') o.only = need(i++, 'run-id patterns').split(/[\s,]+/).filter(Boolean);
    else if (a === '--part') o.part = need(i++, 'part names').split(/[\s,]+/).filter(Boolean);
    else if (a === '--dry-run') o.dryRun = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new UsageError(`unknown argument '${a}' (expected --quick, --out FILE, --seeds N, --datasets LIST, --resume, --keep-sources HASHES, --rerun PATTERNS, --only PATTERNS, --part NAMES, --dry-run)`);
  }
  if (o.help) return o;
  for (const h of o.keepSources) {
    if (!/^[0-9a-f]{12}$/.test(h)) throw new UsageError(`--keep-sources: '${h}' is not a 12-digit source hash (see "sources" in a run's JSON)`);
  }
  if (o.keepSources.length && !o.resume) throw new UsageError('--keep-sources only makes sense with --resume');
  if (o.rerun.length && !o.resume) throw new UsageError('--rerun only makes sense with --resume');
  if (o.part.length && o.only.length) throw new UsageError('--part and --only both choose the runs: give one of them');
  if (o.part.length && o.quick) throw new UsageError('--part: the parts are those of the full benchmark (--quick runs whole in minutes)');
  if (o.part.length === 0 && argv.includes('--part')) throw new UsageError('--part needs part names');
  for (const [flag, gs] of [['--rerun', o.rerun], ['--only', o.only], ['--part', o.part]]) {
    for (const g of gs) {
      if (!/^[A-Za-z0-9.*?_-]+$/.test(g)) throw new UsageError(`${flag}: '${g}' is not a run-id pattern (letters, digits, . _ - and * ?)`);
    }
  }
  // `--only ,` is a list of separators: it would select nothing, which is a mistake rather than a request.
  if (o.only.length === 0 && argv.includes('--only')) throw new UsageError('--only needs run-id patterns');
  return o;
}
