import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { pointCount, pointsSince, SeriesFeed } from '../../../src/core/compare/seriesFeed';
import { tempDir } from '../../helpers/tmp';

const pts = (from: number, to: number, key = 'loss') =>
  Array.from({ length: to - from }, (_, i) => ({ key, value: (from + i) / 10, timestamp: 1000 + from + i, step: from + i }));

test('deltas carry only the new points of tracked run × key pairs, in logging order', async () => {
  const s = await openStore(tempDir());
  try {
    const exp = T.createExperiment(s, { name: 'live' });
    const run = T.createRun(s, { experiment_id: exp }).info.run_id;
    T.logBatch(s, run, { metrics: [...pts(0, 5), ...pts(0, 3, 'acc')] });
    const feed = new SeriesFeed();
    assert.deepEqual(feed.deltas(s, [[run, ['loss']]]), [], 'untracked pairs produce nothing');
    feed.mark(run, 'loss', pointCount(s, run, 'loss'));
    assert.equal(feed.sentCount(run, 'loss'), 5);
    assert.deepEqual(feed.deltas(s, [[run, ['loss']]]), [], 'nothing new yet');

    T.logBatch(s, run, { metrics: [...pts(5, 8), ...pts(3, 4, 'acc')] });
    T.logMetric(s, run, { key: 'loss', value: 99, timestamp: 2000, step: 2 }); // late point for an old step
    const [d, ...rest] = feed.deltas(s, [[run, ['loss', 'acc']]]);
    assert.equal(rest.length, 0, 'acc is not tracked');
    assert.equal(d.runId, run);
    assert.equal(d.key, 'loss');
    assert.deepEqual([...d.steps], [5, 6, 7, 2]);
    assert.deepEqual([...d.values], [0.5, 0.6, 0.7, 99]);
    assert.deepEqual([...d.timestamps], [1005, 1006, 1007, 2000]);
    assert.equal(feed.sentCount(run, 'loss'), 9);
    assert.deepEqual(feed.deltas(s, [[run, ['loss']]]), [], 'a delta is sent once');
    assert.deepEqual(feed.keysOf(run), ['loss']);
  } finally {
    s.close();
  }
});

test('pointsSince skips whole chunks and starts inside a chunk; merged chunks read the same', async () => {
  const dir = tempDir();
  const s = await openStore(dir);
  try {
    const exp = T.createExperiment(s, { name: 'chunks' });
    const run = T.createRun(s, { experiment_id: exp }).info.run_id;
    for (let i = 0; i < 10; i++) T.logBatch(s, run, { metrics: pts(i * 3, i * 3 + 3) });
    assert.equal(pointCount(s, run, 'loss'), 30);
    const before = pointsSince(s, run, 'loss', 7);
    assert.deepEqual(
      [...before.steps],
      Array.from({ length: 23 }, (_, i) => 7 + i),
    );
    // Small chunks are merged as they pile up (eight of a size into one): 8 × 3 points became one chunk.
    assert.equal(s.one<{ c: number }>('SELECT count(*) AS c FROM metric_chunks WHERE run_uuid = ?', [run])!.c, 3);
    s.snapshot();
    const after = pointsSince(s, run, 'loss', 7);
    assert.deepEqual([...after.steps], [...before.steps]);
    assert.deepEqual([...after.values], [...before.values]);
    assert.equal(pointsSince(s, run, 'loss', 30).steps.length, 0);
    assert.equal(pointsSince(s, run, 'nope', 0).steps.length, 0);
    assert.equal(pointCount(s, run, 'nope'), 0);
  } finally {
    s.close();
  }
});

test('a pair tracked before its first point streams from zero; a shrunk history re-bases silently', async () => {
  const s = await openStore(tempDir());
  try {
    const exp = T.createExperiment(s, { name: 'fresh' });
    const run = T.createRun(s, { experiment_id: exp }).info.run_id;
    const feed = new SeriesFeed();
    feed.mark(run, 'loss', 0);
    T.logBatch(s, run, { metrics: pts(0, 2) });
    assert.deepEqual([...feed.deltas(s, [[run, new Set(['loss'])]])[0].steps], [0, 1]);
    feed.mark(run, 'loss', 50);
    assert.deepEqual(feed.deltas(s, [[run, ['loss']]]), []);
    assert.equal(feed.sentCount(run, 'loss'), 2);
  } finally {
    s.close();
  }
});
