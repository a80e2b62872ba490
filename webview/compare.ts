/**
 * The "Compare runs" webview (issue 6). A plain browser app: it talks to the extension through
 * acquireVsCodeApi() (postMessage / getState / setState) with the messages of src/protocol/compare.ts.
 *
 * Expected page (the host's HTML; nothing inline):
 *   <body data-nonce="N"><script type="module" nonce="N" src=".../dist/webview/compare.js"></script></body>
 * under  default-src 'none'; script-src 'nonce-N' <cspSource>; style-src <cspSource>;
 *        img-src <cspSource> data: blob:; font-src <cspSource>
 */
// First: the nonce for Lit, then the VS Code Elements (modules are evaluated in import order).
import './compare/nonce';
import './compare/elements';
import { COMPARE_TABS, type CompareRun, type CompareTab, type HostMessage, PROTOCOL_VERSION } from '../src/protocol/compare';
import type { CompareState } from '../src/protocol/compare';
import { DiffTable } from './compare/diffTable';
import { h } from './compare/dom';
import type { EcCharts, EcKind } from './compare/ecCharts';
import { saveCsv } from './compare/exports';
import { HistoryCharts } from './compare/history';
import { Model, type VsCodeApi } from './compare/state';
import { adoptStyles } from './compare/styles';
import { RunsTable } from './compare/table';
import { readTheme, watchTheme } from './compare/theme';

declare function acquireVsCodeApi(): VsCodeApi;

type Tab = CompareTab;
const TABS = COMPARE_TABS;

const api = acquireVsCodeApi();
const model = new Model(api);

// Problems (CSP violations, uncaught errors) go to the host's log, where tests see them too.
document.addEventListener('securitypolicyviolation', (e) => {
  model.post({ type: 'problem', message: `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})` });
});
window.addEventListener('error', (e) => model.post({ type: 'problem', message: `error: ${e.message} (${e.filename}:${e.lineno})` }));
window.addEventListener('unhandledrejection', (e) =>
  model.post({ type: 'problem', message: `unhandled rejection: ${String((e.reason as Error)?.stack ?? e.reason)}` }),
);

adoptStyles();

const root = h('main', { class: 'compare' });
const title = h('h1', { text: 'Compare runs' });
const status = h('p', { class: 'status-line', role: 'status' });
const table = new RunsTable(model, { exportCsv: () => saveCsv(model) });
const history = new HistoryCharts(model);
const diff = new DiffTable(model);
const tabs = h('vscode-tabs', { class: 'chart-tabs', 'aria-label': 'Charts' });
const panels = new Map<Tab, HTMLElement>();
let ec: EcCharts | undefined;
let ecLoading: Promise<EcCharts> | undefined;
let theme = readTheme();

// vscode-tabs gives the headers and panels their roles, ids and aria-controls/labelledby, moves focus with
// the arrow keys and selects on click or Enter; the model's `tab` is the source of truth.
for (const t of TABS) {
  tabs.append(h('vscode-tab-header', { 'data-tab': t.id, text: t.label }));
  const p = h('vscode-tab-panel', { 'data-panel': t.id });
  panels.set(t.id, p);
  tabs.append(p);
}
tabs.addEventListener('vsc-tabs-select', (e) => {
  const i = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
  if (TABS[i]) model.update({ tab: TABS[i].id }, 'tab');
});
tabs.addEventListener('keydown', (e) => {
  // Space activates a tab too (the element handles Enter)
  const header = (e.target as Element).closest?.('vscode-tab-header');
  if (e.key !== ' ' || !header) return;
  e.preventDefault();
  const t = header.getAttribute('data-tab') as Tab;
  model.update({ tab: t }, 'tab');
});
panels.get('history')!.append(history.el);
panels.get('diff')!.append(diff.el);
root.append(title, status, table.el, h('vscode-divider'), tabs);
(document.getElementById('app') ?? document.body).append(root);

function loadEcCharts(): Promise<EcCharts> {
  ecLoading ??= import('./compare/ecCharts').then((m) => {
    ec = new m.EcCharts(model, theme);
    return ec;
  });
  return ecLoading;
}

async function showTab(tab: Tab): Promise<void> {
  const index = TABS.findIndex((t) => t.id === tab);
  if (tabs.selectedIndex !== index) tabs.selectedIndex = index;
  history.setActive(tab === 'history');
  if (tab === 'diff') diff.render();
  if (tab === 'parallel' || tab === 'scatter' || tab === 'bar') {
    const charts = await loadEcCharts();
    if ((model.state.tab ?? 'history') !== tab) return;
    const p = panels.get(tab)!;
    p.append(charts.el); // one ECharts view, moved to whichever of its tabs is open
    charts.el.hidden = false;
    charts.show(tab as EcKind);
  }
}

model.subscribe((ch) => {
  if (ch.has('tab')) void showTab(model.state.tab ?? 'history');
});

watchTheme((t) => {
  theme = t;
  history.setTheme(t);
  ec?.setTheme(t);
});

function mergeRuns(runs: CompareRun[]): void {
  const byId = new Map(model.runs.map((r) => [r.runId, r]));
  for (const r of runs) byId.set(r.runId, r);
  model.runs = [...byId.values()];
}

window.addEventListener('message', (e: MessageEvent) => {
  const msg = e.data as HostMessage;
  if (!msg || typeof msg !== 'object' || typeof (msg as { type?: unknown }).type !== 'string') return;
  switch (msg.type) {
    case 'init': {
      if (msg.protocol !== PROTOCOL_VERSION) status.textContent = `This panel expects protocol ${PROTOCOL_VERSION}, the extension speaks ${msg.protocol}.`;
      const saved = api.getState() as CompareState | undefined;
      model.title = msg.title;
      model.runs = msg.runs;
      model.metricKeys = msg.metricKeys;
      model.state = { ...(saved && sameRuns(saved.runIds, msg.state.runIds) ? saved : {}), ...msg.state, runIds: msg.runs.map((r) => r.runId) };
      api.setState(model.state);
      title.textContent = msg.title || 'Compare runs';
      document.getElementById('app')?.removeAttribute('aria-busy');
      document.title = title.textContent;
      history.dropRuns(new Set(model.runs.map((r) => r.runId)));
      model.changed('runs', 'visibility', 'columns', 'charts', 'brush', 'tab');
      break;
    }
    case 'series':
      history.onSeries(msg);
      break;
    case 'append':
      history.onAppend(msg);
      break;
    case 'runsUpdated':
      mergeRuns(msg.runs);
      model.metricKeys = msg.metricKeys;
      model.changed('runs');
      break;
    case 'error':
      status.textContent = msg.message;
      status.classList.add('error');
      break;
    case 'saved':
      status.classList.remove('error');
      status.textContent = msg.path ? `Saved ${msg.path}` : 'Not saved.';
      break;
  }
});

function sameRuns(a: string[] | undefined, b: string[] | undefined): boolean {
  if (!a || !b) return false;
  return a.length === b.length && a.every((x) => b.includes(x));
}

model.post({ type: 'ready', protocol: PROTOCOL_VERSION });
