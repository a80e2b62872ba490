import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { compareRuns, metricKeysOf } from '../../core/compare/compareRun';
import { compareHtml, makeNonce } from '../../core/compare/html';
import { answerSeries, seriesData } from '../../core/compare/series';
import { SeriesFeed } from '../../core/compare/seriesFeed';
import { BadMessage, checkRequestSeries, checkSaveFile, runIdsOfState, sanitizeState } from '../../core/compare/validate';
import type { ChangeBatch } from '../../core/store/changes';
import {
  COMPARE_VIEW_TYPE,
  isViewMessage,
  PROTOCOL_VERSION,
  type CompareRun,
  type CompareState,
  type HostMessage,
  type SeriesData,
} from '../../protocol/compare';
import type { DisposableStore } from '../shared/disposables';
import type { StoreHost } from '../server/storeHost';
import { CommandIds } from '../commandIds';

/**
 * Not a product limit (there is no cap on compared runs: a sweep of hundreds compares whole); a bound on what a
 * restored or hostile webview state may ask for, so one message cannot make the host load the whole store.
 */
export const MAX_COMPARE_RUNS = 10_000;
/** Live updates go out at most this often per panel. */
export const LIVE_THROTTLE_MS = 250;

/** What the extension-host tests see of a panel. */
export interface ComparePanelInfo {
  runIds: string[];
  title: string;
  /** message types posted to the webview, in order */
  posted: string[];
  /** message types received from the webview, in order */
  received: string[];
  /** per posted series/append message: run id, key and point count of each series */
  seriesPosted: { type: string; series: { runId: string; key: string; points: number }[] }[];
  /** `saved` answers posted (to `saveFile`): request id and where the file went */
  saved: { requestId: number; path?: string }[];
  /** `error` answers posted: request id (when the message had one) and the text */
  errors: { requestId?: number; message: string }[];
  problems: string[];
  html: string;
  state: CompareState;
}

/** Where an export goes: the save dialog, replaceable by tests. */
export type SaveTarget = (fileName: string, kind: 'csv' | 'png') => Thenable<vscode.Uri | undefined>;

/** Creates compare panels, restores them after a window reload and knows the open ones. */
export class ComparePanels {
  private readonly panels = new Set<ComparePanel>();
  saveTarget: SaveTarget = (fileName, kind) => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    return vscode.window.showSaveDialog({
      title: kind === 'csv' ? 'Export CSV' : 'Export chart as PNG',
      defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
      filters: kind === 'csv' ? { CSV: ['csv'] } : { 'PNG image': ['png'] },
    });
  };

  constructor(
    private readonly host: StoreHost,
    private readonly extensionUri: vscode.Uri,
    private readonly output: vscode.LogOutputChannel,
    owner: DisposableStore,
    /** Another kind of panel over another store (the team server's mirror): its own view type, restored on reload. */
    private readonly kind: { viewType: string; title: string } = { viewType: COMPARE_VIEW_TYPE, title: 'Compare Runs' },
  ) {
    owner.add(
      vscode.window.registerWebviewPanelSerializer(kind.viewType, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const runIds = runIdsOfState(state, MAX_COMPARE_RUNS);
          if (!runIds) {
            panel.dispose();
            return;
          }
          this.adopt(panel, runIds, sanitizeState(state, runIds));
        },
      }),
    );
    owner.add({ dispose: () => [...this.panels].forEach((p) => p.panel.dispose()) });
  }

  /** Opens a panel comparing the runs, or reveals the one that already compares exactly these runs. */
  open(runIds: string[]): ComparePanel {
    const ids = [...new Set(runIds)];
    if (!ids.length) throw new Error('select at least one run to compare');
    if (ids.length > MAX_COMPARE_RUNS) throw new Error(`compare at most ${MAX_COMPARE_RUNS} runs at a time (got ${ids.length})`);
    const key = [...ids].sort().join(',');
    for (const p of this.panels) {
      if ([...p.runIds].sort().join(',') === key) {
        p.panel.reveal();
        return p;
      }
    }
    const panel = vscode.window.createWebviewPanel(this.kind.viewType, this.kind.title, vscode.ViewColumn.Active, this.options());
    return this.adopt(panel, ids, { runIds: ids });
  }

  list(): ComparePanel[] {
    return [...this.panels];
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private adopt(panel: vscode.WebviewPanel, runIds: string[], state: CompareState): ComparePanel {
    // A deserialised panel comes back with default options: set them again (scripts, resource roots).
    panel.webview.options = this.options();
    const p = new ComparePanel(panel, runIds, state, this.host, this.extensionUri, this.output, (f, k) => this.saveTarget(f, k));
    this.panels.add(p);
    panel.onDidDispose(() => this.panels.delete(p));
    return p;
  }
}

