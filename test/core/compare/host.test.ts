import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { f64 } from '../../../src/protocol/compare';
import { compareHtml, escapeHtml, makeNonce } from '../../../src/core/compare/html';
import { answerSeries } from '../../../src/core/compare/series';
import { SeriesFeed } from '../../../src/core/compare/seriesFeed';
import { BadMessage, checkRequestSeries, checkSaveFile, runIdsOfState, safeFileName, sanitizeState } from '../../../src/core/compare/validate';
import { tempDir } from '../../helpers/tmp';

test('the HTML has a nonce-only CSP, a fresh nonce per render and escaped names', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.match(a, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(a, b);
  const html = compareHtml({
    cspSource: 'https://x.vscode-cdn.net',
    nonce: a,
    scriptUri: 'https://x/compare.js',
    styleUris: ['https://x/compare.css'],
    title: '<img src=x onerror=alert(1)> & "run"',
  });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
  assert.doesNotMatch(csp, /unsafe/);
  assert.match(csp, /^default-src 'none'; script-src 'nonce-[A-Za-z0-9]{32}'/);
  assert.match(html, new RegExp(`<script type="module" nonce="${a}" src="https://x/compare.js">`));
  assert.match(html, new RegExp(`<body data-nonce="${a}">`));
  assert.match(html, /<link rel="stylesheet" href="https:\/\/x\/compare.css">/);
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt; &amp; &quot;run&quot;/);
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'no inline script');
  assert.throws(() => compareHtml({ cspSource: '', nonce: "x' 'unsafe-inline", scriptUri: '', styleUris: [], title: '' }));
  assert.equal(escapeHtml(`'`), '&#39;');
});

test('series requests are checked: panel runs only, bounded sizes, known axes', () => {
  const runs = new Set(['a', 'b']);
  const ok = { type: 'requestSeries', requestId: 1, runIds: ['a', 'a'], keys: ['loss'], xAxis: 'step', pixelWidth: 300.7 };
  assert.deepEqual(checkRequestSeries(ok, runs), { ...ok, runIds: ['a'], pixelWidth: 300 });
  const bad: unknown[] = [
    { ...ok, runIds: ['a', 'c'] },
    { ...ok, runIds: 'a' },
    { ...ok, requestId: 'x' },
    { ...ok, xAxis: 'epoch' },
    { ...ok, pixelWidth: 0 },
    { ...ok, pixelWidth: 1e9 },
    { ...ok, pixelWidth: NaN },
    { ...ok, range: [0] },
    { ...ok, range: [0, Infinity] },
    { ...ok, keys: Array(2000).fill('k') },
    null,
  ];
  for (const m of bad) assert.throws(() => checkRequestSeries(m, runs), BadMessage, JSON.stringify(m));
  assert.deepEqual(checkRequestSeries({ ...ok, range: [5, 1] }, runs).range, [5, 1]);
});

test('exports are checked: CSV text, PNG bytes with a PNG signature, plain file names', () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]);
  const s = checkSaveFile({ type: 'saveFile', requestId: 3, kind: 'png', suggestedName: '../../etc/chart', bytes: png.buffer });
  assert.equal(s.fileName, 'chart.png');
  assert.equal(s.data.length, 10);
  const c = checkSaveFile({ type: 'saveFile', requestId: 4, kind: 'csv', suggestedName: 'runs.csv', text: 'a,b\n1,2\n' });
  assert.equal(c.fileName, 'runs.csv');
  assert.equal(new TextDecoder().decode(c.data), 'a,b\n1,2\n');
  assert.throws(
    () => checkSaveFile({ type: 'saveFile', requestId: 5, kind: 'png', suggestedName: 'x', bytes: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]).buffer }),
    BadMessage,
  );
  assert.throws(() => checkSaveFile({ type: 'saveFile', requestId: 5, kind: 'exe', suggestedName: 'x', text: '' }), BadMessage);
  assert.throws(() => checkSaveFile({ type: 'saveFile', requestId: 5, kind: 'csv', suggestedName: 'x' }), BadMessage);
  assert.equal(safeFileName('..\\a:b?.CSV', 'csv'), 'a_b_.csv');
  assert.equal(safeFileName('', 'png'), 'compare.png');
  assert.equal(safeFileName('...', 'png'), 'compare.png');
});

test('kept state has only known fields and always the panel runs', () => {
  const st = sanitizeState(
    {
      runIds: ['evil'],
      hiddenRunIds: ['a', 'evil'],
      xAxis: 'wall',
      smoothing: 2,
      logY: true,
      tab: 'scatter',
      scatter: { x: 'm.a', y: 'm.b' },
      brush: { lr: [0, 1], bad: ['x', 1] },
      extra: 1,
    },
    ['a', 'b'],
  );
  assert.deepEqual(st, {
    runIds: ['a', 'b'],
    hiddenRunIds: ['a'],
    xAxis: 'wall',
    logY: true,
    tab: 'scatter',
    scatter: { x: 'm.a', y: 'm.b' },
    brush: { lr: [0, 1] },
  });
  assert.deepEqual(runIdsOfState({ runIds: ['a', 'a', 'b', '../x'] }, 10), ['a', 'b']);
  assert.equal(runIdsOfState({ runIds: [] }, 10), undefined);
  assert.equal(runIdsOfState('junk', 10), undefined);
});

test('series answers downsample on the requested axis and mark the feed for full ranges only', async () => {
  const s = await openStore(tempDir());
  try {
    const exp = T.createExperiment(s, { name: 'answers' });
    const run = T.createRun(s, { experiment_id: exp, start_time: 5000 }).info.run_id;
    const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: i === 500 ? 100 : 1, timestamp: 5000 + i * 10, step: i }));
    for (let i = 0; i < metrics.length; i += 500) T.logBatch(s, run, { metrics: metrics.slice(i, i + 500) });
    const feed = new SeriesFeed();
    const starts = new Map([[run, 5000]]);
    const zoom = answerSeries(
      s,
      { type: 'requestSeries', requestId: 1, runIds: [run], keys: ['loss', 'missing'], xAxis: 'relative', pixelWidth: 1000, range: [100, 200] },
      starts,
      feed,
    );
    assert.equal(zoom.series.length, 1, 'a key without points is left out');
    assert.deepEqual(zoom.range, [100, 200]);
    assert.deepEqual(
      [...f64(zoom.series[0].steps)],
      Array.from({ length: 13 }, (_, i) => 9 + i),
      'relative ms 100..200 = steps 10..20, plus neighbours',
    );
    assert.equal(feed.tracked(run, 'loss'), false);
    const full = answerSeries(s, { type: 'requestSeries', requestId: 2, runIds: [run], keys: ['loss'], xAxis: 'step', pixelWidth: 50 }, starts, feed);
    const d = full.series[0];
    assert.equal(full.requestId, 2);
    assert.equal(d.downsampled, true);
    assert.equal(d.total, 1000);
    assert.ok(d.values instanceof ArrayBuffer);
    assert.ok(f64(d.values).length <= 100);
    assert.equal(Math.max(...f64(d.values)), 100);
    assert.equal(feed.sentCount(run, 'loss'), 1000);
  } finally {
    s.close();
  }
});
