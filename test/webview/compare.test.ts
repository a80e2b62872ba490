// The compare webview in real Chromium, under the compare panel's real CSP, talking to a stand-in of the
// VS Code webview API. Checks what is drawn (pixels) and what is shown (DOM), not just "no exception".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { CompareRun, CompareState } from '../../src/protocol/compare';
import { fmtCompact, tickLabels } from '../../webview/compare/axes';
import { type ComparePage, type WebviewServer, launchBrowser, openComparePage, startWebviewServer } from './harness';

const EVIL = '<img src=x onerror=alert(1)>';
const COLORS = ['#e6194b', '#3cb44b', '#4363d8'];
const T0 = 1_700_000_000_000;
const N = 200;

function fixtures() {
  const runs: CompareRun[] = [
    {
      runId: 'r1',
      name: EVIL,
      color: COLORS[0],
      params: { lr: '0.1', epochs: '10', optimizer: 'adam' },
      metrics: { loss: 0.5, acc: 0.8 },
      tags: { 'mlflow.user': 'alice', team: 'a' },
    },
    {
      runId: 'r2',
      name: 'baseline',
      color: COLORS[1],
      params: { lr: '0.01', epochs: '10', optimizer: 'sgd' },
      metrics: { loss: 0.3, acc: 0.85 },
      tags: { 'mlflow.user': 'alice', team: 'a' },
    },
    {
      runId: 'r3',
      name: 'wide',
      color: COLORS[2],
      params: { lr: '0.001', epochs: '10', optimizer: 'adam' },
      metrics: { loss: 0.2, acc: 0.9 },
      tags: { 'mlflow.user': 'bob', team: 'a' },
    },
  ].map((r, i) => ({
    ...r,
    experimentId: '1',
    experimentName: 'exp',
    status: 'FINISHED' as const,
    startTime: T0 + i * 1000,
    endTime: T0 + i * 1000 + 60_000 + i * 5000,
  }));
  const histories: Record<string, Record<string, { steps: number[]; timestamps: number[]; values: number[] }>> = {};
  runs.forEach((r, i) => {
    const steps = Array.from({ length: N }, (_, s) => s);
    const timestamps = steps.map((s) => r.startTime + s * 300);
    // well separated, noisy curves: the smoothing slider visibly changes them
    const loss = steps.map((s) => 1 + i * 1.5 + Math.exp(-s / 50) + 0.3 * Math.sin(s * 1.3 + i));
    histories[r.runId] = { loss: { steps, timestamps, values: loss }, acc: { steps, timestamps, values: loss.map((v) => 10 - v) } };
  });
  return { runs, histories };
}

let browser: Browser;
let server: WebviewServer;
const pages: ComparePage[] = [];

before(async () => {
  server = await startWebviewServer();
  browser = await launchBrowser();
});
after(async () => {
  for (const p of pages) await p.close().catch(() => {});
  await browser?.close();
  await server?.close();
});

type Posted = { type: string; [k: string]: unknown };
const posted = (page: Page, type?: string) =>
  page.evaluate(
    (t) =>
      (window as unknown as { __stub: { posted: Posted[] } }).__stub.posted
        .filter((m) => !t || m.type === t)
        .map((m) => JSON.parse(JSON.stringify(m)) as Posted),
    type,
  );

async function waitPosted(page: Page, type: string, count = 1): Promise<Posted[]> {
  await page.waitForFunction(
    ([t, n]) => (window as unknown as { __stub: { posted: Posted[] } }).__stub.posted.filter((m) => m.type === t).length >= (n as number),
    [type, count] as const,
  );
  return posted(page, type);
}

/** Opens the page, completes the handshake and waits for the history charts to be drawn with data. */
async function open(state: Partial<CompareState> = {}, fx = fixtures(), points = 3 * N, metricKeys = ['acc', 'loss']): Promise<ComparePage> {
  const cp = await openComparePage(browser, server);
  pages.push(cp);
  const { page } = cp;
  const ready = await waitPosted(page, 'ready');
  assert.deepEqual(ready[0], { type: 'ready', protocol: 1 });
  await page.evaluate(
    ([f, st, keys]) => {
      const w = window as unknown as { __stub: { fixtures: unknown; send(m: unknown): void } };
      w.__stub.fixtures = f;
      const fxr = f as { runs: CompareRun[] };
      w.__stub.send({
        type: 'init',
        protocol: 1,
        title: 'Compare 3 runs',
        runs: fxr.runs,
        metricKeys: keys,
        state: { runIds: fxr.runs.map((r) => r.runId), ...(st as object) },
      });
    },
    [fx, state, metricKeys] as const,
  );
  if ((state.tab ?? 'history') === 'history') await waitPoints(page, 'loss', points);
  return cp;
}

async function waitPoints(page: Page, key: string, n: number): Promise<void> {
  await page.waitForFunction(([k, want]) => document.querySelector(`.history-panel[data-key="${k}"] .points`)?.getAttribute('data-points') === String(want), [
    key,
    n,
  ] as const);
  // then the frame that draws them
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

const pointsOf = (page: Page, key: string) => page.$eval(`.history-panel[data-key="${key}"] .points`, (e) => Number(e.getAttribute('data-points')));

/** Pixels of the canvas under `selector` close to `hex`, split by opaque and faint (alpha in (0.1, 0.5)). */
async function colorPixels(page: Page, selector: string, hex: string): Promise<{ opaque: number; faint: number }> {
  return page.$eval(
    selector,
    (c, hx) => {
      const canvas = c as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const n = parseInt(hx.slice(1), 16);
      const [r, g, b] = [n >> 16, (n >> 8) & 255, n & 255];
      let opaque = 0;
      let faint = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) > 30) continue;
        if (d[i + 3] > 200) opaque++;
        else if (d[i + 3] > 25 && d[i + 3] < 128) faint++;
      }
      return { opaque, faint };
    },
    hex,
  );
}

async function canvasHash(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (c) => (c as HTMLCanvasElement).toDataURL());
}

async function assertClean(cp: ComparePage): Promise<void> {
  const violations = await cp.page.evaluate(() => (window as unknown as { __stub: { violations: string[] } }).__stub.violations);
  const problems = (await posted(cp.page, 'problem')).map((m) => m.message);
  assert.deepEqual(violations, [], 'CSP violations');
  assert.deepEqual(problems, [], 'problems the webview reported');
  assert.deepEqual(cp.problems, [], 'console errors, page errors, dialogs');
}

/**
 * VS Code Elements controls. A vscode-checkbox is no <input> to Playwright's check(): click the element itself
 * (as a user does) when its state differs, then assert the state it reports.
 */
async function setChecked(page: Page, selector: string, want: boolean): Promise<void> {
  const el = (await page.waitForSelector(selector))!;
  assert.equal(await el.evaluate((e) => e.tagName), 'VSCODE-CHECKBOX', selector);
  if ((await el.evaluate((e) => (e as HTMLInputElement).checked)) !== want) await el.click();
  assert.equal(await el.evaluate((e) => (e as HTMLInputElement).checked), want, `${selector} checked`);
}

const isChecked = (page: Page, selector: string) => page.$eval(selector, (e) => (e as HTMLInputElement).checked);

/** Opens a vscode-single-select and clicks the option labelled `label` in its dropdown (in its shadow root). */
async function choose(page: Page, selector: string, label: string, value: string): Promise<void> {
  await page.click(selector);
  await page
    .locator(`${selector} li.option`)
    .filter({ hasText: new RegExp(`^\\s*${label}\\s*$`) })
    .click();
  assert.equal(await page.$eval(selector, (e) => (e as HTMLSelectElement).value), value, `${selector} value`);
}

