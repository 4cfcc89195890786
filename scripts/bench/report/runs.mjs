// Every run, one row per ranking, and the failed runs with their messages.
import path from 'node:path';
import { pct } from './markdown.mjs';

export function writeRuns(c, doc) {
  const { w, table } = doc;
  const { RAW, rel, runs, evalsOf } = c;
  w('## All runs');
  w();
  w('Every training and baseline run, one row per ranking: MAP@All, MAP@1000, P@100 (%), wall-clock seconds of the command');
  w('(marked † when it loaded the shared pretrained autoencoder instead of pretraining).');
  w();
  {
    const rows = [];
    for (const r of [...runs].sort((a, b) => a.id.localeCompare(b.id))) {
      if (r.status !== 'ok') { rows.push([`\`${r.id}\``, '–', '**failed**', '', '', r.seconds.toFixed(0)]); continue; }
      const cached = r.report?.training?.log?.pretrained_cache === 'loaded' ? ' †' : '';
      for (const e of evalsOf(r)) rows.push([`\`${r.id}\``, e.mode, pct(e.map_all), pct(e.map_at_k), pct(e.precision_at_k), r.seconds.toFixed(0) + cached]);
    }
    table(['run', 'ranking', 'MAP@All', 'MAP@1000', 'P@100', 'seconds'], rows);
  }
  const allFailed = runs.filter((r) => r.status !== 'ok');
  w('## Failed runs');
  w();
  if (allFailed.length === 0) w('None.');
  for (const r of allFailed) w(`- \`${r.id}\`: ${r.message || 'no message'} (command: \`${r.command.replace(/^\S*\//, '')}\`, log: \`${rel(path.join(RAW, 'logs', r.id + '.log'))}\`)`);
  w();
}
