#!/usr/bin/env node
// A tiny static server for the search page, bound to 127.0.0.1 only.
//
//   node scripts/serve.mjs [--data DIR] [--port N] [--web DIR] [--pkg DIR]
//
//   /        -> web/            (the page)
//   /pkg/    -> wasm/dist/      (the JavaScript package the page's worker imports)
//   /data/   -> DIR             (model.dqm, gallery.dqdb, queries.dqdb; --data or $DQ_DATA)
//
// --port 0 (the default) picks a free port. The first line on stdout is the page URL, so a script or
// test can read it: "serving http://127.0.0.1:PORT/". No compression and an exact Content-Length,
// so the page's streaming progress bar counts the bytes it will receive.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.gz': 'application/gzip',
};

/// Maps a URL path to a file under one of the mounts, or null. Never escapes a mount's root:
/// the decoded path is resolved and must stay inside it ("/data/../../etc/passwd" -> null).
export function resolveRequest(mounts, urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  if (p.includes('\0')) return null;
  // Longest prefix first, so "/pkg/" wins over "/".
  for (const [prefix, dir] of Object.entries(mounts).sort((a, b) => b[0].length - a[0].length)) {
    if (!dir) continue;
    if (p === prefix.slice(0, -1)) return { redirect: prefix };
    if (!p.startsWith(prefix)) continue;
    const root = path.resolve(dir);
    let file = path.resolve(root, '.' + path.posix.normalize('/' + p.slice(prefix.length)));
    if (file !== root && !file.startsWith(root + path.sep)) return null;
    return { file, root };
  }
  return null;
}

/// isolated: send COOP / COEP so pages are cross-origin isolated (every resource here is same-origin): Chromium
/// then gives performance.now() 5 µs steps instead of 100 µs, which benchmarks timing single queries need.
export function createServer({ web = path.join(ROOT, 'web'), pkg = path.join(ROOT, 'wasm', 'dist'), data = null, log = null, isolated = false } = {}) {
  const isolation = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
  const mounts = { '/': web, '/pkg/': pkg, '/data/': data };
  return http.createServer((req, res) => {
    const done = (status, body, headers = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
      if (log) log(`${status} ${req.method} ${req.url}`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return done(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    const hit = resolveRequest(mounts, req.url);
    if (!hit) return done(404, `not found: ${req.url}\n`);
    if (hit.redirect) return done(301, '', { Location: hit.redirect });
    let file = hit.file;
    let st;
    try {
      st = fs.statSync(file);
      if (st.isDirectory()) {
        file = path.join(file, 'index.html');
        st = fs.statSync(file);
      }
    } catch {
      return done(404, `not found: ${req.url}\n`);
    }
    const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': st.size,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...isolation,
    });
    if (log) log(`200 ${req.method} ${req.url} ${st.size}`);
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
}

function parseArgs(argv) {
  const o = { port: 0, data: process.env.DQ_DATA || null, web: undefined, pkg: undefined, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') {
      const s = val();
      o.port = Number(s);
      if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--port: expected 0..65535, got '${s}'`);
    } else if (a === '--data') o.data = val();
    else if (a === '--web') o.web = val();
    else if (a === '--pkg') o.pkg = val();
    else if (a === '--quiet') o.quiet = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown argument '${a}' (see --help)`);
  }
  return o;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`serve.mjs: ${e.message}`);
    process.exit(2);
  }
  if (o.help) {
    console.log('usage: node scripts/serve.mjs [--data DIR] [--port N (0 = free port)] [--web DIR] [--pkg DIR] [--quiet]');
    process.exit(0);
  }
  for (const [name, dir] of [['--data', o.data], ['--web', o.web], ['--pkg', o.pkg]]) {
    if (dir && !fs.existsSync(dir)) {
      console.error(`serve.mjs: ${name} ${dir}: no such directory`);
      process.exit(2);
    }
  }
  const server = createServer({ web: o.web, pkg: o.pkg, data: o.data, log: o.quiet ? null : (m) => console.error(m) });
  server.listen(o.port, '127.0.0.1', () => {
    const { port } = server.address();
    console.log(`serving http://127.0.0.1:${port}/`);
    if (!o.data) console.log('no --data DIR given: /data/ is not served (the page will say so)');
    else console.log(`data: ${path.resolve(o.data)} at /data/`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