const headerCols = (page: Page) => page.$$eval('.runs-table thead th[data-col]', (ths) => ths.map((t) => t.getAttribute('data-col')));
const rowIds = (page: Page) => page.$$eval('.runs-table tbody tr', (trs) => trs.map((t) => t.getAttribute('data-run')));
const LOSS_CANVAS = '.history-panel[data-key="loss"] canvas';

interface AxesHook {
  font: string;
  width: number;
  height: number;
  plot: { left: number; top: number; width: number; height: number };
  x: { size: number; labels: (string | null)[]; pos: number[] };
  y: { size: number; labels: (string | null)[]; pos: number[] };
}

/** The axes as the panel drew them (its data-axes test hook), with every label measured in the axis font. */
async function drawnAxes(page: Page, key: string): Promise<AxesHook & { xW: number[]; yW: number[]; lines: number; fontPx: number }> {
  return page.$eval(`.history-panel[data-key="${key}"]`, (el) => {
    const a = JSON.parse((el as HTMLElement).dataset.axes ?? '{}') as AxesHook;
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = a.font;
    // no named helper in the page (tsx would wrap it in __name, which doesn't exist there)
    const widths = [a.x.labels, a.y.labels].map((ls) =>
      ls.map((l) => (l === null ? 0 : Math.max(...l.split('\n').map((line) => ctx.measureText(line).width)))),
    );
    return { ...a, xW: widths[0], yW: widths[1], lines: Math.max(1, ...a.x.labels.map((l) => (l ?? '').split('\n').length)), fontPx: parseFloat(a.font) };
  });
}

/** Every y label lies inside the canvas (right-aligned 15px left of the plot: tick 10 + gap 5). */
function assertYLabelsFit(a: Awaited<ReturnType<typeof drawnAxes>>, what: string): void {
  const shown = a.y.labels.filter((l) => l !== null);
  assert.ok(shown.length >= 2, `${what}: y labels ${JSON.stringify(a.y.labels)}`);
  const widest = Math.max(...a.yW);
  assert.ok(a.y.size >= widest + 15, `${what}: y axis ${a.y.size}px for a ${widest.toFixed(1)}px label (${JSON.stringify(a.y.labels)})`);
  assert.ok(a.plot.left - 15 - widest >= 0, `${what}: the widest y label starts at ${a.plot.left - 15 - widest}px`);
}

/** Every x label lies inside the canvas, no two overlap, and the axis is tall enough for its lines. */
function assertXLabelsFit(a: Awaited<ReturnType<typeof drawnAxes>>, what: string): void {
  const idx = a.x.labels.map((l, i) => (l === null ? -1 : i)).filter((i) => i >= 0);
  assert.ok(idx.length >= 2, `${what}: x labels ${JSON.stringify(a.x.labels)}`);
  let prevRight = -Infinity;
  for (const i of idx) {
    const c = a.plot.left + a.x.pos[i];
    const l = c - a.xW[i] / 2;
    const r = c + a.xW[i] / 2;
    assert.ok(l >= 0 && r <= a.width, `${what}: x label ${JSON.stringify(a.x.labels[i])} spans ${l.toFixed(1)}..${r.toFixed(1)} of ${a.width}px`);
    assert.ok(l > prevRight, `${what}: x label ${JSON.stringify(a.x.labels[i])} overlaps the one before it`);
    prevRight = r;
  }
  const need = 15 + (a.lines - 1) * a.fontPx * 1.5 + a.fontPx;
  assert.ok(a.x.size >= need, `${what}: x axis ${a.x.size}px tall for ${a.lines} line(s) of ${a.fontPx}px`);
  assert.ok(a.plot.top + a.plot.height + a.x.size <= a.height + 0.5, `${what}: x axis below the canvas`);
}

/** Text-coloured pixels in the canvas' two leftmost columns: a y label cut off at the left edge. */
async function leftEdgeTextPixels(page: Page, selector: string, hex = '#d4d4d4'): Promise<number> {
  return page.$eval(
    selector,
    (c, hx) => {
      const canvas = c as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(0, 0, 2, canvas.height).data;
      const n = parseInt(hx.slice(1), 16);
      let count = 0;
      for (let i = 0; i < d.length; i += 4)
        if (d[i + 3] > 60 && Math.abs(d[i] - (n >> 16)) + Math.abs(d[i + 1] - ((n >> 8) & 255)) + Math.abs(d[i + 2] - (n & 255)) < 120) count++;
      return count;
    },
    hex,
  );
}

/** Opaque pixels of `hex` within `radius` CSS px of canvas column `x`. */
async function colorPixelsNear(page: Page, selector: string, hex: string, x: number, radius: number): Promise<number> {
  return page.$eval(
    selector,
    (c, [hx, cx, rad]) => {
      const canvas = c as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const n = parseInt((hx as string).slice(1), 16);
      let count = 0;
      for (let i = 0; i < d.length; i += 4) {
        const px = (i / 4) % canvas.width;
        if (Math.abs(px - (cx as number)) > (rad as number) || d[i + 3] <= 200) continue;
        if (Math.abs(d[i] - (n >> 16)) + Math.abs(d[i + 1] - ((n >> 8) & 255)) + Math.abs(d[i + 2] - (n & 255)) < 30) count++;
      }
      return count;
    },
    [hex, x, radius] as const,
  );
}

