/**
 * What the compare webview sends, checked before the host acts on it. The webview is less trusted than the
 * extension: its run ids must be the panel's, its sizes bounded, its file names plain.
 */
import { COMPARE_TABS, type CompareState, type CompareTab, type RequestSeriesMessage, type XAxis } from '../../protocol/compare';

export const MAX_PIXEL_WIDTH = 8192;
export const MAX_KEYS_PER_REQUEST = 1000;
export const MAX_SAVE_BYTES = 256 * 1024 * 1024;
const X_AXES = new Set<XAxis>(['step', 'wall', 'relative']);
const TABS = new Set<string>(COMPARE_TABS.map((t) => t.id));

export class BadMessage extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isRequestId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const strings = (v: unknown, max: number): v is string[] => Array.isArray(v) && v.length <= max && v.every((s) => typeof s === 'string' && s.length <= 1000);

/** A requestSeries whose run ids are all the panel's; throws BadMessage (with what is wrong) otherwise. */
export function checkRequestSeries(m: unknown, panelRuns: ReadonlySet<string>): RequestSeriesMessage {
  if (!isObj(m) || m.type !== 'requestSeries') throw new BadMessage('not a requestSeries message');
  if (!isRequestId(m.requestId)) throw new BadMessage('requestId must be an integer');
  if (!strings(m.runIds, panelRuns.size)) throw new BadMessage("runIds must be a list of the panel's run ids");
  const alien = m.runIds.find((id) => !panelRuns.has(id));
  if (alien !== undefined) throw new BadMessage(`run ${alien.slice(0, 64)} is not compared in this panel`);
  if (!strings(m.keys, MAX_KEYS_PER_REQUEST)) throw new BadMessage(`keys must be a list of at most ${MAX_KEYS_PER_REQUEST} metric keys`);
  if (typeof m.xAxis !== 'string' || !X_AXES.has(m.xAxis as XAxis)) throw new BadMessage('xAxis must be step, wall or relative');
  const w = m.pixelWidth;
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 1 || w > MAX_PIXEL_WIDTH)
    throw new BadMessage(`pixelWidth must be a number in [1, ${MAX_PIXEL_WIDTH}]`);
  let range: [number, number] | undefined;
  if (m.range !== undefined) {
    const r = m.range;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === 'number' && Number.isFinite(x)))
      throw new BadMessage('range must be two finite numbers');
    range = [r[0], r[1]];
  }
  return {
    type: 'requestSeries',
    requestId: m.requestId,
    runIds: [...new Set(m.runIds)],
    keys: [...new Set(m.keys)],
    xAxis: m.xAxis as XAxis,
    pixelWidth: Math.floor(w),
    ...(range ? { range } : {}),
  };
}

/** Bytes of a PNG export, whatever ArrayBuffer-ish shape the message carried them in. */
function bytesOf(v: unknown): Uint8Array | undefined {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

export interface CheckedSave {
  requestId: number;
  kind: 'csv' | 'png';
  fileName: string;
  data: Uint8Array;
}

export function checkSaveFile(m: unknown): CheckedSave {
  if (!isObj(m) || m.type !== 'saveFile') throw new BadMessage('not a saveFile message');
  if (!isRequestId(m.requestId)) throw new BadMessage('requestId must be an integer');
  const kind = m.kind;
  if (kind !== 'csv' && kind !== 'png') throw new BadMessage('kind must be csv or png');
  let data: Uint8Array | undefined;
  if (kind === 'csv') {
    if (typeof m.text !== 'string') throw new BadMessage('a CSV export needs text');
    data = new TextEncoder().encode(m.text);
  } else {
    data = bytesOf(m.bytes);
    if (!data) throw new BadMessage('a PNG export needs bytes');
    const sig = [0x89, 0x50, 0x4e, 0x47];
    if (data.length < 8 || sig.some((b, i) => data![i] !== b)) throw new BadMessage('the bytes are not a PNG image');
  }
  if (data.byteLength > MAX_SAVE_BYTES) throw new BadMessage('the export is too large');
  return { requestId: m.requestId, kind, fileName: safeFileName(typeof m.suggestedName === 'string' ? m.suggestedName : '', kind), data };
}

/** A plain file name (no folders, no control or reserved characters) with the kind's extension. */
export function safeFileName(name: string, ext: 'csv' | 'png'): string {
  const base = (name.split(/[\\/]/).pop() ?? '')
    .replace(/[\u0000-\u001f<>:"|?*]/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 120);
  const stem = base.replace(new RegExp(`\\.${ext}$`, 'i'), '') || 'compare';
  return `${stem}.${ext}`;
}

/**
 * The webview's state, kept by the host for reopening: only known fields of the right types, and always
 * the panel's own runs (the webview cannot widen a comparison).
 */
export function sanitizeState(s: unknown, runIds: readonly string[]): CompareState {
  const out: CompareState = { runIds: [...runIds] };
  if (!isObj(s)) return out;
  const inPanel = new Set(runIds);
  if (strings(s.hiddenRunIds, runIds.length)) out.hiddenRunIds = s.hiddenRunIds.filter((id) => inPanel.has(id));
  if (strings(s.chartKeys, MAX_KEYS_PER_REQUEST)) out.chartKeys = s.chartKeys;
  if (typeof s.xAxis === 'string' && X_AXES.has(s.xAxis as XAxis)) out.xAxis = s.xAxis as XAxis;
  if (typeof s.logY === 'boolean') out.logY = s.logY;
  if (typeof s.smoothing === 'number' && s.smoothing >= 0 && s.smoothing < 1) out.smoothing = s.smoothing;
  if (typeof s.onlyDifferences === 'boolean') out.onlyDifferences = s.onlyDifferences;
  if (isObj(s.sort) && typeof s.sort.column === 'string' && typeof s.sort.descending === 'boolean')
    out.sort = { column: s.sort.column, descending: s.sort.descending };
  if (strings(s.hiddenColumns, 10_000)) out.hiddenColumns = s.hiddenColumns;
  if (strings(s.pinnedColumns, 10_000)) out.pinnedColumns = s.pinnedColumns;
  if (typeof s.tab === 'string' && TABS.has(s.tab)) out.tab = s.tab as CompareTab;
  if (isObj(s.scatter) && typeof s.scatter.x === 'string' && typeof s.scatter.y === 'string') out.scatter = { x: s.scatter.x, y: s.scatter.y };
  if (isObj(s.bar) && typeof s.bar.metric === 'string') out.bar = { metric: s.bar.metric };
  if (isObj(s.brush)) {
    const brush: Record<string, [number, number]> = {};
    for (const [k, v] of Object.entries(s.brush)) {
      if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && !Number.isNaN(x))) brush[k] = [v[0], v[1]];
    }
    out.brush = brush;
  }
  return out;
}

/** Run ids from a persisted state (after a window reload), or undefined when there are none. */
export function runIdsOfState(s: unknown, max: number): string[] | undefined {
  if (!isObj(s) || !strings(s.runIds, max)) return undefined;
  const ids = [...new Set(s.runIds)].filter((id) => /^[a-zA-Z0-9][\w-]{0,255}$/.test(id));
  return ids.length ? ids : undefined;
}
