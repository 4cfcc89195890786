// scripts/bench/stats.mjs: the figures every table and latency line rests on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, meanStd, poolMeanStd, median, quantile, latencyStats } from '../../scripts/bench/stats.mjs';

test('meanStd is the sample (n − 1) standard deviation, 0 for one value', () => {
  const s = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(s.mean, 5);
  assert.equal(s.n, 8);
  assert.ok(Math.abs(s.std - Math.sqrt(32 / 7)) < 1e-12, `sample std, not population (2): ${s.std}`);
  assert.deepEqual(meanStd([0.6]), { mean: 0.6, std: 0, n: 1 });
  assert.ok(Math.abs(meanStd([1, 2]).std - 1 / Math.SQRT2) < 1e-12, 'two runs: their difference / √2');
  assert.equal(mean([1, 2, 6]), 3);
});

test('median: middle value, or the mean of the two middle ones; the input is not reordered', () => {
  const xs = [0.3, 0.1, 0.2];
  assert.equal(median(xs), 0.2);
  assert.deepEqual(xs, [0.3, 0.1, 0.2]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([10, 2]), 6);
});

test('quantile and latencyStats keep the timing scripts\' floor(p · n) convention', () => {
  const s = [1, 2, 3, 4];
  assert.equal(quantile(s, 0.5), 3, 'upper middle of an even count');
  assert.equal(quantile(s, 0.9), 4);
  assert.equal(quantile(s, 1), 4, 'clamped to the last');
  const l = latencyStats([5, 1, 4, 2, 3, 10, 6, 7, 8, 9]);
  assert.deepEqual(l, { runs: 10, median_ms: 6, p10_ms: 2, p90_ms: 10, min_ms: 1, max_ms: 10 });
});

test('poolMeanStd of two samples is meanStd of their union, for every split', () => {
  const xs = [0.349, 0.3512, 0.3377, 0.36, 0.3301, 0.3488];
  for (let k = 0; k <= xs.length; k++) {
    const p = poolMeanStd(meanStd(xs.slice(0, k)), meanStd(xs.slice(k)));
    const all = meanStd(xs);
    assert.equal(p.n, all.n, `split at ${k}: count`);
    assert.ok(Math.abs(p.mean - all.mean) < 1e-15 && Math.abs(p.std - all.std) < 1e-15, `split at ${k}: ${JSON.stringify(p)} against ${JSON.stringify(all)}`);
  }
  assert.deepEqual(poolMeanStd(meanStd([0.5]), meanStd([])), { mean: 0.5, std: 0, n: 1 });
});
