import { toF64 } from '../store/chunk';
import { defineOp, type Store } from '../store/store';
import { InvalidParameter } from '../errors';
import type { KeyValue, Metric, MetricSeries } from './types';
import { appendSeries } from './pointIndex';
import { activeRunRow, applyParams, applyTags, runRow, validateParams, validateTagList } from './runs';

export { latestMetrics } from './latestMetrics';
import { LIMITS, optionalInt, requireInt, requireMetricValue, validateKey } from './validation';

/**
 * Metric histories: the points of each batch go, per key, into one chunk of the segment files
 * (store/segments.ts, indexed by tracking/pointIndex.ts), never into the journal or the sql.js image. A batch
 * of 1,000 points is one chunk per key, and the cost of a write does not depend on how much history exists.
 */
export { getMetricHistory } from './history';

export interface MetricInput {
  key: string;
  value: unknown;
  timestamp: unknown;
  step?: unknown;
}

function u8(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

interface BatchArgs {
  id: string;
  params: KeyValue[];
  tags: KeyValue[];
  /** distinct metric keys, and for each point the index of its key */
  keys: string[];
  ki: number[];
}

/**
 * Appends metric points (packed as by packBatch: values, then timestamps, then steps) to a run's history,
 * one chunk per key, and updates its latest values. For operations only (they check the run first).
 */
export function applyMetrics(store: Store, runId: string, keys: string[], ki: number[], bin: Uint8Array | undefined) {
  const n = ki.length;
  if (!n) return;
  if (!bin || bin.byteLength !== n * 24) throw new Error('metric batch: binary payload does not match its point count');
  const all = toF64(bin);
  if (keys.length === 1) {
    appendSeries(store, runId, keys[0], { values: all.subarray(0, n), timestamps: all.subarray(n, 2 * n), steps: all.subarray(2 * n, 3 * n) });
    store.changes.metric(runId, keys[0]);
    store.wrotePoints();
    return;
  }
  // Points per key, in the order they were logged.
  const counts = new Array(keys.length).fill(0);
  for (let i = 0; i < n; i++) counts[ki[i]]++;
  const cols = keys.map((_, k) => ({ values: new Float64Array(counts[k]), timestamps: new Float64Array(counts[k]), steps: new Float64Array(counts[k]), i: 0 }));
  for (let i = 0; i < n; i++) {
    const c = cols[ki[i]];
    c.values[c.i] = all[i];
    c.timestamps[c.i] = all[n + i];
    c.steps[c.i] = all[2 * n + i];
    c.i++;
  }
  for (let k = 0; k < keys.length; k++) {
    if (!cols[k].i) continue;
    appendSeries(store, runId, keys[k], cols[k]);
    store.changes.metric(runId, keys[k]);
  }
  store.wrotePoints();
}

/** What the journal keeps of a batch: its params and tags. Its points are in the segments. */
const withoutPoints = (a: BatchArgs) => (a.params.length || a.tags.length ? { args: { ...a, keys: [], ki: [] } } : undefined);

const batchOp = defineOp(
  'tracking.logBatch',
  (store, a: BatchArgs, bin?: Uint8Array) => {
    activeRunRow(store, a.id);
    if (a.params.length) applyParams(store, a.id, a.params);
    if (a.tags.length) applyTags(store, a.id, a.tags);
    applyMetrics(store, a.id, a.keys, a.ki, bin);
    store.changes.run(a.id);
  },
  { keepsMemo: true, journal: withoutPoints },
);

export interface BatchInput {
  metrics?: MetricInput[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

/** Validates a batch the way MLflow does and packs its metrics into columns. */
export function packBatch(runId: string, batch: BatchInput): { args: BatchArgs; bin?: Uint8Array } {
  const metrics = batch.metrics ?? [];
  if (!Array.isArray(metrics)) throw new InvalidParameter("Invalid value for parameter 'metrics': expected a list.", 'metrics');
  const params = validateParams(batch.params);
  const tags = validateTagList(batch.tags);
  if (metrics.length > LIMITS.metricsPerBatch) {
    throw new InvalidParameter(
      `A batch logging request can contain at most ${LIMITS.metricsPerBatch} metrics. Got ${metrics.length} metrics. Please split up metrics across multiple requests and try again.`,
      'metrics',
    );
  }
  if (params.length > LIMITS.paramsPerBatch) {
    throw new InvalidParameter(
      `A batch logging request can contain at most ${LIMITS.paramsPerBatch} params. Got ${params.length} params. Please split up params across multiple requests and try again.`,
      'params',
    );
  }
  if (tags.length > LIMITS.tagsPerBatch) {
    throw new InvalidParameter(
      `A batch logging request can contain at most ${LIMITS.tagsPerBatch} tags. Got ${tags.length} tags. Please split up tags across multiple requests and try again.`,
      'tags',
    );
  }
  const total = metrics.length + params.length + tags.length;
  if (total > LIMITS.entitiesPerBatch) {
    throw new InvalidParameter(
      `A batch logging request can contain at most ${LIMITS.entitiesPerBatch} total entities. Got ${total} total entities.`,
      'metrics',
    );
  }
  const n = metrics.length;
  const keyIndex = new Map<string, number>();
  const keys: string[] = [];
  const ki = new Array<number>(n);
  const cols = n ? new Float64Array(3 * n) : undefined;
  for (let i = 0; i < n; i++) {
    const m = metrics[i];
    if (!m || typeof m !== 'object') throw new InvalidParameter(`Invalid metric at index ${i}: expected {key, value, timestamp, step}.`, 'metrics');
    let k = keyIndex.get(m.key);
    if (k === undefined) {
      validateKey('metric', m.key);
      k = keys.length;
      keys.push(m.key);
      keyIndex.set(m.key, k);
    }
    ki[i] = k;
    if (typeof m.value === 'boolean') throw new InvalidParameter(`Got invalid value ${m.value} for metric '${m.key}': it must be a number.`, 'value');
    cols![i] = requireMetricValue(m.value);
    cols![n + i] = requireInt('timestamp', m.timestamp, { min: 0 });
    cols![2 * n + i] = optionalInt('step', m.step) ?? 0;
  }
  return { args: { id: runId, params, tags, keys, ki }, bin: cols ? u8(cols) : undefined };
}

export function logBatch(store: Store, runId: string, batch: BatchInput): void {
  const id = runRow(store, runId).run_uuid;
  const { args, bin } = packBatch(id, batch);
  if (!args.ki.length && !args.params.length && !args.tags.length) {
    activeRunRow(store, id);
    return;
  }
  batchOp(store, args, bin);
}

export function logMetric(store: Store, runId: string, m: MetricInput): void {
  logBatch(store, runId, { metrics: [m] });
}

export function metricKeys(store: Store, runId: string): string[] {
  return store.all<{ key: string }>('SELECT key FROM latest_metrics WHERE run_uuid = ? ORDER BY key', [runId]).map((r) => r.key);
}

export function seriesToMetrics(key: string, s: MetricSeries, from = 0, to = s.steps.length): Metric[] {
  const out: Metric[] = [];
  for (let i = from; i < to; i++) out.push({ key, value: s.values[i], timestamp: s.timestamps[i], step: s.steps[i] });
  return out;
}
