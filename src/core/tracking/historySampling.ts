// How MLflow's server samples and orders metric histories for its charts (get-history-bulk-interval) and
// bulk reads (get-history-bulk), over plain history arrays so it does not depend on how histories are stored.
import type { Metric, MetricSeries } from './types';

export type RunMetric = Metric & { run_id: string };

/** MLflow's limits for these endpoints. */
export const HISTORY_LIMITS = { runsPerRequest: 100, resultsPerRun: 2500, bulkResults: 25000 };

/** One row per point, in the given order of indexes. */
function rows(runId: string, key: string, s: MetricSeries, idx: number[]): RunMetric[] {
  return idx.map((i) => ({ key, value: s.values[i], timestamp: s.timestamps[i], step: s.steps[i], run_id: runId }));
}

const indexes = (s: MetricSeries) => Array.from({ length: s.steps.length }, (_, i) => i);

/**
 * The steps MLflow keeps for a chart: over the union of the runs' steps within [start, end] (start 0 and the
 * last step when no range is given), every step when there are at most maxResults of them, else maxResults
 * evenly spaced ones plus the last; and always each run's first and last step that fall in the range.
 */
export function sampledSteps(runSteps: ArrayLike<number>[], maxResults: number, range?: { start: number; end: number }): number[] {
  const all = [...new Set(runSteps.flatMap((s) => Array.from(s)))].sort((a, b) => a - b);
  const start = range ? range.start : 0;
  const end = range ? range.end : all.length ? all[all.length - 1] : 0;
  const keep = new Set<number>();
  for (const s of runSteps) {
    if (!s.length) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < s.length; i++) {
      lo = Math.min(lo, s[i]);
      hi = Math.max(hi, s[i]);
    }
    for (const v of [lo, hi]) if (v >= start && v <= end) keep.add(v);
  }
  const from = lowerBound(all, start);
  const to = upperBound(all, end);
  if (to - from <= maxResults) for (let i = from; i < to; i++) keep.add(all[i]);
  else {
    const count = to - from;
    const interval = count / maxResults;
    for (let i = 0; i < maxResults; i++) {
      const idx = from + Math.floor(i * interval);
      // MLflow compares the absolute index with the count here; kept so the same steps come back.
      if (idx < count) keep.add(all[idx]);
    }
    keep.add(all[to - 1]);
  }
  return [...keep].sort((a, b) => a - b);
}

function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** get-history-bulk-interval: each run's points at the sampled steps, runs in request order, points by step, time, value. */
export function sampleHistories(
  key: string,
  histories: { runId: string; series: MetricSeries }[],
  maxResults: number,
  range?: { start: number; end: number },
): RunMetric[] {
  const steps = new Set(
    sampledSteps(
      histories.map((h) => h.series.steps),
      maxResults,
      range,
    ),
  );
  const out: RunMetric[] = [];
  for (const { runId, series: s } of histories) {
    const idx = indexes(s)
      .filter((i) => steps.has(s.steps[i]))
      .sort((a, b) => s.steps[a] - s.steps[b] || s.timestamps[a] - s.timestamps[b] || s.values[a] - s.values[b]);
    out.push(...rows(runId, key, s, idx.slice(0, HISTORY_LIMITS.bulkResults)));
  }
  return out;
}

/** A history in the order MLflow's SQL store gives it: by timestamp, then step, then value. */
export function historyInLoggedOrder(key: string, s: MetricSeries): Metric[] {
  const before = (a: number, b: number) => s.timestamps[a] - s.timestamps[b] || s.steps[a] - s.steps[b] || s.values[a] - s.values[b];
  let idx = indexes(s);
  // The usual history (time grows with the step) is already in this order: no sort then.
  for (let i = 1; i < idx.length; i++) {
    if (before(i - 1, i) > 0) {
      idx = idx.sort(before);
      break;
    }
  }
  return idx.map((i) => ({ key, value: s.values[i], timestamp: s.timestamps[i], step: s.steps[i] }));
}

/** get-history-bulk: runs by id, each run's points by timestamp, step, value; at most maxResults in all. */
export function bulkHistories(key: string, histories: { runId: string; series: MetricSeries }[], maxResults: number): RunMetric[] {
  const out: RunMetric[] = [];
  for (const { runId, series } of [...histories].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0))) {
    for (const m of historyInLoggedOrder(key, series)) {
      if (out.length >= maxResults) return out;
      out.push({ ...m, run_id: runId });
    }
  }
  return out;
}
