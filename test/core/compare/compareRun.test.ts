import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { compareRuns, metricKeysOf, RUN_PALETTE, runColor } from '../../../src/core/compare/compareRun';
import { tempDir } from '../../helpers/tmp';

test('compared runs carry params, latest metrics, tags, parent, experiment name and a colour by position', async () => {
  const s = await openStore(tempDir());
  try {
    const exp = T.createExperiment(s, { name: 'cmp' });
    const parent = T.createRun(s, { experiment_id: exp, run_name: 'parent', start_time: 100 }).info.run_id;
    const child = T.createRun(s, { experiment_id: exp, run_name: 'child', start_time: 200, tags: [{ key: 'mlflow.parentRunId', value: parent }] }).info.run_id;
    T.logBatch(s, child, {
      params: [{ key: 'lr', value: '0.1' }],
      metrics: [
        { key: 'loss', value: 0.9, timestamp: 1, step: 0 },
        { key: 'loss', value: 0.2, timestamp: 2, step: 5 },
        { key: 'loss', value: 0.5, timestamp: 3, step: 1 },
        { key: 'acc', value: NaN, timestamp: 1, step: 0 },
      ],
      tags: [{ key: 'team', value: 'x' }],
    });
    T.updateRun(s, parent, { status: 'FINISHED', end_time: 150 });
    const runs = compareRuns(s, [child, 'doesnotexist', parent]);
    assert.deepEqual(
      runs.map((r) => r.name),
      ['child', 'parent'],
    );
    const [c, p] = runs;
    assert.equal(c.experimentName, 'cmp');
    assert.equal(c.experimentId, exp);
    assert.equal(c.status, 'RUNNING');
    assert.equal(c.startTime, 200);
    assert.equal(c.endTime, undefined);
    assert.deepEqual(c.params, { lr: '0.1' });
    assert.equal(c.metrics.loss, 0.2, 'latest = max step, not last logged');
    assert.ok(Number.isNaN(c.metrics.acc));
    assert.equal(c.tags.team, 'x');
    assert.equal(c.parentRunId, parent);
    assert.equal(p.endTime, 150);
    assert.equal(p.status, 'FINISHED');
    assert.equal(c.color, runColor(0));
    assert.equal(p.color, runColor(2), 'the colour follows the position in the panel, missing runs included');
    assert.deepEqual(metricKeysOf(s, [child, parent]), ['acc', 'loss']);
  } finally {
    s.close();
  }
});

function luminance(hex: string): number {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((x) => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

test('the palette is distinct and readable (3:1) on light and dark editor backgrounds', () => {
  assert.equal(new Set(RUN_PALETTE).size, RUN_PALETTE.length);
  assert.ok(RUN_PALETTE.length >= 8);
  for (const c of RUN_PALETTE) {
    assert.match(c, /^#[0-9a-f]{6}$/);
    assert.ok(contrast(c, '#ffffff') >= 3, `${c} on white: ${contrast(c, '#ffffff')}`);
    assert.ok(contrast(c, '#1e1e1e') >= 3, `${c} on dark: ${contrast(c, '#1e1e1e')}`);
  }
  assert.equal(runColor(RUN_PALETTE.length), RUN_PALETTE[0]);
});
