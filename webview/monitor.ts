/**
 * The deployment monitor webview: requests/s, latency percentiles, errors, predictions over time, input
 * drift per feature, and champion vs challenger side by side. Everything reaches the page by textContent
 * (run and model names included); charts are uPlot canvases; styles are adopted stylesheets (the CSP has
 * no 'unsafe-inline').
 */
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';
import type { DeploymentStats, RouteStats } from '../src/core/serving/recorder';
import type { MonitorHostMessage, MonitorViewMessage } from '../src/protocol/monitor';
import appCss from './monitor/monitor.css';
import { clear, h } from './compare/dom';

declare function acquireVsCodeApi(): { postMessage(m: MonitorViewMessage): void };
const api = acquireVsCodeApi();
const sheets = [uplotCss, appCss].map((text) => {
  const s = new CSSStyleSheet();
  s.replaceSync(text);
  return s;
});
document.adoptedStyleSheets = [...document.adoptedStyleSheets, ...sheets];
document.addEventListener('securitypolicyviolation', (e) => api.postMessage({ type: 'problem', message: `CSP: ${e.violatedDirective} ${e.blockedURI}` }));
window.addEventListener('error', (e) => api.postMessage({ type: 'problem', message: String(e.message) }));

const root = document.getElementById('app')!;
/** Redrawn on every update (numbers, tables); the charts below it are kept and given new data. */
const app = h('div', { 'data-part': 'summary' });
const grid = h('div', { class: 'charts' });
root.append(app, grid);
const charts = new Map<string, uPlot>();

function fmt(v: number | undefined, digits = 3): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(digits + 1)));
}

function card(label: string, value: string) {
  return h('div', { class: 'card' }, h('div', { class: 'v', text: value }), h('div', { class: 'k', text: label }));
}

function routeRow(name: string, r: RouteStats | undefined) {
  if (!r) return null;
  return h(
    'tr',
    {},
    ...[name, String(r.requests), String(r.errors), fmt(r.p50), fmt(r.p95), fmt(r.p99), fmt(r.meanPrediction)].map((t) => h('td', { text: t })),
  );
}

function color(): string {
  return getComputedStyle(document.body).getPropertyValue('--vscode-charts-blue').trim() || '#3794ff';
}

function chart(key: string, title: string, xs: number[], ys: (number | null)[], host: HTMLElement) {
  const width = Math.max(320, Math.min(720, host.clientWidth || 480));
  const data: uPlot.AlignedData = [xs, ys];
  let plot = charts.get(key);
  if (plot) {
    plot.setData(data);
    return;
  }
  clear(host);
  const fg = getComputedStyle(document.body).color;
  const grid = { stroke: 'rgba(128,128,128,0.2)' };
  plot = new uPlot(
    {
      width,
      height: 200,
      title,
      scales: { x: { time: true } },
      legend: { show: false },
      series: [{}, { label: title, stroke: color(), width: 1.5, points: { show: xs.length < 30 } }],
      axes: [
        { stroke: fg, grid },
        { stroke: fg, grid, size: 56 },
      ],
    },
    data,
    host,
  );
  charts.set(key, plot);
}

