import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../../src/core/openStore';
import * as R from '../../../src/core/registry';
import * as T from '../../../src/core/tracking';
import { LocalBackend } from '../../../src/core/backend';
import { buildReport, reportJson, reportMarkdown } from '../../../src/core/ci/report';
import { historySvg, niceTicks, sparkline } from '../../../src/core/ci/svgChart';
import { tempDir } from '../../helpers/tmp';

test('a report shows only what differs, data that changed, and a chart per history', async (t) => {
  const ws = tempDir();
  const store = await openStore(ws);
  t.after(() => store.close());
  const mk = (name: string, alpha: string, rmse: number[], digest: string) => {
    const r = T.createRun(store, { run_name: name });
    T.logBatch(store, r.info.run_id, {
      params: [
        { key: 'alpha', value: alpha },
        { key: 'rows', value: '120' },
      ],
      metrics: [...rmse.map((v, i) => ({ key: 'rmse', value: v, timestamp: i + 1, step: i })), { key: 'same', value: 1, timestamp: 1, step: 0 }],
    });
    T.logInputs(store, r.info.run_id, [{ tags: [], dataset: { name: 'data/train.csv', digest, source_type: 'dvc', source: '{}' } }]);
    return r.info.run_id;
  };
  const a = mk('base', '0.1', [3, 2, 1.5], 'aaaa');
  const b = mk('<img src=x onerror=alert(1)> [x](command:evil)', '0.2', [3, 1, 0.5], 'bbbb');
  R.createRegisteredModel(store, { name: 'm' });
  R.createModelVersion(store, { name: 'm', source: 'x', run_id: a });
  R.setRegisteredModelAlias(store, 'm', 'champion', 1);
  const local = new LocalBackend(store, ws);
  const rep = await buildReport(local, { vs: 'm@champion', runIds: [b] });
  assert.deepEqual(
    rep.runs.map((r) => r.runId),
    [a, b],
  );
  assert.equal(rep.runs[0].role, '@champion (v1)');
  assert.deepEqual(rep.params, ['alpha'], 'rows is equal: not shown');
  assert.deepEqual(rep.metrics, ['rmse'], 'same is equal: not shown');
  assert.deepEqual(rep.data, ['data/train.csv']);
  assert.deepEqual(
    rep.charts.map((c) => c.metric),
    ['rmse'],
    'one-point histories get no chart',
  );
  const md = reportMarkdown(rep);
  assert.match(md, /\| rmse \| 1\.5 \| 0\.5 \(-1\) \|/);
  assert.match(md, /\| alpha \| `0\.1` \| `0\.2` \|/);
  assert.match(md, /`aaaa` \| `bbbb`/);
  assert.match(md, /!\[rmse\]\(charts\/rmse\.svg\)/);
  assert.ok(!md.includes('<img'), 'HTML in a run name is escaped');
  assert.ok(md.includes('\\[x\\](command:evil)') && !/(?<!\\)\[x\]\(/.test(md), 'a link in a run name is escaped');
  const svg = rep.charts[0].svg;
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<path /g) ?? []).length, 2);
  assert.ok(svg.includes('&lt;img src=x'), 'the legend escapes names');
  assert.ok(!svg.includes('<img'));
  const json = reportJson(rep) as { charts: Record<string, unknown>[] };
  assert.equal(json.charts[0].svg, undefined);
  await assert.rejects(() => buildReport(local, {}), /name the runs/);
  await assert.rejects(() => buildReport(local, { vs: 'nonsense' }), /NAME@ALIAS/);
});

test('charts: round ticks, integer steps, huge histories reduced, no finite values', () => {
  assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0, 3, 6, true), [0, 1, 2, 3]);
  const n = 1_000_000;
  const steps = Float64Array.from({ length: n }, (_, i) => i);
  const values = Float64Array.from({ length: n }, (_, i) => (i === 500_000 ? 100 : Math.sin(i / 1000)));
  const svg = historySvg('big', [{ label: 'r', color: '#000', steps, values }]);
  assert.ok(svg.length < 200_000, `a 1M-point chart stays small (${svg.length} bytes)`);
  const path = /d="([^"]+)"/.exec(svg)![1];
  const ys = [...path.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
  assert.ok(Math.min(...ys) <= 37, 'the one spike at 100 is still drawn at the top');
  assert.match(historySvg('nan', [{ label: 'r', color: '#000', steps: [0, 1], values: [NaN, Infinity] }]), /no finite values/);
  assert.equal(sparkline([1, 2, 3, 4]), '▁▃▆█');
  assert.equal(sparkline([]), '');
});
