// The markdown document the report sections write into, and the number formats they share.
import zlib from 'node:zlib';

/// Lines of markdown: w(line) appends one, table(head, rows) a table and the blank line after it.
export function markdownDoc() {
  const lines = [];
  const w = (s = '') => lines.push(s);
  const table = (head, rows) => {
    w(`| ${head.join(' | ')} |`);
    w(`| ${head.map(() => '---').join(' | ')} |`);
    for (const r of rows) w(`| ${r.join(' | ')} |`);
    w();
  };
  return { w, table, lines, text: () => lines.join('\n') };
}

export const pct = (x, d = 2) => (100 * x).toFixed(d);
export const fmtMs = (x) => (x == null ? '–' : x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(x < 10 ? 2 : 1)} ms`);
export const fmtPaper = (v) => v.map((x) => x.toFixed(2)).join(' / ');
/// Bytes after zlib level 9 (gzip framing), as the size tables print them.
export const gz = (buf) => zlib.gzipSync(buf, { level: 9 }).length;
