import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import * as T from '../../src/core/tracking';
import type { ComparePanelInfo } from '../../src/vscode/comparePanel';
import { api, eventually } from './helpers';

describe('compare panel', () => {
  it('handshakes, answers series downsampled, streams appends of a running run and has a strict CSP', async () => {
    const a = await api();
    const store = await a.store();
    const exp = T.createExperiment(store, { name: `compare-${Date.now()}` });
    const done = T.createRun(store, { experiment_id: exp, run_name: 'finished-run', start_time: 1000 }).info.run_id;
    const live = T.createRun(store, { experiment_id: exp, run_name: 'live-run', start_time: 2000 }).info.run_id;
    const long = Array.from({ length: 5000 }, (_, i) => ({ key: 'loss', value: i === 3210 ? 50 : 1 / (i + 1), timestamp: 1000 + i, step: i }));
    for (let i = 0; i < long.length; i += 1000) T.logBatch(store, done, { metrics: long.slice(i, i + 1000) });
    T.logParam(store, done, 'lr', '0.1');
    T.logBatch(store, live, { metrics: Array.from({ length: 10 }, (_, i) => ({ key: 'loss', value: 1 - i / 10, timestamp: 2000 + i, step: i })), params: [{ key: 'lr', value: '0.2' }] });
    T.updateRun(store, done, { status: 'FINISHED', end_time: 9000 });

    const info = (await vscode.commands.executeCommand<ComparePanelInfo>('mlops.compareRuns', [done, live]))!;
    try {
      assert.deepEqual(info.runIds, [done, live]);
      assert.equal(info.title, 'Compare: finished-run, live-run');
      assert.ok(a.comparePanels().some((p) => p === info));

      // The HTML: nonce-only CSP, the module script, no inline script.
      const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(info.html)?.[1] ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'nonce-[A-Za-z0-9]{32}'/);
      assert.doesNotMatch(csp, /unsafe-/);
      assert.match(info.html, /<script type="module" nonce="[A-Za-z0-9]{32}" src="[^"]*dist\/webview\/compare\.js">/);

      // The handshake: the webview says ready, then (and only then) gets init.
      await eventually(() => info.received.includes('ready'), 'the webview to say ready');
      await eventually(() => info.posted.includes('init'), 'init to be posted');
      assert.equal(info.posted[0], 'init', 'nothing is posted before init');

      // A series request (as the webview sends it): min/max buckets to about 2 × the pixel width, spike kept.
      await a.sendToComparePanel([done, live], { type: 'requestSeries', requestId: 9001, runIds: [done, live], keys: ['loss'], xAxis: 'step', pixelWidth: 100 });
      const answer = await eventually(
        () => info.seriesPosted.find((m) => m.type === 'series' && m.series.some((s) => s.runId === done && s.points <= 200) && m.series.some((s) => s.runId === live && s.points === 10)),
        'the series answer',
      );
      assert.equal(answer.series.length, 2);

      // A refused request: a run that is not in the panel.
      const errorsBefore = info.posted.filter((t) => t === 'error').length;
      await a.sendToComparePanel([done, live], { type: 'requestSeries', requestId: 9002, runIds: ['someoneelse'], keys: ['loss'], xAxis: 'step', pixelWidth: 100 });
      assert.equal(info.posted.filter((t) => t === 'error').length, errorsBefore + 1);
      await a.sendToComparePanel([done, live], { type: 'requestSeries', requestId: 9003, runIds: [live], keys: ['loss'], xAxis: 'step', pixelWidth: 1e9 });
      assert.equal(info.posted.filter((t) => t === 'error').length, errorsBefore + 2);

      // Live: new points of the running run go out as an append with only the new points, plus runsUpdated.
      const appendsBefore = info.seriesPosted.filter((m) => m.type === 'append').length;
      T.logBatch(store, live, { metrics: [{ key: 'loss', value: 0.05, timestamp: 3000, step: 10 }, { key: 'loss', value: 0.04, timestamp: 3001, step: 11 }] });
      const append = await eventually(() => info.seriesPosted.filter((m) => m.type === 'append')[appendsBefore], 'an append for the new points');
      assert.deepEqual(append.series, [{ runId: live, key: 'loss', points: 2 }]);
      await eventually(() => info.posted.includes('runsUpdated'), 'runsUpdated');

      // The webview ran under this CSP without violations or errors.
      assert.deepEqual(info.problems, []);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
    await eventually(() => !a.comparePanels().includes(info), 'the panel to close');
  });

  it('opens one panel per comparison: the same runs reveal the open panel', async () => {
    const a = await api();
    const store = await a.store();
    const exp = T.createExperiment(store, { name: `compare-same-${Date.now()}` });
    const ids = [0, 1].map((i) => T.createRun(store, { experiment_id: exp, run_name: `r${i}` }).info.run_id);
    const first = a.openCompare(ids);
    try {
      assert.equal(a.openCompare([ids[1], ids[0]]), first);
      assert.equal(a.comparePanels().filter((p) => p.runIds.join() === ids.join()).length, 1);
      await eventually(() => first.posted.includes('init'), 'init');
      // the webview cannot widen the comparison through its state
      await a.sendToComparePanel(ids, { type: 'state', state: { runIds: ['x', ...ids], xAxis: 'wall', smoothing: 0.6 } });
      assert.deepEqual(first.state, { runIds: ids, xAxis: 'wall', smoothing: 0.6 });
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
  });
});
