// The benchmark steps that are not matrix runs: build, data, the scan and package benchmarks (their own
// scripts), database sizes and encode timings, end-to-end latency. Each writes its output under RAW/logs.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

/// Runs argv with stdout and stderr into `log` (appended when `append`); returns the exit status (127: no such command).
export function logged(argv, log, { append = false, env, cwd } = {}) {
  const fd = fs.openSync(log, append ? 'a' : 'w');
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd], env: env ? { ...process.env, ...env } : process.env, cwd });
  fs.closeSync(fd);
  return r.error ? 127 : r.status ?? 128;
}
export const tail = (file, n) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-(n + 1)).join('\n') : '');
const seconds = (t0) => +(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(3);

/// Database bytes for exactly 10,000 items (mnist10k with the 32-bit model, with and without thumbnails) and the
/// one-thread encode time, then the same encode over the run's 1,000 queries: the difference between the two is
/// the cost of 9,000 encodes without the fixed costs (process start, model load). Writes RAW/db10k-*.json, db1k-*.json.
export function encodeSizes({ bin, model, raw, runsDir, root }) {
  for (const th of ['thumbs', 'nothumbs']) {
    const db = path.join(runsDir, `db10k-${th}.dqdb`);
    const t0 = process.hrtime.bigint();
    logged([bin, 'encode', '--threads', '1', '--model', model, '--images', path.join(root, 'data/mnist10k/images-idx3-ubyte.gz'),
      ...(th === 'nothumbs' ? ['--no-thumbnails'] : []), '--out', db], path.join(raw, 'logs', `encode-${th}.log`));
    const secs = seconds(t0);
    const rawBytes = fs.existsSync(db) ? fs.statSync(db).size : 0;
    // gzip(1) itself, as the figures have always been measured (its header carries the file name).
    const gz = fs.existsSync(db) ? spawnSync('gzip', ['-9c', db], { maxBuffer: 1 << 30 }).stdout.length : 0;
    fs.writeFileSync(path.join(raw, `db10k-${th}.json`),
      JSON.stringify({ what: th, items: 10000, bits: 32, raw: rawBytes, gzip: gz, native_encode_seconds_1thread: secs }) + '\n');
  }
  const t0 = process.hrtime.bigint();
  logged([bin, 'encode', '--threads', '1', '--model', model, '--images', path.join(path.dirname(model), 'queries-idx3-ubyte.gz'), '--no-thumbnails',
    '--out', path.join(runsDir, 'db1k-nothumbs.dqdb')], path.join(raw, 'logs', 'encode-1k.log'));
  fs.writeFileSync(path.join(raw, 'db1k-nothumbs.json'),
    JSON.stringify({ what: 'nothumbs', items: 1000, bits: 32, native_encode_seconds_1thread: seconds(t0) }) + '\n');
}
