/**
 * The compare panel's message protocol, shared by the extension (src/vscode/comparePanel*) and the webview
 * (webview/compare.ts). Pure types plus a few guards: no 'vscode', no DOM.
 *
 * - Notifications run extension → webview (`HostMessage`).
 * - Commands run webview → extension (`ViewMessage`); a request carries `requestId` and gets a response
 *   with the same id.
 * - Handshake: the extension posts nothing until the webview has sent `ready`; messages posted before the
 *   webview's listener exists are lost.
 * - Bulk data (metric series) travels as `ArrayBuffer`s of Float64 values, never as JSON arrays. VS Code
 *   transfers ArrayBuffers found anywhere in a message efficiently (engines.vscode >= 1.57).
 */
import type { RunStatus } from '../core/tracking/types';

export const COMPARE_VIEW_TYPE = 'mlops.compare';
export const PROTOCOL_VERSION = 1;

/** One compared run, as the table, the diff table and the charts' legends need it. */
export interface CompareRun {
  runId: string;
  name: string;
  experimentId: string;
  experimentName: string;
  status: RunStatus;
  /** epoch ms */
  startTime: number;
  endTime?: number;
  params: Record<string, string>;
  /** latest value per metric key (MLflow's latest rule: max step, then max timestamp) */
  metrics: Record<string, number>;
  tags: Record<string, string>;
  parentRunId?: string;
  /** CSS colour, stable for the run within a panel */
  color: string;
}

/** x axis of the metric history charts: step, wall-clock time (epoch ms), or ms since the run's start. */
export type XAxis = 'step' | 'wall' | 'relative';

/**
 * A metric history, or a part of it. `steps`, `timestamps` and `values` are ArrayBuffers of Float64 of the
 * same length; the i-th entries describe one point. When `downsampled`, the points are the min and the max
 * of each bucket (in x order), so spikes survive; `total` is the number of points in the full range.
 */
export interface SeriesData {
  runId: string;
  key: string;
  steps: ArrayBuffer;
  timestamps: ArrayBuffer;
  values: ArrayBuffer;
  total: number;
  downsampled: boolean;
}

/**
 * The compare panel's tabs, in order: the one list of chart kinds. The webview builds its tabs from it and the
 * extension accepts a saved `tab` only from it; a new chart adds its entry here and its view in the webview.
 */
export const COMPARE_TABS = [
  { id: 'history', label: 'Metric history' },
  { id: 'parallel', label: 'Parallel coordinates' },
  { id: 'scatter', label: 'Scatter' },
  { id: 'bar', label: 'Bar' },
  { id: 'diff', label: 'Diff' },
] as const;

export type CompareTab = (typeof COMPARE_TABS)[number]['id'];

/** What the webview persists (vscode.setState) and the serializer hands back after a reload. */
export interface CompareState {
  runIds: string[];
  hiddenRunIds?: string[];
  /** metric keys shown as history charts; undefined = all */
  chartKeys?: string[];
  xAxis?: XAxis;
  logY?: boolean;
  /** EMA smoothing weight in [0, 1) */
  smoothing?: number;
  onlyDifferences?: boolean;
  sort?: { column: string; descending: boolean };
  hiddenColumns?: string[];
  pinnedColumns?: string[];
  /** the tab shown (one of COMPARE_TABS) */
  tab?: CompareTab;
  scatter?: { x: string; y: string };
  bar?: { metric: string };
  /** brushing on the parallel axes: column → [min, max] */
  brush?: Record<string, [number, number]>;
}

// ---- extension → webview ----------------------------------------------------------------------

export interface InitMessage {
  type: 'init';
  protocol: number;
  title: string;
  runs: CompareRun[];
  /** every metric key logged by any compared run, sorted */
  metricKeys: string[];
  state: CompareState;
}

/** The answer to a `requestSeries`. */
export interface SeriesMessage {
  type: 'series';
  requestId: number;
  xAxis: XAxis;
  /** the requested x range, if the request was for a zoomed range */
  range?: [number, number];
  series: SeriesData[];
}

/** New points of a RUNNING run since the last message for that (run, key); raw, never downsampled. */
export interface AppendMessage {
  type: 'append';
  series: SeriesData[];
}

/** Runs whose status, latest metrics, params or tags changed; also new metric keys. */
export interface RunsUpdatedMessage {
  type: 'runsUpdated';
  runs: CompareRun[];
  metricKeys: string[];
}

export interface ErrorMessage {
  type: 'error';
  requestId?: number;
  message: string;
}

/** The answer to `saveFile`: where it went, or that the user cancelled. */
export interface SavedMessage {
  type: 'saved';
  requestId: number;
  path?: string;
}

export type HostMessage = InitMessage | SeriesMessage | AppendMessage | RunsUpdatedMessage | ErrorMessage | SavedMessage;

// ---- webview → extension ----------------------------------------------------------------------

export interface ReadyMessage {
  type: 'ready';
  protocol: number;
}

/**
 * Histories of `keys` for `runIds`, bucketed on `xAxis`, to about 2 × `pixelWidth` points per series.
 * `range` asks for the detail of a zoomed x range (in the same x units).
 */
export interface RequestSeriesMessage {
  type: 'requestSeries';
  requestId: number;
  runIds: string[];
  keys: string[];
  xAxis: XAxis;
  pixelWidth: number;
  range?: [number, number];
}

/** The webview's state changed (the host keeps it for reopening and for live updates). */
export interface StateMessage {
  type: 'state';
  state: CompareState;
}

export interface OpenRunMessage {
  type: 'openRun';
  runId: string;
}

/** Save an export: CSV text or PNG bytes. The host asks where, writes it and answers `saved`. */
export interface SaveFileMessage {
  type: 'saveFile';
  requestId: number;
  kind: 'csv' | 'png';
  suggestedName: string;
  text?: string;
  bytes?: ArrayBuffer;
}

/** A CSP violation or an uncaught error in the webview, reported so tests and the log see it. */
export interface ProblemMessage {
  type: 'problem';
  message: string;
}

export type ViewMessage = ReadyMessage | RequestSeriesMessage | StateMessage | OpenRunMessage | SaveFileMessage | ProblemMessage;

const VIEW_TYPES = new Set<ViewMessage['type']>(['ready', 'requestSeries', 'state', 'openRun', 'saveFile', 'problem']);

/** The extension validates what the webview sends: a webview is less trusted than the extension. */
export function isViewMessage(m: unknown): m is ViewMessage {
  return !!m && typeof m === 'object' && VIEW_TYPES.has((m as { type: ViewMessage['type'] }).type);
}

/** Float64 view of a series column. */
export function f64(buf: ArrayBuffer): Float64Array {
  return new Float64Array(buf);
}