describe('compare webview', () => {
  test('the page is served under the compare panel CSP (nonce scripts, no unsafe-inline, no eval)', async () => {
    const cp = await open();
    assert.match(
      server.lastCsp,
      /^default-src 'none'; script-src 'nonce-[A-Za-z0-9]{32}' http:\/\/127\.0\.0\.1:\d+; style-src http:\/\/127\.0\.0\.1:\d+; img-src http:\/\/127\.0\.0\.1:\d+ data: blob:; font-src http:\/\/127\.0\.0\.1:\d+$/,
    );
    assert.equal(await cp.page.getAttribute('#app', 'aria-busy'), null, 'the app is no longer busy once initialised');
    // the policy really is enforced: an inline style attribute is refused
    const blocked = await cp.page.evaluate(async () => {
      const el = document.createElement('div');
      el.innerHTML = '<span style="color: red">x</span>';
      document.body.append(el);
      await new Promise((r) => setTimeout(r, 50));
      const v = (window as unknown as { __stub: { violations: string[] } }).__stub.violations.splice(0);
      el.remove();
      return v;
    });
    assert.equal(blocked.length, 1, 'the test page must enforce style-src');
    // forget the violation provoked on purpose (the webview reported it as a problem, Chromium logged it)
    await cp.page.evaluate(() => {
      const p = (window as unknown as { __stub: { posted: { type: string }[] } }).__stub.posted;
      const keep = p.filter((m) => m.type !== 'problem');
      p.splice(0, p.length, ...keep);
    });
    assert.equal(cp.problems.length, 1);
    assert.match(cp.problems[0], /Applying inline style violates/);
    cp.problems.length = 0;
    await assertClean(cp);
  });

  test('the runs table has one row per run, names as text, system tags hidden', async () => {
    const cp = await open();
    const { page } = cp;
    assert.deepEqual(await rowIds(page), ['r1', 'r2', 'r3']);
    const names = await page.$$eval('.runs-table tbody .run-name', (b) => b.map((x) => x.textContent));
    assert.deepEqual(names, [EVIL, 'baseline', 'wide']);
    assert.equal(await page.locator('.runs-table img').count(), 0, 'a run name must not become markup');
    assert.equal(await page.locator('img').count(), 0);
    const cols = await headerCols(page);
    assert.ok(
      cols.includes('params.lr') && cols.includes('metrics.loss') && cols.includes('tags.team') && cols.includes('status') && cols.includes('duration'),
      cols.join(),
    );
    assert.ok(!cols.includes('tags.mlflow.user'), 'mlflow.* tags are hidden by default');
    // the Columns menu shows one again
    await page.click('.columns-menu summary');
    await setChecked(page, '.columns-menu vscode-checkbox[data-col="tags.mlflow.user"]', true);
    await page.waitForFunction(() => !!document.querySelector('.runs-table th[data-col="tags.mlflow.user"]'));
    const cells = await page.$$eval('.runs-table td[data-col="tags.mlflow.user"]', (tds) => tds.map((t) => t.textContent));
    assert.deepEqual(cells, ['alice', 'alice', 'bob']);
    // colour chips carry the runs' colours
    const chips = await page.$$eval('.runs-table tbody .chip', (c) => c.map((x) => getComputedStyle(x).backgroundColor));
    assert.deepEqual(chips, ['rgb(230, 25, 75)', 'rgb(60, 180, 75)', 'rgb(67, 99, 216)']);
    // clicking the name asks the host to open the run
    await page.click('.runs-table tr[data-run="r2"] .run-name');
    assert.deepEqual((await waitPosted(page, 'openRun')).at(-1), { type: 'openRun', runId: 'r2' });
    await assertClean(cp);
  });

  test('columns sort, hide and pin; "only differences" hides equal columns; state is persisted and posted', async () => {
    const cp = await open();
    const { page } = cp;
    let cols = await headerCols(page);
    assert.ok(cols.includes('params.epochs') && cols.includes('tags.team') && cols.includes('status'));
    await setChecked(page, '.runs .only-diff', true);
    await page.waitForFunction(() => !document.querySelector('.runs-table th[data-col="params.epochs"]'));
    cols = await headerCols(page);
    assert.ok(!cols.includes('params.epochs') && !cols.includes('tags.team') && !cols.includes('status'), cols.join());
    assert.ok(cols.includes('params.lr') && cols.includes('params.optimizer') && cols.includes('metrics.loss') && cols.includes('duration'), cols.join());
    // hiding run r2 leaves r1 and r3, which share the optimizer: that column goes too
    await setChecked(page, '.runs-table tr[data-run="r2"] .run-toggle', false);
    await page.waitForFunction(() => !document.querySelector('.runs-table th[data-col="params.optimizer"]'));
    assert.ok((await headerCols(page)).includes('params.lr'));
    await setChecked(page, '.runs-table tr[data-run="r2"] .run-toggle', true);
    await setChecked(page, '.runs .only-diff', false);
    // sort by loss, descending on the second click
    await page.click('.runs-table th[data-col="metrics.loss"] .sort');
    await page.waitForFunction(() => document.querySelector('.runs-table tbody tr')?.getAttribute('data-run') === 'r3');
    assert.deepEqual(await rowIds(page), ['r3', 'r2', 'r1']);
    await page.click('.runs-table th[data-col="metrics.loss"] .sort');
    await page.waitForFunction(() => document.querySelector('.runs-table tbody tr')?.getAttribute('data-run') === 'r1');
    assert.deepEqual(await rowIds(page), ['r1', 'r2', 'r3']);
    assert.equal(await page.getAttribute('.runs-table th[data-col="metrics.loss"]', 'aria-sort'), 'descending');
    // hide a column
    await page.click('.runs-table th[data-col="params.epochs"] .hide-col');
    await page.waitForFunction(() => !document.querySelector('.runs-table th[data-col="params.epochs"]'));
    // pin a metric: it moves right after the name and sticks
    await page.click('.runs-table th[data-col="metrics.acc"] .pin');
    await page.waitForFunction(() => document.querySelectorAll('.runs-table thead th')[2]?.getAttribute('data-col') === 'metrics.acc');
    const pinned = await page.$eval('.runs-table th[data-col="metrics.acc"]', (th) => ({
      pos: getComputedStyle(th).position,
      left: (th as HTMLElement).style.left,
    }));
    assert.equal(pinned.pos, 'sticky');
    assert.match(pinned.left, /^\d+(\.\d+)?px$/);
    assert.ok(parseFloat(pinned.left) > 0);
    // persisted with setState and posted to the host
    await page.waitForFunction(() => {
      const s = (window as unknown as { __stub: { posted: { type: string; state?: CompareState }[] } }).__stub.posted
        .filter((m) => m.type === 'state')
        .at(-1)?.state;
      return s?.pinnedColumns?.includes('metrics.acc');
    });
    const last = (await posted(page, 'state')).at(-1)!.state as CompareState;
    assert.deepEqual(last.sort, { column: 'metrics.loss', descending: true });
    assert.ok(last.hiddenColumns?.includes('params.epochs'));
    assert.deepEqual(last.pinnedColumns, ['metrics.acc']);
    const saved = (await page.evaluate(() => (window as unknown as { __stub: { state: CompareState } }).__stub.state)) as CompareState;
    assert.deepEqual(saved.pinnedColumns, ['metrics.acc']);
    assert.deepEqual(saved.runIds, ['r1', 'r2', 'r3']);
    await assertClean(cp);
  });

  test('CSV export posts the visible table', async () => {
    const cp = await open();
    await cp.page.click('.export-csv');
    const [msg] = await waitPosted(cp.page, 'saveFile');
    assert.equal(msg.kind, 'csv');
    const lines = String(msg.text).trim().split('\r\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0], /^run_id,name,status,duration,params\.epochs,params\.lr,/);
    assert.ok(lines[1].startsWith(`r1,${EVIL},FINISHED,`), lines[1]);
    assert.ok(!lines[0].includes('mlflow.user'));
    await assertClean(cp);
  });

  test('history charts: one panel per metric, every run drawn in its colour', async () => {
    const cp = await open();
    const { page } = cp;
    assert.deepEqual(await page.$$eval('.history-panel', (p) => p.map((x) => x.getAttribute('data-key'))), ['acc', 'loss']);
    const req = (await posted(page, 'requestSeries'))[0];
    assert.deepEqual(req.runIds, ['r1', 'r2', 'r3']);
    assert.deepEqual(req.keys, ['acc', 'loss']);
    assert.equal(req.xAxis, 'step');
    assert.ok((req.pixelWidth as number) >= 200, `pixelWidth ${req.pixelWidth}`);
    assert.equal(req.range, undefined);
    for (const c of COLORS) {
      const px = await colorPixels(page, LOSS_CANVAS, c);
      assert.ok(px.opaque > 100, `${c}: ${px.opaque} pixels`);
    }
    // a hidden run is not drawn
    await setChecked(page, '.runs-table tr[data-run="r3"] .run-toggle', false);
    await waitPoints(page, 'loss', 2 * N);
    assert.equal((await colorPixels(page, LOSS_CANVAS, COLORS[2])).opaque, 0);
    assert.ok((await colorPixels(page, LOSS_CANVAS, COLORS[0])).opaque > 100);
    await assertClean(cp);
  });

  test('runs logged at different steps are drawn from their own points (no merged x column)', async () => {
    const fx = fixtures();
    for (const key of ['loss', 'acc']) {
      const h = fx.histories.r3[key];
      h.steps = h.steps.map((s) => s * 2 + 1); // r3 logged every other step, at odd steps
    }
    const cp = await open({}, fx);
    const { page } = cp;
    assert.equal(await page.getAttribute('.history-panel[data-key="loss"]', 'data-mode'), 'own-x');
    for (const c of COLORS) assert.ok((await colorPixels(page, LOSS_CANVAS, c)).opaque > 100, c);
    // r3 spans twice the steps: its line reaches the right edge, the others stop near the middle
    const reach = await page.$eval(
      LOSS_CANVAS,
      (cv, hexes) => {
        const canvas = cv as HTMLCanvasElement;
        const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        return hexes.map((hx) => {
          const n = parseInt(hx.slice(1), 16);
          let maxX = -1;
          for (let i = 0; i < d.length; i += 4) {
            if (d[i + 3] > 200 && Math.abs(d[i] - (n >> 16)) + Math.abs(d[i + 1] - ((n >> 8) & 255)) + Math.abs(d[i + 2] - (n & 255)) < 30)
              maxX = Math.max(maxX, (i / 4) % canvas.width);
          }
          return maxX / canvas.width;
        });
      },
      COLORS,
    );
    assert.ok(reach[2] > 0.9 && reach[0] < 0.65 && reach[1] < 0.65 && reach[0] > 0.4, JSON.stringify(reach));
    await assertClean(cp);
  });

  test('a metric logged once per run is drawn as dots, with shared and with differing steps', async () => {
    const fx = fixtures();
    fx.runs.forEach((r, i) => {
      // final_rmse-like: one value per run, all at step 0 (shared x) / at different steps (own x)
      fx.histories[r.runId].loss = { steps: [0], timestamps: [r.startTime], values: [0.5 + i * 0.2] };
      fx.histories[r.runId].acc = { steps: [3 + i * 4], timestamps: [r.startTime + 1000], values: [0.8 + i * 0.05] };
    });
    const cp = await open({}, fx, 3);
    const { page } = cp;
    await waitPoints(page, 'acc', 3);
    assert.equal(await page.textContent('.history-panel[data-key="loss"] .points'), '3 runs · 3 points');
    assert.equal(await page.getAttribute('.history-panel[data-key="loss"]', 'data-mode'), 'shared-x');
    assert.equal(await page.getAttribute('.history-panel[data-key="acc"]', 'data-mode'), 'own-x');
    for (const key of ['loss', 'acc']) {
      for (const c of COLORS) {
        const px = await colorPixels(page, `.history-panel[data-key="${key}"] canvas`, c);
        assert.ok(px.opaque >= 12, `${key}: the one point of ${c} is drawn (${px.opaque} pixels)`);
      }
    }
    // the x axis still has readable labels around a single step
    assertYLabelsFit(await drawnAxes(page, 'loss'), 'one point per run');
    await assertClean(cp);
  });

  test('an isolated point between gaps (NaN neighbours) is drawn; long series get no dots', async () => {
    const fx = fixtures();
    const r1 = fx.histories.r1.loss;
    r1.values = r1.values.map((v, s) => (s === 100 || s < 50 || s >= 150 ? v : NaN));
    for (const key of ['loss', 'acc']) {
      const h = fx.histories.r3[key];
      h.steps = h.steps.map((s) => s * 2 + 1); // own x: r3 at odd steps 1..399
    }
    const cp = await open({}, fx);
    const { page } = cp;
    assert.equal(await page.getAttribute('.history-panel[data-key="loss"]', 'data-mode'), 'own-x');
    const a = await drawnAxes(page, 'loss');
    const at = (step: number) => a.plot.left + (a.plot.width * step) / 399;
    assert.ok((await colorPixelsNear(page, LOSS_CANVAS, COLORS[0], at(100), 5)) >= 12, 'the point at step 100 is visible');
    assert.equal(await colorPixelsNear(page, LOSS_CANVAS, COLORS[0], at(75), 5), 0, 'nothing drawn in the gap');
    assert.equal(await colorPixelsNear(page, LOSS_CANVAS, COLORS[0], at(125), 5), 0, 'nothing drawn in the gap');
    // 200 points in ~1200px are a line, not a row of dots: about as many pixels as a 2px line
    const line = await colorPixels(page, '.history-panel[data-key="acc"] canvas', COLORS[1]);
    assert.ok(line.opaque > 100 && line.opaque < 6000, `acc line of ${COLORS[1]}: ${line.opaque}`);
    await assertClean(cp);
  });

  test('y axis labels fit their values (~2e9 and ~1e-5, linear and log) and wall-time x labels fit', async () => {
    const fx = fixtures();
    fx.runs.forEach((r, i) => {
      const hh = fx.histories[r.runId];
      hh.loss.values = hh.loss.steps.map((s) => 2.2e9 + 1e8 * (i + Math.sin(s / 20)));
      hh.acc.values = hh.acc.steps.map((s) => 1e-5 * (1 + 0.2 * i + 0.3 * Math.sin(s / 15)));
    });
    const cp = await open({}, fx);
    const { page } = cp;
    const check = async (log: boolean) => {
      const what = log ? 'log y' : 'linear y';
      // what the user sees first: no label text touching the canvas' left edge
      for (const key of ['loss', 'acc'])
        assert.equal(await leftEdgeTextPixels(page, `.history-panel[data-key="${key}"] canvas`), 0, `${key}: a y label is cut at the left edge (${what})`);
      const loss = await drawnAxes(page, 'loss');
      const acc = await drawnAxes(page, 'acc');
      assertYLabelsFit(loss, `rmse ~2e9, ${what}`);
      assertYLabelsFit(acc, `~1e-5, ${what}`);
      for (const l of loss.y.labels.filter((x) => x !== null)) {
        assert.match(l!, log ? /^(\d+(\.\d+)?[kMG]?|\d(\.\d+)?e\d+)$/ : /^\d(\.\d{1,3})?G$/, `rmse label ${l}`);
        assert.ok(l!.length <= 6, `rmse label ${l} is compact`);
      }
      const accLabels = acc.y.labels.filter((x): x is string => x !== null);
      for (const l of accLabels) assert.match(l, /^(0|\d(\.\d{1,3})?e-\d+)$/, `~1e-5 label ${l}`);
      if (!log) {
        // the labels say the tick values: distinct, increasing, and within the data's range
        const vals = accLabels.map(Number);
        assert.equal(new Set(accLabels).size, accLabels.length, `distinct labels ${accLabels}`);
        assert.ok(
          vals.every((v) => v > 0 && v < 3e-5),
          `values of ${accLabels}`,
        );
        const giga = loss.y.labels.filter((x): x is string => x !== null).map((l) => parseFloat(l) * 1e9);
        assert.equal(new Set(giga).size, giga.length, `distinct labels ${loss.y.labels}`);
        assert.ok(
          giga.every((v) => v >= 2e9 && v <= 2.6e9),
          `values of ${loss.y.labels}`,
        );
      }
      for (const c of COLORS) assert.ok((await colorPixels(page, LOSS_CANVAS, c)).opaque > 100, `${c} drawn (${what})`);
    };
    await check(false);
    assertXLabelsFit(await drawnAxes(page, 'loss'), 'step x');
    const draws = Number(await page.getAttribute('.history-panel[data-key="acc"]', 'data-draws'));
    await setChecked(page, '.log-y', true);
    await page.waitForFunction((d) => Number(document.querySelector('.history-panel[data-key="acc"]')?.getAttribute('data-draws')) > d, draws);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await check(true);
    await choose(page, '.x-axis', 'Wall time', 'wall');
    await page.waitForFunction(() =>
      /:/.test(JSON.parse((document.querySelector('.history-panel[data-key="loss"]') as HTMLElement).dataset.axes ?? '{}').x?.labels?.join('') ?? ''),
    );
    await waitPoints(page, 'loss', 3 * N);
    const wall = await drawnAxes(page, 'loss');
    assert.ok(
      wall.x.labels.some((l) => /\d:\d\d/.test(l ?? '')),
      `wall labels ${JSON.stringify(wall.x.labels)}`,
    );
    assertXLabelsFit(wall, 'wall-time x');
    await choose(page, '.x-axis', 'Relative time', 'relative');
    await page.waitForFunction(() =>
      /\ds/.test(JSON.parse((document.querySelector('.history-panel[data-key="loss"]') as HTMLElement).dataset.axes ?? '{}').x?.labels?.join('') ?? ''),
    );
    assertXLabelsFit(await drawnAxes(page, 'loss'), 'relative x');
    await assertClean(cp);
  });

  test('tick labels: SI suffixes for large values, e-notation for tiny ones, the decimals the step needs', () => {
    assert.deepEqual(tickLabels([2.1e9, 2.15e9, 2.2e9, 2.25e9], 5e7), ['2.10G', '2.15G', '2.20G', '2.25G']);
    assert.deepEqual(tickLabels([0, 2e9, 4e9], 2e9), ['0', '2G', '4G']);
    assert.deepEqual(tickLabels([1e-5, 1.2e-5, 1.4e-5], 2e-6), ['1e-5', '1.2e-5', '1.4e-5']);
    assert.deepEqual(tickLabels([0, 5e-6, 1e-5], 5e-6), ['0', '5e-6', '1e-5']);
    assert.deepEqual(tickLabels([0, 0.25, 0.5], 0.25), ['0', '0.25', '0.50']);
    assert.deepEqual(tickLabels([-0.5, 0, 0.5], 0.5), ['-0.5', '0', '0.5']);
    assert.deepEqual(tickLabels([10, 20, null, 40], 10), ['10', '20', null, '40']);
    assert.deepEqual(tickLabels([0.1 + 0.2, 0.4], 0.1), ['0.3', '0.4'], 'float noise is not printed');
    assert.deepEqual([1e-5, 0.001, 1, 10, 1e4, 1e5, 2.2e9, 999_999, 1e24].map(fmtCompact), ['1e-5', '0.001', '1', '10', '10000', '100k', '2.2G', '1M', '1e24']);
  });

  test('the smoothing slider changes the drawn line and keeps the raw one faint behind it', async () => {
    const cp = await open();
    const { page } = cp;
    const before = await canvasHash(page, LOSS_CANVAS);
    // before smoothing, the only faint pixels are the antialiased edges of the lines
    const faintBefore = await Promise.all(COLORS.map((c) => colorPixels(page, LOSS_CANVAS, c)));
    const draws = Number(await page.getAttribute('.history-panel[data-key="loss"]', 'data-draws'));
    await page.$eval('.smoothing', (el) => {
      const s = el as HTMLInputElement;
      s.value = '0.9';
      s.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction((d) => Number(document.querySelector('.history-panel[data-key="loss"]')?.getAttribute('data-draws')) > d, draws);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.notEqual(await canvasHash(page, LOSS_CANVAS), before);
    for (const [i, c] of COLORS.entries()) {
      const px = await colorPixels(page, LOSS_CANVAS, c);
      assert.ok(px.opaque > 100, `smoothed ${c}: ${px.opaque}`);
      assert.ok(px.faint > faintBefore[i].faint * 1.5, `raw ${c} drawn faint: ${px.faint} faint pixels, ${faintBefore[i].faint} before`);
    }
    assert.equal(await page.textContent('.smoothing-value'), '0.90');
    await page.waitForFunction(() =>
      (window as unknown as { __stub: { posted: { type: string; state?: CompareState }[] } }).__stub.posted.some(
        (m) => m.type === 'state' && m.state?.smoothing === 0.9,
      ),
    );
    await assertClean(cp);
  });

  test('drag-zoom requests the detail of the range and shows it; double-click resets; append adds points without a request', async () => {
    const cp = await open();
    const { page } = cp;
    const before = (await posted(page, 'requestSeries')).length;
    const over = await page.$('.history-panel[data-key="loss"] .u-over');
    const box = (await over!.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 4 });
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    const reqs = await waitPosted(page, 'requestSeries', before + 1);
    const zoom = reqs.at(-1)!;
    // the zoom is synced across panels (same x units), so one request asks for the detail of both
    assert.deepEqual([...(zoom.keys as string[])].sort(), ['acc', 'loss']);
    assert.deepEqual(zoom.runIds, ['r1', 'r2', 'r3']);
    const range = zoom.range as [number, number];
    assert.ok(Array.isArray(range) && range[0] < range[1], JSON.stringify(range));
    assert.ok(range[0] > 20 && range[0] < 80 && range[1] > 70 && range[1] < 130, `range ${range} is about a quarter to a half of 0..199`);
    const inRange = Math.floor(range[1]) - Math.ceil(range[0]) + 1;
    await waitPoints(page, 'loss', 3 * inRange);
    await waitPoints(page, 'acc', 3 * inRange);
    // double-click: back to the full history (every panel), no new request
    await over!.dblclick({ position: { x: box.width / 2, y: box.height / 2 } });
    await waitPoints(page, 'loss', 3 * N);
    await waitPoints(page, 'acc', 3 * N);
    const afterReset = (await posted(page, 'requestSeries')).length;
    assert.equal(afterReset, before + 1);
    // live append to the running run r2: 10 new points, drawn, no re-request
    const draws = Number(await page.getAttribute('.history-panel[data-key="loss"]', 'data-draws'));
    await page.evaluate((n) => {
      const steps = Array.from({ length: 10 }, (_, i) => n + i);
      (window as unknown as { __stub: { send(m: unknown): void } }).__stub.send({
        type: 'append',
        series: [
          {
            runId: 'r2',
            key: 'loss',
            steps: { __f64: steps },
            timestamps: { __f64: steps.map((s) => 1_700_000_001_000 + s * 300) },
            values: { __f64: steps.map(() => 7) },
            total: 10,
            downsampled: false,
          },
        ],
      });
    }, N);
    await waitPoints(page, 'loss', 3 * N + 10);
    assert.ok(Number(await page.getAttribute('.history-panel[data-key="loss"]', 'data-draws')) > draws);
    assert.equal((await posted(page, 'requestSeries')).length, afterReset, 'append must not re-request');
    assert.equal(await pointsOf(page, 'acc'), 3 * N, 'other metrics untouched');
    await assertClean(cp);
  });

  test('x axis and log scale: wall time re-requests on the new axis', async () => {
    const cp = await open();
    const { page } = cp;
    const n = (await posted(page, 'requestSeries')).length;
    await choose(page, '.x-axis', 'Wall time', 'wall');
    const reqs = await waitPosted(page, 'requestSeries', n + 1);
    assert.equal(reqs.at(-1)!.xAxis, 'wall');
    await waitPoints(page, 'loss', 3 * N);
    const box = (await (await page.$('.history-panel[data-key="loss"] .u-over'))!.boundingBox())!;
    await page.mouse.move(box.x + 5, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
    await page.waitForFunction(() => !(document.querySelector('.history-panel[data-key="loss"] .chart-tooltip') as HTMLElement).hidden);
    assert.match((await page.textContent('.history-panel[data-key="loss"] .tt-x')) ?? '', /^time .*\d:\d\d/);
    await page.mouse.move(0, 0);
    const before = await canvasHash(page, LOSS_CANVAS);
    await setChecked(page, '.log-y', true);
    await page.waitForFunction((b) => (document.querySelector('.history-panel[data-key="loss"] canvas') as HTMLCanvasElement).toDataURL() !== b, before);
    for (const c of COLORS) assert.ok((await colorPixels(page, LOSS_CANVAS, c)).opaque > 100);
    await assertClean(cp);
  });

  test('PNG export of a history chart posts PNG bytes', async () => {
    const cp = await open();
    const { page } = cp;
    await page.click('.history-panel[data-key="loss"] .export-png');
    await waitPosted(page, 'saveFile');
    const out = await page.evaluate(() => {
      const m = (
        window as unknown as { __stub: { posted: { type: string; bytes?: ArrayBuffer; kind?: string; suggestedName?: string }[] } }
      ).__stub.posted.find((x) => x.type === 'saveFile')!;
      return {
        kind: m.kind,
        name: m.suggestedName,
        isBuffer: m.bytes instanceof ArrayBuffer,
        head: Array.from(new Uint8Array(m.bytes!).slice(0, 8)),
        size: m.bytes!.byteLength,
      };
    });
    assert.equal(out.kind, 'png');
    assert.equal(out.name, 'loss.png');
    assert.ok(out.isBuffer);
    assert.deepEqual(out.head, [137, 80, 78, 71, 13, 10, 26, 10]);
    assert.ok(out.size > 1000);
    // The image has the chart plus a title above and a legend below: taller than the chart, run colours under it.
    const img = await page.evaluate(async () => {
      const m = (window as unknown as { __stub: { posted: { type: string; bytes?: ArrayBuffer }[] } }).__stub.posted.find((x) => x.type === 'saveFile')!;
      const bmp = await createImageBitmap(new Blob([m.bytes!], { type: 'image/png' }));
      const chart = document.querySelector('.history-panel[data-key="loss"] canvas') as HTMLCanvasElement;
      const c = document.createElement('canvas');
      c.width = bmp.width;
      c.height = bmp.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(bmp, 0, 0);
      const below = ctx.getImageData(0, bmp.height - 20, bmp.width, 20).data;
      const reds = [];
      for (let i = 0; i < below.length; i += 4) if (below[i] > 200 && below[i + 1] < 60 && below[i + 2] < 110) reds.push(i);
      const above = ctx.getImageData(0, 0, bmp.width, 20).data;
      let ink = 0;
      for (let i = 0; i < above.length; i += 4)
        if (Math.abs(above[i] - above[0]) + Math.abs(above[i + 1] - above[1]) + Math.abs(above[i + 2] - above[2]) > 120) ink++;
      return { w: bmp.width, h: bmp.height, chartW: chart.width, chartH: chart.height, legendRed: reds.length, titleInk: ink };
    });
    assert.equal(img.w, img.chartW);
    assert.ok(img.h > img.chartH + 20, `a title and a legend around the chart: ${JSON.stringify(img)}`);
    assert.ok(img.legendRed > 20, `the first run's colour chip in the legend: ${JSON.stringify(img)}`);
    assert.ok(img.titleInk > 20, `title text above the chart: ${JSON.stringify(img)}`);
    await assertClean(cp);
  });

  test('integer steps get integer ticks and tooltips; one run with one point says so', async () => {
    const fx = fixtures();
    fx.runs = fx.runs.slice(0, 1);
    const steps = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    fx.histories = {
      r1: {
        loss: { steps, timestamps: steps.map((s) => T0 + s * 1000), values: steps.map((s) => 1 / (s + 1)) },
        acc: { steps: [3], timestamps: [T0], values: [0.5] },
      },
    };
    const cp = await open({}, fx, steps.length);
    const { page } = cp;
    await waitPoints(page, 'acc', 1);
    const a = await drawnAxes(page, 'loss');
    const labels = a.x.labels.filter((l): l is string => l !== null);
    assert.ok(labels.length >= 2, JSON.stringify(a.x.labels));
    for (const l of labels) assert.match(l, /^\d+$/, `step label ${l} is an integer (${JSON.stringify(labels)})`);
    assert.equal(await page.textContent('.history-panel[data-key="acc"] .points'), '1 run · 1 point');
    assert.equal(await page.textContent('.history-panel[data-key="loss"] .points'), '1 run · 11 points');
    const box = (await (await page.$('.history-panel[data-key="loss"] .u-over'))!.boundingBox())!;
    await page.mouse.move(box.x + 5, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width * 0.37, box.y + box.height / 2, { steps: 3 });
    await page.waitForFunction(() => !(document.querySelector('.history-panel[data-key="loss"] .chart-tooltip') as HTMLElement).hidden);
    assert.match((await page.textContent('.history-panel[data-key="loss"] .tt-x')) ?? '', /^step \d+$/);
    await assertClean(cp);
  });

  test('wall-time ticks over a few seconds: several one-line labels, none cut off', async () => {
    const fx = fixtures();
    for (const r of fx.runs) {
      const h = fx.histories[r.runId].loss;
      // a ~3 s run: 200 points 15 ms apart
      h.timestamps = h.steps.map((s) => T0 + s * 15);
    }
    const cp = await open({ xAxis: 'wall' }, fx);
    const { page } = cp;
    await page.waitForFunction(() =>
      /:/.test(JSON.parse((document.querySelector('.history-panel[data-key="loss"]') as HTMLElement).dataset.axes ?? '{}').x?.labels?.join('') ?? ''),
    );
    const wall = await drawnAxes(page, 'loss');
    const shown = wall.x.labels.filter((l): l is string => l !== null);
    assert.ok(shown.length >= 3, `several wall-time labels: ${JSON.stringify(wall.x.labels)}`);
    for (const l of shown) assert.match(l, /^\d\d:\d\d:\d\d\.\d{3}$/, `one-line label with milliseconds: ${l}`);
    assertXLabelsFit(wall, 'short wall-time x');
    await assertClean(cp);
  });

  test('the tooltip names each run and its value at the cursor', async () => {
    const cp = await open();
    const { page } = cp;
    const box = (await (await page.$('.history-panel[data-key="loss"] .u-over'))!.boundingBox())!;
    await page.mouse.move(box.x + 5, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
    await page.waitForFunction(() => !(document.querySelector('.history-panel[data-key="loss"] .chart-tooltip') as HTMLElement).hidden);
    const rows = await page.$$eval('.history-panel[data-key="loss"] .tt-row', (r) =>
      r.map((x) => [x.querySelector('.tt-name')!.textContent, x.querySelector('.tt-val')!.textContent]),
    );
    assert.deepEqual(
      rows.map((r) => r[0]),
      [EVIL, 'baseline', 'wide'],
    );
    for (const [, v] of rows) assert.ok(Number.isFinite(Number(v)), `value ${v}`);
    // the synced cursor shows on the other panel too
    const accCursor = await page.$eval(
      '.history-panel[data-key="acc"] .u-cursor-x',
      (e) => getComputedStyle(e).display !== 'none' && (e as HTMLElement).style.transform,
    );
    assert.ok(accCursor, 'cursor synced to the acc panel');
    assert.equal(await page.locator('.chart-tooltip img').count(), 0);
    await assertClean(cp);
  });

  test('ECharts loads only when its tab opens and draws the parallel chart; brushing filters the table', async () => {
    const cp = await open();
    const { page, requests } = cp;
    const scripts = () => requests.filter((u) => u.endsWith('.js'));
    assert.ok(!scripts().some((u) => /ecCharts/.test(u)), `history tab loaded ${scripts().join(' ')}`);
    const texts = await Promise.all(
      scripts()
        .filter((u) => u.includes('/webview/'))
        .map(async (u) => (await fetch(u)).text()),
    );
    assert.ok(!texts.some((t) => t.includes('axisAreaSelect')), 'no ECharts code before its tab opens');
    await page.click('[role="tab"][data-tab="parallel"]');
    await page.waitForFunction(() => Number(document.querySelector('.ec-host')?.getAttribute('data-rendered')) >= 1);
    assert.ok(
      scripts().some((u) => /ecCharts-[\w]+\.js$/.test(u)),
      scripts().join(' '),
    );
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    for (const c of COLORS) {
      const px = await colorPixels(page, '.ec-host canvas', c);
      assert.ok(px.opaque + px.faint > 50, `parallel line of ${c}: ${JSON.stringify(px)}`);
    }
    assert.match((await page.getAttribute('.ec-host', 'aria-label')) ?? '', /3 runs over epochs, lr, optimizer, acc, loss/);
    // brush the loss axis (the 5th): drag along it from below the bottom to the middle
    const host = (await (await page.$('.ec-host'))!.boundingBox())!;
    const left = 60;
    const right = 90;
    const top = 50;
    const bottom = 40;
    const ax = host.x + left + ((host.width - left - right) * 4) / 4;
    await page.mouse.move(ax, host.y + host.height - bottom + 2);
    await page.mouse.down();
    await page.mouse.move(ax, host.y + top + (host.height - top - bottom) * 0.5, { steps: 6 });
    await page.mouse.move(ax, host.y + top + (host.height - top - bottom) * 0.45, { steps: 2 });
    await page.mouse.up();
    await page.waitForFunction(() =>
      (window as unknown as { __stub: { posted: { type: string; state?: CompareState }[] } }).__stub.posted.some(
        (m) => m.type === 'state' && m.state?.brush?.['metrics.loss'],
      ),
    );
    const brush = ((await posted(page, 'state')).at(-1)!.state as CompareState).brush!['metrics.loss'];
    const expected = fixtures()
      .runs.filter((r) => r.metrics.loss >= brush[0] && r.metrics.loss <= brush[1])
      .map((r) => r.runId);
    assert.ok(expected.length > 0 && expected.length < 3, `brush ${brush} should keep some runs: ${expected}`);
    await page.waitForFunction((n) => document.querySelectorAll('.runs-table tbody tr').length === n, expected.length);
    assert.deepEqual(await rowIds(page), expected);
    assert.match((await page.textContent('.runs .count')) ?? '', new RegExp(`${expected.length} of 3 runs`));
    // PNG of the ECharts chart
    await page.click('.ec-charts .export-png');
    await waitPosted(page, 'saveFile');
    const head = await page.evaluate(() => {
      const m = (window as unknown as { __stub: { posted: { type: string; bytes?: ArrayBuffer }[] } }).__stub.posted.find((x) => x.type === 'saveFile')!;
      return Array.from(new Uint8Array(m.bytes!).slice(0, 8));
    });
    assert.deepEqual(head, [137, 80, 78, 71, 13, 10, 26, 10]);
    // clear the filter from the table
    await page.click('.clear-brush');
    await page.waitForFunction(() => document.querySelectorAll('.runs-table tbody tr').length === 3);
    await assertClean(cp);
  });

  test('scatter and bar tabs draw the runs in their colours', async () => {
    const cp = await open({ tab: 'scatter' });
    const { page } = cp;
    await page.waitForFunction(
      () =>
        document.querySelector('.ec-host')?.getAttribute('data-kind') === 'scatter' &&
        Number(document.querySelector('.ec-host')?.getAttribute('data-rendered')) >= 1,
    );
    await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
    for (const c of COLORS) assert.ok((await colorPixels(page, '.ec-host canvas', c)).opaque > 30, `scatter point ${c}`);
    assert.match((await page.getAttribute('.ec-host', 'aria-label')) ?? '', /against params\.epochs|against params\.lr/);
    await page.click('[role="tab"][data-tab="bar"]');
    await page.waitForFunction(() => document.querySelector('.ec-host')?.getAttribute('data-kind') === 'bar');
    await choose(page, '.bar-metric', 'loss', 'loss');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    const bars = await Promise.all(COLORS.map((c) => colorPixels(page, '.ec-host canvas', c)));
    // bar heights follow the latest loss: 0.5, 0.3, 0.2
    assert.ok(bars[0].opaque > bars[1].opaque && bars[1].opaque > bars[2].opaque && bars[2].opaque > 100, JSON.stringify(bars));
    await assertClean(cp);
  });

  test('the diff table puts runs side by side and highlights differing cells', async () => {
    const cp = await open();
    const { page } = cp;
    await page.click('[role="tab"][data-tab="diff"]');
    await page.waitForSelector('.diff-table');
    const heads = await page.$$eval('.diff-table thead th', (t) => t.map((x) => x.textContent));
    assert.deepEqual(heads, ['Key', EVIL, 'baseline', 'wide']);
    const row = (k: string) =>
      page.$eval(`.diff-table tr[data-key="${k}"]`, (tr) => ({
        cls: tr.className,
        cells: Array.from(tr.querySelectorAll('td')).map((td) => [td.textContent, td.classList.contains('diff-cell')]),
      }));
    assert.deepEqual(await row('params.lr'), {
      cls: 'differs',
      cells: [
        ['0.1', true],
        ['0.01', true],
        ['0.001', true],
      ],
    });
    assert.deepEqual(await row('params.epochs'), {
      cls: '',
      cells: [
        ['10', false],
        ['10', false],
        ['10', false],
      ],
    });
    assert.deepEqual(
      (await row('metrics.loss')).cells.map((c) => c[1]),
      [true, true, true],
    );
    const bg = await page.$eval('.diff-table tr[data-key="params.lr"] td', (td) => getComputedStyle(td).backgroundColor);
    const plain = await page.$eval('.diff-table tr[data-key="params.epochs"] td', (td) => getComputedStyle(td).backgroundColor);
    assert.notEqual(bg, plain);
    await setChecked(page, '.diff .only-diff', true);
    await page.waitForFunction(() => !document.querySelector('.diff-table tr[data-key="params.epochs"]'));
    assert.ok(await page.$('.diff-table tr[data-key="params.lr"]'));
    await assertClean(cp);
  });

  test('charts follow a theme change (canvas colours are re-read)', async () => {
    const cp = await open();
    const { page } = cp;
    const gridLight = '#ff8800';
    assert.equal((await colorPixels(page, LOSS_CANVAS, gridLight)).opaque, 0);
    const draws = Number(await page.getAttribute('.history-panel[data-key="loss"]', 'data-draws'));
    await page.evaluate(() => document.body.classList.replace('vscode-dark', 'vscode-light'));
    await page.waitForFunction((d) => Number(document.querySelector('.history-panel[data-key="loss"]')?.getAttribute('data-draws')) > d, draws);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.ok((await colorPixels(page, LOSS_CANVAS, gridLight)).opaque > 100, 'grid drawn in the light theme colour');
    await assertClean(cp);
  });

  test('the controls are VS Code Elements, styled by adopted stylesheets (no <style> element) and following the theme', async () => {
    const cp = await open();
    const { page, requests } = cp;
    const tags = [
      'vscode-tabs',
      'vscode-tab-header',
      'vscode-tab-panel',
      'vscode-button',
      'vscode-checkbox',
      'vscode-single-select',
      'vscode-option',
      'vscode-label',
      'vscode-divider',
    ];
    const info = await page.evaluate((tt) => {
      // every element, in the document and in every (open) shadow root; a loop, not a named helper (tsx
      // would wrap one in __name, which doesn't exist in the page)
      const all: Element[] = [];
      const roots: (Document | ShadowRoot)[] = [document];
      for (let i = 0; i < roots.length; i++) {
        for (const e of Array.from(roots[i].querySelectorAll('*'))) {
          all.push(e);
          if (e.shadowRoot) roots.push(e.shadowRoot);
        }
      }
      return {
        litNonce: (window as unknown as { litNonce?: string }).litNonce,
        bodyNonce: document.body.dataset.nonce,
        styleElements: all.filter((e) => e.tagName === 'STYLE').length,
        perTag: tt.map((t) => {
          const els = all.filter((e) => e.localName === t);
          return {
            t,
            defined: !!customElements.get(t),
            count: els.length,
            styled: els.every((e) => !!e.shadowRoot && e.shadowRoot.adoptedStyleSheets.length > 0),
          };
        }),
        nativeControls: document.querySelectorAll('select, input[type="checkbox"], .toolbar > button, [role="tab"]:not(vscode-tab-header)').length,
      };
    }, tags);
    assert.ok(info.bodyNonce && info.litNonce === info.bodyNonce, 'window.litNonce is the page nonce');
    assert.equal(info.styleElements, 0, 'no <style> element anywhere (document or shadow roots)');
    for (const x of info.perTag) assert.ok(x.defined && x.count > 0 && x.styled, JSON.stringify(x));
    assert.equal(info.nativeControls, 0, 'no native select/checkbox/toolbar button/tab left in the page');
    assert.equal(await page.getAttribute('[role="tab"][data-tab="history"]', 'aria-selected'), 'true');
    // per-component imports: elements the webview doesn't use are not in what it loaded
    const code = (await Promise.all(requests.filter((u) => /\/webview\/.*\.js$/.test(u)).map(async (u) => (await fetch(u)).text()))).join('\n');
    for (const unused of ['vscode-tree-item', 'vscode-textarea', 'vscode-split-layout', 'vscode-context-menu'])
      assert.ok(!code.includes(`"${unused}")`) && !code.includes(`'${unused}')`), `${unused} is bundled`);
    // the elements read the --vscode-* variables themselves: the primary button follows a theme change
    const buttonBg = () => page.$eval('.export-csv', (b) => getComputedStyle(b.shadowRoot!.querySelector('.base')!).backgroundColor);
    assert.equal(await buttonBg(), 'rgb(14, 99, 156)');
    await page.evaluate(() => document.body.classList.replace('vscode-dark', 'vscode-light'));
    await page.waitForFunction(
      () => getComputedStyle(document.querySelector('.export-csv')!.shadowRoot!.querySelector('.base')!).backgroundColor === 'rgb(163, 21, 21)',
    );
    await assertClean(cp);
  });

  test('tabs work from the keyboard; the metrics menu chooses the charts', async () => {
    const cp = await open();
    const { page } = cp;
    // metrics menu: untick acc, only the loss panel stays; tick it again
    await page.click('.metrics-menu summary');
    await setChecked(page, '.metrics-menu vscode-checkbox[data-key="acc"]', false);
    await page.waitForFunction(() => document.querySelectorAll('.history-panel').length === 1);
    assert.deepEqual(await page.$$eval('.history-panel', (p) => p.map((x) => x.getAttribute('data-key'))), ['loss']);
    assert.equal(await page.textContent('.metrics-menu summary'), 'Metrics (1/2)');
    assert.equal(await page.getAttribute('.metrics-menu', 'open'), '', 'the menu stays open');
    await page.waitForFunction(
      () =>
        (window as unknown as { __stub: { posted: { type: string; state?: CompareState }[] } }).__stub.posted
          .filter((m) => m.type === 'state')
          .at(-1)
          ?.state?.chartKeys?.join() === 'loss',
    );
    await setChecked(page, '.metrics-menu vscode-checkbox[data-key="acc"]', true);
    await page.waitForFunction(() => document.querySelectorAll('.history-panel').length === 2);
    // keyboard: focus the history tab, arrow right to "Parallel coordinates", Enter selects it
    await page.focus('[role="tab"][data-tab="history"]');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-tab')), 'parallel');
    assert.equal(await page.getAttribute('[role="tab"][data-tab="history"]', 'aria-selected'), 'true', 'arrows move focus only');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => Number(document.querySelector('.ec-host')?.getAttribute('data-rendered')) >= 1);
    assert.equal(await page.getAttribute('[role="tab"][data-tab="parallel"]', 'aria-selected'), 'true');
    assert.equal(await page.$eval('vscode-tab-panel[data-panel="history"]', (p) => (p as HTMLElement).hidden), true);
    assert.equal(await page.$eval('vscode-tab-panel[data-panel="parallel"]', (p) => (p as HTMLElement).hidden), false);
    // Space selects too
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press(' ');
    await page.waitForFunction(() => document.querySelector('.ec-host')?.getAttribute('data-kind') === 'scatter');
    assert.equal(await page.getAttribute('[role="tab"][data-tab="scatter"]', 'aria-selected'), 'true');
    await page.waitForFunction(
      () =>
        (window as unknown as { __stub: { posted: { type: string; state?: CompareState }[] } }).__stub.posted.filter((m) => m.type === 'state').at(-1)?.state
          ?.tab === 'scatter',
    );
    await assertClean(cp);
  });

  test('state from init is applied: hidden runs, chosen metrics, smoothing, tab', async () => {
    const cp = await open({ hiddenRunIds: ['r1'], chartKeys: ['loss'], smoothing: 0.5 }, fixtures(), 2 * N);
    const { page } = cp;
    assert.deepEqual(await page.$$eval('.history-panel', (p) => p.map((x) => x.getAttribute('data-key'))), ['loss']);
    const req = (await posted(page, 'requestSeries'))[0];
    assert.deepEqual(req.runIds, ['r2', 'r3']);
    assert.deepEqual(req.keys, ['loss']);
    assert.equal(await page.$eval('.smoothing', (e) => (e as HTMLInputElement).value), '0.5');
    assert.equal(await isChecked(page, '.runs-table tr[data-run="r1"] .run-toggle'), false);
    assert.equal(await isChecked(page, '.runs-table tr[data-run="r2"] .run-toggle'), true);
    await assertClean(cp);
  });
});

describe('compare webview, nonce-only script-src', () => {
  let strict: WebviewServer;
  before(async () => {
    strict = await startWebviewServer({ strictScripts: true });
  });
  after(async () => {
    await strict?.close();
  });
  test('modules, shared chunks and the lazy ECharts chunk load with the nonce alone', async () => {
    const cp = await openComparePage(browser, strict);
    pages.push(cp);
    assert.match(strict.lastCsp, /script-src 'nonce-[A-Za-z0-9]+'; style-src/);
    await waitPosted(cp.page, 'ready');
    await cp.page.evaluate((f) => {
      const w = window as unknown as { __stub: { fixtures: unknown; send(m: unknown): void } };
      w.__stub.fixtures = f;
      w.__stub.send({
        type: 'init',
        protocol: 1,
        title: 't',
        runs: (f as { runs: CompareRun[] }).runs,
        metricKeys: ['acc', 'loss'],
        state: { runIds: ['r1', 'r2', 'r3'], tab: 'parallel' },
      });
    }, fixtures());
    await cp.page.waitForFunction(() => Number(document.querySelector('.ec-host')?.getAttribute('data-rendered')) >= 1);
    await assertClean(cp);
  });
});
