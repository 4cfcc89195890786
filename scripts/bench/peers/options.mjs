// scripts/bench-peers.mjs's command line: the options, their checks (UsageError, exit status 2) and --help.

export const HELP = `Runs DeepQuan and the npm vector-search packages a user would pick instead on the same vectors and
queries, and writes OUT/peers.json, OUT/peers.md and OUT/peers-latency-recall.svg. Figures, not a test.

  node scripts/bench-peers.mjs --run DIR [--dataset NAME] [--synthetic N] [--queries Q] [--runs R]
                               [--out DIR] [--pkg DIR] [--engines LIST] [--trainer BIN] [--chromium] [--quick]

--run DIR       a \`deepquan train --out DIR\` directory (model.dqm, gallery.dqdb, queries.dqdb); the
                vectors every peer gets are the model's latent vectors z (index.embed) of the gallery
                images, the queries the z of the query images.
--dataset NAME  the dataset the run was trained on (fashion70k, mnist10k): a label only, checked
                against the model's provenance.
--synthetic N   instead of the run's gallery, N seeded jittered copies of its images (so DeepQuan
                indexes them through its encoder like any image) and their z for the peers: speed
                runs at N = 1000000. Recall against exact is still computed (on --queries queries).
--queries Q     how many of the run's queries to run (default all).
--runs R        timed repetitions of every build and query pass (default 3, at least 3 unless --quick).
--engines LIST  comma-separated subset of: ENGINES_LIST.
--trainer BIN   the native deepquan binary: with it DeepQuan also runs as a page would serve a gallery
                too large for one download, a streamed collection (\`deepquan export-collection\`):
                the page fetches the model and the codes before its first search, the thumbnails
                of the hits later, per media file. Without it that row says it was not measured.
--chromium      also time every engine that has a browser build in Debian's Chromium (headless, one
                fresh browser per engine, the same settings, passes and queries): p50 / p99 and
                recall@10 of what the page returned, beside the Node figures.
--quick         smoke run of seconds: 2000 gallery items, 50 queries, 1 run, one setting per engine.
--out DIR       default results/peers. --pkg DIR: the deepquan package (default wasm/dist).`;

export const ENGINES = ['deepquan', 'exact', 'edgevec', 'usearch', 'hnswlib-wasm', 'voy-search'];

export class UsageError extends Error {}

const positive = (flag, v) => {
  if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`${flag}: '${v}' is not a positive whole number`);
  return +v;
};

/// The options of `argv` (after the program name), or throws UsageError.
export function parseOptions(argv) {
  const o = { run: null, dataset: null, synthetic: 0, queries: 0, runs: 0, out: 'results/peers', pkg: 'wasm/dist',
              engines: [...ENGINES], trainer: null, quick: false, chromium: false, help: false };
  const need = (i, what) => {
    if (i + 1 >= argv.length || argv[i + 1] === '' || argv[i + 1].startsWith('--')) throw new UsageError(`${argv[i]} needs ${what}`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--run') o.run = need(i++, 'a directory');
    else if (a === '--dataset') o.dataset = need(i++, 'a dataset name');
    else if (a === '--synthetic') o.synthetic = positive(a, need(i++, 'a number'));
    else if (a === '--queries') o.queries = positive(a, need(i++, 'a number'));
    else if (a === '--runs') o.runs = positive(a, need(i++, 'a number'));
    else if (a === '--out') o.out = need(i++, 'a directory');
    else if (a === '--pkg') o.pkg = need(i++, 'a directory');
    else if (a === '--trainer') o.trainer = need(i++, 'a path');
    else if (a === '--engines') {
      o.engines = need(i++, 'a list').split(/[\s,]+/).filter(Boolean);
      for (const e of o.engines) if (!ENGINES.includes(e)) throw new UsageError(`--engines: unknown engine '${e}' (expected ${ENGINES.join(', ')})`);
    } else if (a === '--quick') o.quick = true;
    else if (a === '--chromium') o.chromium = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new UsageError(`unknown argument '${a}' (expected --run DIR, --dataset NAME, --synthetic N, --queries Q, --runs R, --engines LIST, --out DIR, --pkg DIR, --trainer BIN, --chromium, --quick)`);
  }
  if (o.help) return o;
  if (!o.run) throw new UsageError('--run DIR is required (a `deepquan train --out DIR` directory: the model, its gallery and queries)');
  if (o.dataset && !/^[a-z0-9_-]+$/i.test(o.dataset)) throw new UsageError(`--dataset: '${o.dataset}' is not a dataset name`);
  if (o.runs === 0) o.runs = o.quick ? 1 : 3;
  else if (o.runs < 3 && !o.quick) throw new UsageError(`--runs ${o.runs}: timings are the median of at least 3 runs (use --quick for a smoke run)`);
  return o;
}

export const helpText = () => HELP.replace("ENGINES_LIST", ENGINES.join(', '));
