import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { DeploymentStats } from '../../src/core/serving/recorder';
import { launchBrowser, openComparePage, startWebviewServer, type WebviewServer } from './harness';

let browser: Browser;
let server: WebviewServer;
before(async () => {
  browser = await launchBrowser();
  server = await startWebviewServer({ strictScripts: true });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const t0 = Date.UTC(2026, 11, 4, 10, 0);
const stats: DeploymentStats = {
  requests: 120,
  errors: 3,
  rps: 1.5,
  byRoute: {
    champion: { requests: 120, errors: 3, p50: 4.2, p95: 9.5, p99: 20.1, meanPrediction: 1.9 },
    shadow: { requests: 120, errors: 0, p50: 5, p95: 11, p99: 22, meanPrediction: 2.2 },
  },
  timeline: Array.from({ length: 12 }, (_, i) => [t0 + i * 60_000, 10, i === 4 ? 3 : 0, 4 + i / 10, 1.5 + i / 20] as [number, number, number, number, number]),
  drift: [
    { feature: 'x1', kind: 'numeric', statistic: 0.91, pValue: 1e-12, level: 'drift', reference: 200, current: 120 },
    { feature: '<img src=x onerror=alert(1)>', kind: 'categorical', statistic: 0.02, level: 'none', reference: 200, current: 120 },
  ],
  agreement: { pairs: 120, rate: 0.25, meanDifference: 0.3 },
};
const info = {
  id: 'd1',
  url: 'http://127.0.0.1:9',
  pid: 1,
  started: t0,
  mode: 'shadow',
  champion: { name: 'lin <b>bold</b>', version: '1', alias: 'champion', runId: 'r1' },
  challenger: { name: 'lin <b>bold</b>', version: '2', alias: 'challenger', runId: 'r2' },
  reference: 'data/train.csv',
};

test('the monitor draws its numbers, drift, agreement and charts under the nonce-only CSP, escaping names', async () => {
  const p = await openComparePage(browser, server, { width: 1200, height: 1000 }, '/monitor.html');
  try {
    await p.page.waitForFunction(() => (window as any).__stub?.posted.some((m: { type: string }) => m.type === 'ready'));
    await p.page.evaluate((m) => (window as any).__stub.send(m), { type: 'update', info, stats, serving: true });
    await p.page.waitForSelector('[data-chart="latency"] canvas');
    const text = await p.page.locator('#app').innerText();
    assert.match(text, /lin <b>bold<\/b> version 1 \(@champion\)/, 'the name is text, not markup');
    assert.equal(await p.page.locator('#app b').count(), 0);
    assert.match(text, /shadow with version 2 \(@challenger\)/);
    assert.match(text, /120\s+requests/);
    assert.match(text, /9\.5\s+latency p95 ms/);
    assert.match(text, /agree on 25\.0% of 120 mirrored requests; mean difference \(challenger − champion\) 0\.3/);
    assert.equal(await p.page.locator('[data-part="drift"] td.drift').innerText(), 'drift');
    assert.equal(await p.page.locator('[data-part="drift"] img').count(), 0);
    assert.equal(await p.page.locator('[data-part="routes"] tr').count(), 3, 'header, champion, shadow');
    assert.equal(await p.page.locator('.charts canvas').count(), 4);
    // The charts draw pixels (not just empty canvases).
    const inked = await p.page.evaluate(() => {
      const c = document.querySelector('[data-chart="requests"] canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });
    assert.ok(inked > 200, `the requests chart drew ${inked} pixels`);
    // A second update keeps the charts (new data, same canvases) and redraws the numbers.
    const before = await p.page.evaluate(
      () =>
        document.querySelector('[data-chart="latency"] canvas') !== null &&
        (window as any).__firstCanvas === undefined &&
        ((window as any).__firstCanvas = document.querySelector('[data-chart="latency"] canvas')),
    );
    assert.ok(before);
    await p.page.evaluate((m) => (window as any).__stub.send(m), { type: 'update', info, stats: { ...stats, requests: 121 }, serving: false });
    await p.page.waitForFunction(() => /121/.test(document.querySelector('.cards')?.textContent ?? ''));
    assert.ok(
      await p.page.evaluate(() => (window as any).__firstCanvas === document.querySelector('[data-chart="latency"] canvas')),
      'the chart was updated in place',
    );
    assert.equal(await p.page.locator('button[data-action="stop"]').count(), 0, 'a stopped deployment offers no Stop');
    await p.page.locator('button[data-action="promote"]').click();
    await p.page.locator('button[data-action="export"]').click();
    const posted = await p.page.evaluate(() => (window as any).__stub.posted.map((m: { type: string }) => m.type));
    assert.deepEqual(
      posted.filter((t: string) => t !== 'ready' && t !== 'problem'),
      ['promote', 'exportCsv'],
    );
    assert.deepEqual(await p.page.evaluate(() => (window as any).__stub.violations), []);
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
});
