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
/// the cost of 9,000 encodes without the fixed costs (process start, model load). The two timed commands (10,000
/// and 1,000 images, no thumbnails) run `repeat` times, alternating, so each repetition gives one difference and the
/// report a median with its range. Writes RAW/db10k-*.json, db1k-*.json.
export function encodeSizes({ bin, model, raw, runsDir, root, repeat = 3 }) {
  const encode = (images, out, noThumbs, log) => {
    const t0 = process.hrtime.bigint();
    logged([bin, 'encode', '--threads', '1', '--model', model, '--images', images, ...(noThumbs ? ['--no-thumbnails'] : []), '--out', out], log);
    return seconds(t0);
  };
  const mnist = path.join(root, 'data/mnist10k/images-idx3-ubyte.gz'), queries = path.join(path.dirname(model), 'queries-idx3-ubyte.gz');
  const t10k = [], t1k = [];
  for (let r = 0; r < repeat; r++) {
    t10k.push(encode(mnist, path.join(runsDir, 'db10k-nothumbs.dqdb'), true, path.join(raw, 'logs', 'encode-nothumbs.log')));
    t1k.push(encode(queries, path.join(runsDir, 'db1k-nothumbs.dqdb'), true, path.join(raw, 'logs', 'encode-1k.log')));
  }
  const thumbs = encode(mnist, path.join(runsDir, 'db10k-thumbs.dqdb'), false, path.join(raw, 'logs', 'encode-thumbs.log'));
  const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  for (const th of ['thumbs', 'nothumbs']) {
    const db = path.join(runsDir, `db10k-${th}.dqdb`);
    const rawBytes = fs.existsSync(db) ? fs.statSync(db).size : 0;
    // gzip(1) itself, as the figures have always been measured (its header carries the file name).
    const gz = fs.existsSync(db) ? spawnSync('gzip', ['-9c', db], { maxBuffer: 1 << 30 }).stdout.length : 0;
    const times = th === 'thumbs' ? [thumbs] : t10k;
    fs.writeFileSync(path.join(raw, `db10k-${th}.json`),
      JSON.stringify({ what: th, items: 10000, bits: 32, raw: rawBytes, gzip: gz, native_encode_seconds_1thread: med(times), native_encode_seconds_runs: times }) + '\n');
  }
  fs.writeFileSync(path.join(raw, 'db1k-nothumbs.json'),
    JSON.stringify({ what: 'nothumbs', items: 1000, bits: 32, native_encode_seconds_1thread: med(t1k), native_encode_seconds_runs: t1k }) + '\n');
}
