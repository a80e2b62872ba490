import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import * as T from '../../src/core/tracking';
import type { ComparePanelInfo } from '../../src/vscode/compare/comparePanel';
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
    T.logBatch(store, live, {
      metrics: Array.from({ length: 10 }, (_, i) => ({ key: 'loss', value: 1 - i / 10, timestamp: 2000 + i, step: i })),
      params: [{ key: 'lr', value: '0.2' }],
    });
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
      await a.sendToComparePanel([done, live], {
        type: 'requestSeries',
        requestId: 9001,
        runIds: [done, live],
        keys: ['loss'],
        xAxis: 'step',
        pixelWidth: 100,
      });
      const answer = await eventually(
        () =>
          info.seriesPosted.find(
            (m) =>
              m.type === 'series' && m.series.some((s) => s.runId === done && s.points <= 200) && m.series.some((s) => s.runId === live && s.points === 10),
          ),
        'the series answer',
      );
      assert.equal(answer.series.length, 2);

      // A refused request: a run that is not in the panel.
      const errorsBefore = info.posted.filter((t) => t === 'error').length;
      await a.sendToComparePanel([done, live], {
        type: 'requestSeries',
        requestId: 9002,
        runIds: ['someoneelse'],
        keys: ['loss'],
        xAxis: 'step',
        pixelWidth: 100,
      });
      assert.equal(info.posted.filter((t) => t === 'error').length, errorsBefore + 1);
      await a.sendToComparePanel([done, live], { type: 'requestSeries', requestId: 9003, runIds: [live], keys: ['loss'], xAxis: 'step', pixelWidth: 1e9 });
      assert.equal(info.posted.filter((t) => t === 'error').length, errorsBefore + 2);

      // Live: new points of the running run go out as an append with only the new points, plus runsUpdated.
      const appendsBefore = info.seriesPosted.filter((m) => m.type === 'append').length;
      T.logBatch(store, live, {
        metrics: [
          { key: 'loss', value: 0.05, timestamp: 3000, step: 10 },
          { key: 'loss', value: 0.04, timestamp: 3001, step: 11 },
        ],
      });
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

  it('exports CSV and PNG where the save target says, answers saved with the path, and refuses bytes that are not a PNG', async () => {
    const a = await api();
    const store = await a.store();
    const exp = T.createExperiment(store, { name: `compare-export-${Date.now()}` });
    const ids = [0, 1].map((i) => T.createRun(store, { experiment_id: exp, run_name: `export-${i}` }).info.run_id);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-compare-export-'));
    const asked: { fileName: string; kind: string }[] = [];
    const previous = a.setCompareSaveTarget(async (fileName, kind) => {
      asked.push({ fileName, kind });
      return vscode.Uri.file(path.join(dir, fileName));
    });
    const info = a.openCompare(ids);
    try {
      // Answers go out only after the real webview's handshake.
      await eventually(() => info.posted.includes('init'), 'init');

      // CSV: the text is written as UTF-8, the answer carries the path.
      const csv = 'run,loss,note\nexport-0,0.5,"a, b"\nexport-1,0.25,λ\n';
      await a.sendToComparePanel(ids, { type: 'saveFile', requestId: 9101, kind: 'csv', suggestedName: 'runs.csv', text: csv });
      const csvPath = path.join(dir, 'runs.csv');
      assert.deepEqual(asked, [{ fileName: 'runs.csv', kind: 'csv' }]);
      assert.equal(fs.readFileSync(csvPath, 'utf8'), csv);
      assert.deepEqual(
        info.saved.find((s) => s.requestId === 9101),
        { requestId: 9101, path: csvPath },
      );

      // PNG: the bytes as the webview sends them (an ArrayBuffer), byte for byte; the suggested name loses its folders.
      const png = new Uint8Array(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      await a.sendToComparePanel(ids, { type: 'saveFile', requestId: 9102, kind: 'png', suggestedName: '../../loss chart', bytes: png.buffer });
      const pngPath = path.join(dir, 'loss chart.png');
      assert.deepEqual(asked[1], { fileName: 'loss chart.png', kind: 'png' });
      assert.deepEqual(fs.readFileSync(pngPath), Buffer.from(png));
      assert.deepEqual(
        info.saved.find((s) => s.requestId === 9102),
        { requestId: 9102, path: pngPath },
      );

      // Not a PNG: refused with an error for that request; the target is not asked and nothing is written.
      const savedBefore = info.saved.length;
      const notPng = new TextEncoder().encode('GIF89a\u0001\u0000 this is not a PNG image').buffer;
      await a.sendToComparePanel(ids, { type: 'saveFile', requestId: 9103, kind: 'png', suggestedName: 'bad.png', bytes: notPng });
      const refused = info.errors.find((e) => e.requestId === 9103);
      assert.ok(refused, `an error answer for request 9103 (errors: ${JSON.stringify(info.errors)})`);
      assert.match(refused.message, /not a PNG/);
      assert.equal(info.saved.length, savedBefore, 'no saved answer for a refused export');
      assert.equal(asked.length, 2, 'the save target is not asked for a refused export');
      assert.deepEqual(fs.readdirSync(dir).sort(), ['loss chart.png', 'runs.csv']);
      assert.deepEqual(info.problems, []);
    } finally {
      a.setCompareSaveTarget(previous);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await eventually(() => !a.comparePanels().includes(info), 'the panel to close');
  });
});