/** One comparison: its webview, the message routing and the live feed of its runs. */
export class ComparePanel {
  readonly runIds: string[];
  private readonly runSet: Set<string>;
  private state: CompareState;
  private ready = false;
  private readonly feed = new SeriesFeed();
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = 0;
  private readonly pendingRuns = new Set<string>();
  private readonly pendingMetrics = new Map<string, Set<string>>();
  private pendingAll = false;
  private startTimes = new Map<string, number>();
  private metricKeys: string[] = [];
  readonly info: ComparePanelInfo;

  constructor(
    readonly panel: vscode.WebviewPanel,
    runIds: string[],
    state: CompareState,
    private readonly host: StoreHost,
    private readonly extensionUri: vscode.Uri,
    private readonly output: vscode.LogOutputChannel,
    private readonly saveTarget: SaveTarget,
  ) {
    this.runIds = runIds;
    this.runSet = new Set(runIds);
    this.state = { ...state, runIds };
    this.info = { runIds, title: '', posted: [], received: [], seriesPosted: [], saved: [], errors: [], problems: [], html: '', state: this.state };
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m) => void this.receive(m)),
      host.onDidChange((batch) => this.onStoreChange(batch)),
      panel.onDidDispose(() => this.dispose()),
    );
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'mlops.svg');
    this.setTitle(this.host.store ? compareRuns(this.host.store, this.runIds) : []);
    this.render();
  }

  private setTitle(runs: CompareRun[]) {
    const names = runs.map((r) => r.name);
    const title = names.length && names.length <= 3 ? `Compare: ${names.join(', ')}` : `Compare ${this.runIds.length} runs`;
    this.panel.title = title;
    this.info.title = title;
  }

  private render() {
    const webview = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const styles = ['compare.css', 'uPlot.min.css']
      .filter((f) => fs.existsSync(path.join(dist.fsPath, f)))
      .map((f) => webview.asWebviewUri(vscode.Uri.joinPath(dist, f)).toString());
    this.ready = false;
    const html = compareHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'compare.js')).toString(),
      styleUris: styles,
      title: this.info.title,
    });
    webview.html = html;
    this.info.html = html;
  }

  private async post(m: HostMessage): Promise<boolean> {
    // Nothing goes out before `ready`: the webview's listener would not be there to get it.
    if (!this.ready) return false;
    const summary =
      m.type === 'series' || m.type === 'append'
        ? m.series.map((s: SeriesData) => ({ runId: s.runId, key: s.key, points: s.values.byteLength / 8 }))
        : undefined;
    const ok = await this.panel.webview.postMessage(m);
    if (ok) {
      this.info.posted.push(m.type);
      if (summary) this.info.seriesPosted.push({ type: m.type, series: summary });
      if (m.type === 'saved') this.info.saved.push({ requestId: m.requestId, ...(m.path !== undefined ? { path: m.path } : {}) });
      if (m.type === 'error') this.info.errors.push({ ...(m.requestId !== undefined ? { requestId: m.requestId } : {}), message: m.message });
      if (this.info.posted.length > 2000) this.info.posted.splice(0, 1000);
      if (this.info.seriesPosted.length > 500) this.info.seriesPosted.splice(0, 250);
      for (const list of [this.info.saved, this.info.errors]) if (list.length > 500) list.splice(0, 250);
    }
    return ok;
  }

  private async store() {
    return this.host.store ?? (await this.host.openIfExists());
  }

  /** Handles one message from the webview (also the entry point tests use to act as the webview). */
  async receive(m: unknown): Promise<void> {
    if (!isViewMessage(m)) {
      this.output.warn('compare panel: ignored a message of unknown type');
      return;
    }
    this.info.received.push(m.type);
    if (this.info.received.length > 2000) this.info.received.splice(0, 1000);
    const requestId = typeof (m as { requestId?: unknown }).requestId === 'number' ? (m as { requestId: number }).requestId : undefined;
    try {
      switch (m.type) {
        case 'ready':
          if (m.protocol !== PROTOCOL_VERSION)
            this.output.warn(`compare panel: webview speaks protocol ${String(m.protocol)}, the extension ${PROTOCOL_VERSION}`);
          this.ready = true;
          await this.sendInit();
          return;
        case 'requestSeries': {
          const req = checkRequestSeries(m, this.runSet);
          const store = await this.store();
          if (!store) throw new Error('the store is not open');
          await this.post(answerSeries(store, req, this.startTimes, this.feed));
          return;
        }
        case 'state':
          this.state = sanitizeState(m.state, this.runIds);
          this.info.state = this.state;
          return;
        case 'openRun':
          if (typeof m.runId !== 'string' || !this.runSet.has(m.runId)) throw new BadMessage('that run is not compared in this panel');
          await vscode.commands.executeCommand(CommandIds.openRun, m.runId);
          return;
        case 'saveFile': {
          const save = checkSaveFile(m);
          const uri = await this.saveTarget(save.fileName, save.kind);
          if (uri) await vscode.workspace.fs.writeFile(uri, save.data);
          await this.post({ type: 'saved', requestId: save.requestId, ...(uri ? { path: uri.scheme === 'file' ? uri.fsPath : uri.toString() } : {}) });
          return;
        }
        case 'problem': {
          const text = String((m as { message?: unknown }).message ?? '').slice(0, 2000);
          this.info.problems.push(text);
          this.output.warn(`compare webview: ${text}`);
          return;
        }
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (!(e instanceof BadMessage)) this.output.error(`compare panel: ${m.type} failed: ${message}`);
      else this.output.warn(`compare panel: refused ${m.type}: ${message}`);
      await this.post({ type: 'error', ...(requestId !== undefined ? { requestId } : {}), message });
    }
  }

  /**
   * Rebuilds the compared runs and the metric keys; with `only`, just those runs (a live update reads the runs
   * that changed, not every compared run, every 250 ms). Metric keys only ever grow, so merging is enough.
   */
  private refreshRuns(only?: ReadonlySet<string>): CompareRun[] {
    const store = this.host.store;
    if (!store) return [];
    const runs = compareRuns(store, this.runIds, only);
    if (!only) this.startTimes = new Map();
    for (const r of runs) this.startTimes.set(r.runId, r.startTime);
    const keys = metricKeysOf(store, only ? [...only] : this.runIds);
    this.metricKeys = only ? [...new Set([...this.metricKeys, ...keys])].sort() : keys;
    return runs;
  }

  private async sendInit() {
    const store = await this.store();
    if (!store) {
      await this.post({ type: 'error', message: 'This workspace has no MLOps store yet.' });
      return;
    }
    // A (re)loaded webview starts from nothing: live updates start again from its next series requests.
    this.feed.clear();
    this.pendingRuns.clear();
    this.pendingMetrics.clear();
    this.pendingAll = false;
    const runs = this.refreshRuns();
    this.setTitle(runs);
    await this.post({ type: 'init', protocol: PROTOCOL_VERSION, title: this.info.title, runs, metricKeys: this.metricKeys, state: this.state });
  }

  private onStoreChange(batch: ChangeBatch | undefined) {
    if (!this.ready) return;
    if (!batch || batch.all) this.pendingAll = true;
    else {
      for (const id of batch.runs) if (this.runSet.has(id)) this.pendingRuns.add(id);
      for (const [id, keys] of batch.metrics) {
        if (!this.runSet.has(id)) continue;
        this.pendingRuns.add(id); // latest metrics changed
        let set = this.pendingMetrics.get(id);
        if (!set) this.pendingMetrics.set(id, (set = new Set()));
        for (const k of keys) set.add(k);
      }
    }
    if (!this.pendingAll && !this.pendingRuns.size) return;
    this.schedule();
  }

  private schedule() {
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + LIVE_THROTTLE_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  private async flush() {
    this.lastFlush = Date.now();
    const store = this.host.store;
    if (!store || !this.ready) return;
    const all = this.pendingAll;
    const changedRuns = new Set(this.pendingRuns);
    let metrics: Iterable<[string, Iterable<string>]> = [...this.pendingMetrics];
    if (all) metrics = this.runIds.map((id) => [id, this.feed.keysOf(id)] as [string, string[]]);
    this.pendingAll = false;
    this.pendingRuns.clear();
    this.pendingMetrics.clear();
    try {
      const deltas = this.feed.deltas(store, metrics);
      const before = this.metricKeys.join('\u0000');
      const runs = this.refreshRuns(all ? undefined : changedRuns);
      if (runs.length || before !== this.metricKeys.join('\u0000')) await this.post({ type: 'runsUpdated', runs, metricKeys: this.metricKeys });
      if (deltas.length)
        await this.post({
          type: 'append',
          series: deltas.map((d) => seriesData(d.runId, d.key, d, this.feed.sentCount(d.runId, d.key) ?? d.values.length, false)),
        });
    } catch (e) {
      this.output.error(`compare panel: live update failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  dispose() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
