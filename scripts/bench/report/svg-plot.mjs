// One SVG line plotter for the report's figures (Fig. 2 and Fig. 4 analogues): series of (x, y) points, optional
// log x axis, a legend on the right. Pure: returns the SVG text, or null when no point is finite.

export function svgPlot({ title, xLabel, yLabel, series, logX = false }) {
  const W = 720, H = 380, L = 64, R = 190, T = 36, B = 52;
  const pts = series.flatMap((s) => s.x.map((x, i) => [x, s.y[i]])).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0) return null;
  const fx = (x) => (logX ? Math.log10(x) : x);
  let [x0, x1] = [Math.min(...pts.map((p) => fx(p[0]))), Math.max(...pts.map((p) => fx(p[0])))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  const pad = (y1 - y0) * 0.08;
  y0 -= pad; y1 += pad;
  const sx = (x) => L + ((fx(x) - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  // Ticks at 1, 2 or 5 × 10^k, labelled with as many decimals as the step needs.
  const ticks = (a, b) => {
    const raw = (b - a) / 5, mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((x) => x >= raw);
    const dec = Math.max(0, -Math.floor(Math.log10(step)));
    const out = [];
    for (let v = Math.ceil(a / step) * step; v <= b + step * 1e-9; v += step) out.push([v, v.toFixed(dec)]);
    return out;
  };
  const fmtLog = (v) => String(+v.toPrecision(3));
  let o = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">\n`;
  o += `<rect width="${W}" height="${H}" fill="white"/>\n<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>\n`;
  for (const [yv, label] of ticks(y0, y1)) {
    const y = sy(yv);
    o += `<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${L - 6}" y="${y + 4}" text-anchor="end">${label}</text>\n`;
  }
  const xt = logX ? [...new Set(pts.map((p) => p[0]))].sort((a, b) => a - b).map((v) => [v, fmtLog(v)]) : ticks(x0, x1);
  for (const [xv, label] of xt) {
    const x = logX ? sx(xv) : L + ((xv - x0) / (x1 - x0)) * (W - L - R);
    o += `<line x1="${x}" x2="${x}" y1="${T}" y2="${H - B}" stroke="#eee"/><text x="${x}" y="${H - B + 16}" text-anchor="middle">${label}</text>\n`;
  }
  o += `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#333"/>\n`;
  o += `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>\n`;
  o += `<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>\n`;
  series.forEach((s, k) => {
    const c = colors[k % colors.length];
    const p = s.x.map((x, i) => [x, s.y[i]]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (p.length) {
      o += `<polyline fill="none" stroke="${c}" stroke-width="2" points="${p.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>\n`;
      for (const [x, y] of p) o += `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${c}"/>\n`;
    }
    o += `<line x1="${W - R + 10}" x2="${W - R + 30}" y1="${T + 10 + 18 * k}" y2="${T + 10 + 18 * k}" stroke="${c}" stroke-width="2"/>`;
    o += `<text x="${W - R + 34}" y="${T + 14 + 18 * k}">${esc(s.name)}</text>\n`;
  });
  return o + '</svg>\n';
}

/// Grouped bars with ± error whiskers: `groups` labels the x positions, each series gives one bar per group (NaN:
/// none drawn there), `err` its half-height. The y axis starts at 0, so bar heights compare. Pure: returns the SVG
/// text, or null when no value is finite.
export function svgBars({ title, yLabel, groups, series }) {
  const vals = series.flatMap((s) => s.y.map((y, i) => y + (Number.isFinite(s.err?.[i]) ? s.err[i] : 0))).filter(Number.isFinite);
  if (vals.length === 0 || groups.length === 0) return null;
  const R = 200, L = 56, T = 36, B = 56, H = 400, slot = 14, gap = 24;
  const W = L + R + groups.length * (series.length * slot + gap);
  const y1 = Math.max(...vals) * 1.05 || 1;
  const sy = (y) => T + (1 - y / y1) * (H - T - B);
  const colors = ['#1f77b4', '#aec7e8', '#d62728', '#ff9896', '#2ca02c', '#98df8a', '#ff7f0e', '#ffbb78', '#9467bd', '#c5b0d5', '#8c564b', '#c49c94', '#7f7f7f', '#e377c2', '#bcbd22', '#17becf'];
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const step = [1, 2, 5, 10, 20].find((m) => y1 / m <= 8) ?? 20;
  let o = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">\n`;
  o += `<rect width="${W}" height="${H}" fill="white"/>\n<text x="${L}" y="20" font-size="14">${esc(title)}</text>\n`;
  for (let v = 0; v <= y1; v += step) {
    o += `<line x1="${L}" x2="${W - R}" y1="${sy(v)}" y2="${sy(v)}" stroke="#ddd"/><text x="${L - 6}" y="${sy(v) + 4}" text-anchor="end">${v}</text>\n`;
  }
  groups.forEach((g, gi) => {
    const x0 = L + gap / 2 + gi * (series.length * slot + gap);
    series.forEach((s, k) => {
      const y = s.y[gi];
      if (!Number.isFinite(y)) return;
      const x = x0 + k * slot, c = colors[k % colors.length];
      o += `<rect x="${x}" y="${sy(y).toFixed(1)}" width="${slot - 2}" height="${(sy(0) - sy(y)).toFixed(1)}" fill="${c}"><title>${esc(s.name)}: ${y.toFixed(2)}</title></rect>\n`;
      const e = s.err?.[gi];
      if (Number.isFinite(e) && e > 0) {
        const xm = (x + (slot - 2) / 2).toFixed(1);
        o += `<line x1="${xm}" x2="${xm}" y1="${sy(y + e).toFixed(1)}" y2="${sy(Math.max(0, y - e)).toFixed(1)}" stroke="#000"/>\n`;
      }
    });
    o += `<text x="${x0 + (series.length * slot) / 2}" y="${H - B + 16}" text-anchor="middle">${esc(g)}</text>\n`;
  });
  o += `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#333"/>\n`;
  o += `<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>\n`;
  series.forEach((s, k) => {
    o += `<rect x="${W - R + 10}" y="${T + 4 + 18 * k}" width="12" height="12" fill="${colors[k % colors.length]}"/><text x="${W - R + 28}" y="${T + 14 + 18 * k}">${esc(s.name)}</text>\n`;
  });
  return o + '</svg>\n';
}
