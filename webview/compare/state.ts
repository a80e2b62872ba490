/**
 * The webview's model: the compared runs, the metric keys and the persisted CompareState. Views subscribe
 * and re-render what they need; every state change is saved with setState and posted to the host (coalesced).
 */
import type { CompareRun, CompareState, ViewMessage } from '../../src/protocol/compare';

export interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** What changed, so a view can skip work that doesn't concern it. */
export type Change = 'runs' | 'visibility' | 'columns' | 'charts' | 'tab' | 'brush';

/** Column ids hidden by default: MLflow's system tags. An entry ending in '*' is a prefix. */
export const DEFAULT_HIDDEN_COLUMNS = ['tags.mlflow.*'];

export class Model {
  runs: CompareRun[] = [];
  metricKeys: string[] = [];
  title = '';
  state: CompareState = { runIds: [] };
  private listeners: ((changes: Set<Change>) => void)[] = [];
  private pending = new Set<Change>();
  private flushScheduled = false;
  private postTimer: ReturnType<typeof setTimeout> | undefined;
  private nextRequestId = 1;

  constructor(readonly api: VsCodeApi) {}

  post(msg: ViewMessage): void {
    this.api.postMessage(msg);
  }

  requestId(): number {
    return this.nextRequestId++;
  }

  subscribe(fn: (changes: Set<Change>) => void): void {
    this.listeners.push(fn);
  }

  /** Notify listeners once per task, however many changes were made in it. */
  changed(...changes: Change[]): void {
    for (const c of changes) this.pending.add(c);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      const set = this.pending;
      this.pending = new Set();
      for (const l of this.listeners) l(set);
    });
  }

  /** Merge `patch` into the state, persist it and tell the host (at most every 150 ms). */
  update(patch: Partial<CompareState>, ...changes: Change[]): void {
    this.state = { ...this.state, ...patch };
    this.api.setState(this.state);
    if (this.postTimer === undefined) {
      this.postTimer = setTimeout(() => {
        this.postTimer = undefined;
        this.post({ type: 'state', state: this.state });
      }, 150);
    }
    if (changes.length) this.changed(...changes);
  }

  runById(id: string): CompareRun | undefined {
    return this.runs.find((r) => r.runId === id);
  }

  isHidden(runId: string): boolean {
    return !!this.state.hiddenRunIds?.includes(runId);
  }

  /** Runs drawn in charts and considered by "only differences": not hidden by the user. */
  shownRuns(): CompareRun[] {
    return this.runs.filter((r) => !this.isHidden(r.runId));
  }

  /** Runs passing the parallel-coordinates brush (all runs when there is none). */
  brushedRuns(runs: CompareRun[] = this.runs): CompareRun[] {
    const brush = this.state.brush;
    if (!brush || !Object.keys(brush).length) return runs;
    return runs.filter((r) =>
      Object.entries(brush).every(([col, [lo, hi]]) => {
        const v = numericValue(r, col);
        return v !== undefined && v >= lo && v <= hi;
      }),
    );
  }

  setRunHidden(runId: string, hidden: boolean): void {
    const set = new Set(this.state.hiddenRunIds ?? []);
    if (hidden) set.add(runId);
    else set.delete(runId);
    this.update({ hiddenRunIds: [...set] }, 'visibility');
  }

  hiddenColumns(): string[] {
    return this.state.hiddenColumns ?? DEFAULT_HIDDEN_COLUMNS;
  }

  isColumnHidden(id: string): boolean {
    return this.hiddenColumns().some((c) => (c.endsWith('*') ? id.startsWith(c.slice(0, -1)) : c === id));
  }

  setColumnHidden(id: string, hidden: boolean): void {
    let cols = this.hiddenColumns().slice();
    if (hidden) cols.push(id);
    else {
      // Showing one column of a hidden prefix: keep the prefix, but hide its other columns one by one.
      const prefixes = cols.filter((c) => c.endsWith('*') && id.startsWith(c.slice(0, -1)));
      cols = cols.filter((c) => c !== id && !prefixes.includes(c));
      for (const p of prefixes) for (const other of this.allColumnIds()) if (other !== id && other.startsWith(p.slice(0, -1))) cols.push(other);
    }
    this.update({ hiddenColumns: [...new Set(cols)] }, 'columns');
  }

  allColumnIds(): string[] {
    const ids = new Set<string>();
    for (const r of this.runs) {
      for (const k of Object.keys(r.params)) ids.add(`params.${k}`);
      for (const k of Object.keys(r.metrics)) ids.add(`metrics.${k}`);
      for (const k of Object.keys(r.tags)) ids.add(`tags.${k}`);
    }
    return [...ids];
  }

  /** Metric keys with a history chart. */
  chartKeys(): string[] {
    const keys = this.state.chartKeys;
    return keys ? keys.filter((k) => this.metricKeys.includes(k)) : this.metricKeys;
  }
}

/** A run's value in a column id (`name`, `status`, `duration`, `params.k`, `metrics.k`, `tags.k`). */
export function columnValue(r: CompareRun, id: string): string | number | undefined {
  if (id === 'name') return r.name;
  if (id === 'status') return r.status;
  if (id === 'duration') return r.endTime !== undefined ? r.endTime - r.startTime : undefined;
  if (id === 'experiment') return r.experimentName;
  const dot = id.indexOf('.');
  const group = id.slice(0, dot);
  const key = id.slice(dot + 1);
  if (group === 'params') return r.params[key];
  if (group === 'metrics') return r.metrics[key];
  if (group === 'tags') return r.tags[key];
  return undefined;
}

/** The column's value as a number, if it is one (params are strings that often hold numbers). */
export function numericValue(r: CompareRun, id: string): number | undefined {
  const v = columnValue(r, id);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
