// The benchmark report: buildReport(data) returns the markdown and its SVG figures, section by section, from
// what loadReportData read; writeReport puts them on disk (the figures beside the raw files, which the report links).
import fs from 'node:fs';
import path from 'node:path';
import { loadReportData } from './data.mjs';
import { markdownDoc } from './markdown.mjs';
import { svgPlot } from './svg-plot.mjs';
import { writeK16 } from './k16.mjs';
import { writeHeader, writeMachine, writeParts } from './header.mjs';
import { writeQuality } from './quality.mjs';
import { writeFig2, writeFig4 } from './figures.mjs';
import { writeSpeed, writeTrainingTime } from './speed.mjs';
import { writeSize } from './size.mjs';
import { writeRuns } from './runs.mjs';
import { writePeers } from './peers.mjs';

export { loadReportData };

/// { markdown, figures: Map(file name -> SVG text), runs, failed } of the loaded raw data.
export function buildReport(data) {
  const figures = new Map();
  // A figure is written beside the raw files; the report links it relative to itself.
  const figure = (name, spec, plot = svgPlot) => {
    const svg = plot(spec);
    if (!svg) return null;
    figures.set(name, svg);
    return data.rel(path.join(data.RAW, name));
  };
  const c = { ...data, figure };
  const doc = markdownDoc();
  for (const section of [writeHeader, writeMachine, writeParts, writeQuality, writeK16, writeFig2, writeFig4, writeSpeed, writeTrainingTime, writeSize, writePeers, writeRuns])
    section(c, doc);
  return { markdown: doc.text(), figures, runs: data.runs.length, failed: data.runs.filter((r) => r.status !== 'ok').length };
}

/// Reads `raw`, writes the report to `out` and its figures into `raw`; returns buildReport's summary.
export function writeReport({ raw, out, pkg, sources = null }) {
  const data = loadReportData({ raw, out, pkg, sources });
  const rep = buildReport(data);
  for (const [name, svg] of rep.figures) fs.writeFileSync(path.join(data.RAW, name), svg);
  fs.mkdirSync(path.dirname(data.OUT), { recursive: true });
  fs.writeFileSync(data.OUT, rep.markdown);
  return { ...rep, out: data.OUT };
}