function render(m: Extract<MonitorHostMessage, { type: 'update' }>) {
  const { info, stats } = m;
  clear(app);
  const c = info.champion;
  app.append(
    h('h1', { text: `${c.name} version ${c.version}${c.alias ? ` (@${c.alias})` : ''}` }),
    h('div', {
      class: 'sub',
      text: `${m.serving ? `Serving at ${info.url}/invocations` : 'Stopped'} · ${info.mode === 'single' ? 'one version' : `${info.mode} with version ${info.challenger?.version}${info.challenger?.alias ? ` (@${info.challenger.alias})` : ''}`}${info.reference ? ` · drift against ${info.reference}` : ''}`,
    }),
  );
  if (m.problem) app.append(h('div', { class: 'problem', text: m.problem }));
  const actions = h('div', { class: 'actions' });
  const exp = h('button', { class: 'secondary', text: 'Export CSV', 'data-action': 'export' });
  exp.addEventListener('click', () => api.postMessage({ type: 'exportCsv' }));
  actions.append(exp);
  if (info.challenger) {
    const promote = h('button', { text: `Promote challenger (version ${info.challenger.version})`, 'data-action': 'promote' });
    promote.addEventListener('click', () => api.postMessage({ type: 'promote' }));
    actions.append(promote);
  }
  if (m.serving) {
    const stop = h('button', { class: 'secondary', text: 'Stop serving', 'data-action': 'stop' });
    stop.addEventListener('click', () => api.postMessage({ type: 'stop' }));
    actions.append(stop);
  }
  app.append(actions);
  const ch = stats.byRoute.champion;
  app.append(
    h(
      'div',
      { class: 'cards' },
      card('requests', String(stats.requests)),
      card('requests/s (last minute)', fmt(stats.rps, 2)),
      card('errors', String(stats.errors)),
      card('latency p50 ms', fmt(ch?.p50)),
      card('latency p95 ms', fmt(ch?.p95)),
      card('latency p99 ms', fmt(ch?.p99)),
    ),
  );
  const routes = h(
    'table',
    { 'data-part': 'routes' },
    h('tr', {}, ...['', 'requests', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'mean prediction'].map((t) => h('th', { text: t }))),
  );
  for (const [name, key] of [
    ['champion', 'champion'],
    ['challenger (split)', 'challenger'],
    ['challenger (shadow)', 'shadow'],
  ] as const) {
    const row = routeRow(name, stats.byRoute[key]);
    if (row) routes.append(row);
  }
  app.append(routes);
  if (stats.agreement) {
    app.append(
      h('div', {
        'data-part': 'agreement',
        text: `Champion and challenger agree on ${(stats.agreement.rate * 100).toFixed(1)}% of ${stats.agreement.pairs} mirrored requests; mean difference (challenger − champion) ${fmt(stats.agreement.meanDifference)}.`,
      }),
    );
  }
  driftTable(stats);
  const xs = stats.timeline.map((t) => t[0] / 1000);
  const parts: [string, string, (number | null)[]][] = [
    ['requests', 'Requests per minute', stats.timeline.map((t) => t[1])],
    ['latency', 'Mean latency (ms)', stats.timeline.map((t) => t[3])],
    ['errors', 'Errors per minute', stats.timeline.map((t) => t[2])],
    ['prediction', 'Mean prediction', stats.timeline.map((t) => t[4])],
  ];
  for (const [key, title, ys] of parts) {
    let box = grid.querySelector<HTMLElement>(`[data-chart="${key}"]`);
    if (!box) grid.append((box = h('div', { class: 'chart', 'data-chart': key })));
    if (xs.length) chart(key, title, xs, ys, box);
    else if (!box.firstChild) box.append(h('h2', { text: title }), h('div', { class: 'empty', text: 'No requests yet.' }));
  }
  root.removeAttribute('aria-busy');
}

function driftTable(stats: DeploymentStats) {
  app.append(h('h2', { text: 'Input drift against the training data' }));
  if (!stats.drift.length) {
    app.append(h('div', { class: 'empty', text: "Not enough requests yet (20 values per feature), or the model's run recorded no CSV training data." }));
    return;
  }
  const t = h(
    'table',
    { 'data-part': 'drift' },
    h('tr', {}, ...['feature', 'test', 'statistic', 'p-value', 'served', 'verdict'].map((x) => h('th', { text: x }))),
  );
  for (const f of stats.drift) {
    t.append(
      h(
        'tr',
        {},
        h('td', { text: f.feature }),
        h('td', { text: f.kind === 'numeric' ? 'KS' : 'PSI' }),
        h('td', { text: fmt(f.statistic) }),
        h('td', { text: f.pValue === undefined ? '' : fmt(f.pValue) }),
        h('td', { text: String(f.current) }),
        h('td', { class: f.level === 'none' ? '' : f.level, text: f.level === 'none' ? 'no drift' : f.level }),
      ),
    );
  }
  app.append(t);
}

window.addEventListener('message', (e: MessageEvent<MonitorHostMessage>) => {
  const m = e.data;
  if (m.type === 'update') render(m);
  else if (m.type === 'error') app.append(h('div', { class: 'problem', text: m.message }));
});
api.postMessage({ type: 'ready' });
