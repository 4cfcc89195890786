// machine.json: what the benchmark ran on and with which settings (the report's Machine table reads it back).
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';

const SIMD = ['sse4_1', 'sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512vbmi', 'avx512_vnni'];
const first = (cmd, args, opts = {}) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], ...opts }).split('\n')[0];
  } catch {
    return null;
  }
};

/// The CPU model and the SIMD flags the benchmark cares about, from /proc/cpuinfo text.
export function cpuInfo(text) {
  const model = (text.match(/^model name\s*:\s*(.*)$/m) || [])[1] ?? '';
  const flags = ` ${(text.match(/^flags\s*:(.*)$/m) || [])[1] ?? ''} `;
  return { cpu: model, simd: SIMD.filter((f) => flags.includes(` ${f} `)) };
}

/// "3.1.6" from `emcc --version`'s first line ("emcc (Emscripten gcc/clang-like replacement) 3.1.6 (...)").
export const emccVersion = (line) => (line ? line.replace(/.*\) /, '').replace(/ \(.*/, '') : null);

/// The machine.json object. settings: benchSettings; opts: parseOptions; the rest as named.
export function describeMachine({ root, settings, opts, sources, march, t0 }) {
  const { cpu, simd } = cpuInfo(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '');
  const memKb = +((fs.existsSync('/proc/meminfo') ? fs.readFileSync('/proc/meminfo', 'utf8') : '').match(/^MemTotal:\s*(\d+)/m) || [0, 0])[1];
  const rev = first('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }) ?? 'unknown';
  const dirty = (first('git', ['status', '--porcelain', '--', 'core', 'trainer', 'wasm'], { cwd: root }) ?? '') !== '';
  const d = new Date();
  const p2 = (n) => String(n).padStart(2, '0');
  return {
    mode: settings.mode, seeds: settings.seeds, scan_n: settings.scanN, cpu, simd_flags: simd,
    cores: +(first('nproc', []) ?? os.availableParallelism()), mem_gib: +(memKb / 1048576).toFixed(1), node: process.version,
    gxx: first('g++', ['--version']) ?? '', emcc: emccVersion(first('emcc', ['--version'])) || 'not found', kernel: `${os.type()} ${os.release()}`,
    train_flags: settings.trainFlags.join(' '), trainer_march: march || 'compiler default',
    date: `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())} UTC`,
    revision: rev + (dirty ? ' + uncommitted changes in core/trainer/wasm' : ''), sources, keep_sources: opts.keepSources,
    load_at_start: os.loadavg(), started_unix: t0, rerun: opts.rerun,
  };
}
