/**
 * Reading metric histories from the segments, lazily: a whole history, a page of it, the points logged since
 * a position (live chart updates), or a chart's worth drawn from the chunks' bucket summaries.
 */
import { BUCKET_BYTES, bucketPoints, SUMMARY_BYTES, type Columns } from '../store/chunk';
import type { Store } from '../store/store';
import { chunkRows, readColumns, type ChunkRow } from './pointIndex';
import type { MetricSeries } from './types';

function concat(store: Store, rows: ChunkRow[]): Columns {
  const total = rows.reduce((s, c) => s + c.n, 0);
  const out = { steps: new Float64Array(total), timestamps: new Float64Array(total), values: new Float64Array(total) };
  let off = 0;
  for (const r of rows) {
    const c = readColumns(store, r);
    out.steps.set(c.steps, off);
    out.timestamps.set(c.timestamps, off);
    out.values.set(c.values, off);
    off += r.n;
  }
  return out;
}

/** A series in (step, timestamp) order, stable. */
function sortSeries(s: Columns): MetricSeries {
  const { steps, timestamps, values } = s;
  const total = steps.length;
  let sorted = true;
  for (let i = 1; i < total && sorted; i++) {
    if (steps[i] < steps[i - 1] || (steps[i] === steps[i - 1] && timestamps[i] < timestamps[i - 1])) sorted = false;
  }
  if (sorted) return s;
  const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => steps[a] - steps[b] || timestamps[a] - timestamps[b] || a - b);
  return {
    steps: Float64Array.from(order, (i) => steps[i]),
    timestamps: Float64Array.from(order, (i) => timestamps[i]),
    values: Float64Array.from(order, (i) => values[i]),
  };
}

/** The whole history of one metric of one run, ordered by step, then timestamp (stable). */
export function getMetricHistory(store: Store, runId: string, key: string): MetricSeries {
  return sortSeries(concat(store, chunkRows(store, runId, key)));
}

/** True when logging order is already (step, timestamp) order, judged from the chunk summaries alone. */
function inOrder(rows: ChunkRow[]): boolean {
  for (let i = 0; i < rows.length; i++) {
    if (!rows[i].sorted) return false;
    const p = rows[i - 1];
    if (p && (rows[i].first_step < p.last_step || (rows[i].first_step === p.last_step && rows[i].first_ts < p.last_ts))) return false;
  }
  return true;
}

/**
 * Points [offset, offset + limit) of a history in MLflow's order, and how many there are. When the points
 * were logged in order (the usual case) only the chunks holding the page are read; otherwise the history
 * is read and sorted.
 */
export function historyPage(store: Store, runId: string, key: string, offset: number, limit: number): { page: MetricSeries; total: number } {
  const rows = chunkRows(store, runId, key);
  const total = rows.reduce((s, c) => s + c.n, 0);
  const end = Math.min(total, offset + limit);
  if (!inOrder(rows)) {
    const all = sortSeries(concat(store, rows));
    return { page: { steps: all.steps.slice(offset, end), timestamps: all.timestamps.slice(offset, end), values: all.values.slice(offset, end) }, total };
  }
  return { page: slice(store, rows, offset, end), total };
}

/** Points [from, to) in logging order, reading only the chunks that hold them. */
function slice(store: Store, rows: ChunkRow[], from: number, to: number): MetricSeries {
  const n = Math.max(0, to - from);
  const out = { steps: new Float64Array(n), timestamps: new Float64Array(n), values: new Float64Array(n) };
  let pos = 0;
  let off = 0;
  for (const r of rows) {
    const a = Math.max(from, pos);
    const b = Math.min(to, pos + r.n);
    if (a < b) {
      const c = readColumns(store, r);
      out.steps.set(c.steps.subarray(a - pos, b - pos), off);
      out.timestamps.set(c.timestamps.subarray(a - pos, b - pos), off);
      out.values.set(c.values.subarray(a - pos, b - pos), off);
      off += b - a;
    }
    pos += r.n;
    if (pos >= to) break;
  }
  return out;
}

/** How many points a run's metric has. */
export function pointCount(store: Store, runId: string, key: string): number {
  return store.one<{ n: number | null }>('SELECT sum(n) AS n FROM metric_chunks WHERE run_uuid = ? AND key = ?', [runId, key])?.n ?? 0;
}

/** The points of a run's metric from position `from` on, in the order they were logged. */
export function pointsSince(store: Store, runId: string, key: string, from: number): MetricSeries {
  const rows = chunkRows(store, runId, key);
  const total = rows.reduce((s, c) => s + c.n, 0);
  return slice(store, rows, from, total);
}

/**
 * A chart's view of a history without reading its points: each chunk with buckets contributes its bucket
 * summaries (four points per 64: first, lowest, highest, last), smaller chunks their points. The envelope
 * (every minimum and maximum) is the full series'; `total` is the number of points it stands for.
 * Returns the points themselves when there are few (at most `detailBelow`).
 */
export function chartView(store: Store, runId: string, key: string, detailBelow: number): { series: MetricSeries; total: number; reduced: boolean } {
  const rows = chunkRows(store, runId, key);
  const total = rows.reduce((s, c) => s + c.n, 0);
  if (total <= detailBelow || !rows.some((r) => r.nb > 0)) return { series: sortSeries(concat(store, rows)), total, reduced: false };
  const parts: Columns[] = [];
  for (const r of rows) {
    if (!r.nb) {
      parts.push(readColumns(store, r));
      continue;
    }
    const at = r.off + r.sa + SUMMARY_BYTES;
    parts.push(bucketPoints(store.points.read(r.seg, at, r.nb * BUCKET_BYTES), r.nb));
  }
  const m = parts.reduce((s, p) => s + p.steps.length, 0);
  const out = { steps: new Float64Array(m), timestamps: new Float64Array(m), values: new Float64Array(m) };
  let off = 0;
  for (const p of parts) {
    out.steps.set(p.steps, off);
    out.timestamps.set(p.timestamps, off);
    out.values.set(p.values, off);
    off += p.steps.length;
  }
  return { series: sortSeries(out), total, reduced: true };
}

/** The chunks of a history that overlap an x range (plus one on each side), read as points, for a zoomed chart. */
export function rangeView(store: Store, runId: string, key: string, axis: 'step' | 'time', from: number, to: number): MetricSeries {
  const rows = chunkRows(store, runId, key);
  const lo = (r: ChunkRow) => (axis === 'step' ? r.min_step : r.min_ts);
  const hi = (r: ChunkRow) => (axis === 'step' ? r.max_step : r.max_ts);
  const keep = new Set<number>();
  rows.forEach((r, i) => {
    if (hi(r) >= from && lo(r) <= to) keep.add(i);
  });
  // Neighbours hold the points just outside the range, so lines reach the chart's edges.
  let before = -1;
  let after = -1;
  rows.forEach((r, i) => {
    if (hi(r) < from && (before < 0 || hi(r) > hi(rows[before]))) before = i;
    if (lo(r) > to && (after < 0 || lo(r) < lo(rows[after]))) after = i;
  });
  if (before >= 0) keep.add(before);
  if (after >= 0) keep.add(after);
  return sortSeries(
    concat(
      store,
      rows.filter((_, i) => keep.has(i)),
    ),
  );
}
