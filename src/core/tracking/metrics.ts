import { beforeSnapshot, defineOp, type Store } from '../store/store';
import { InvalidParameter } from '../store/errors';
import type { KeyValue, Metric, MetricSeries } from './types';
import { activeRunRow, applyParams, applyTags, runRow, validateParams, validateTagList } from './runs';
import { LIMITS, optionalInt, requireInt, requireMetricValue, validateKey } from './validation';

/**
 * Metric histories are stored columnar: one metric_chunks row per run × key × logged batch, holding
 * Float64Array BLOBs of steps, timestamps and values. A batch of 1,000 points is one row, not 1,000, and the
 * cost of a write does not depend on how much history exists. Before each snapshot, runs of small chunks
 * (single log-metric calls) are merged, so reads stay cheap.
 */
const MERGE_TARGET = 65536;
/** Chunks with fewer points than this are merged with their small neighbours before a snapshot. */
const SMALL_CHUNK = 4096;

export interface MetricInput {
  key: string;
  value: unknown;
  timestamp: unknown;
  step?: unknown;
}

interface LatestRow {
  key: string;
  value: number | null;
  timestamp: number;
  step: number;
  is_nan: number;
}

export function latestMetrics(store: Store, runId: string): Metric[] {
  return store
    .all<LatestRow>('SELECT key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid = ? ORDER BY key', [runId])
    .map((r) => ({ key: r.key, value: r.is_nan ? NaN : (r.value as number), timestamp: r.timestamp, step: r.step }));
}

/** MLflow's order for "latest": the greatest (step, timestamp, value), with NaN compared as 0. */
function later(a: { step: number; timestamp: number; value: number }, b: { step: number; timestamp: number; value: number }): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  const av = Number.isNaN(a.value) ? 0 : a.value;
  const bv = Number.isNaN(b.value) ? 0 : b.value;
  return av > bv;
}

/** `later` on columns, without an object per point. */
function laterAt(s: Float64Array, t: Float64Array, v: Float64Array, a: number, b: number): boolean {
  if (s[a] !== s[b]) return s[a] > s[b];
  if (t[a] !== t[b]) return t[a] > t[b];
  const av = Number.isNaN(v[a]) ? 0 : v[a];
  const bv = Number.isNaN(v[b]) ? 0 : v[b];
  return av > bv;
}

function f64(bytes: Uint8Array): Float64Array {
  if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  return new Float64Array(new Uint8Array(bytes).buffer);
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

/** Appends metric points (packed as by packBatch) to a run's history and updates its latest values. For journaled operations only. */
export function applyMetrics(store: Store, runId: string, keys: string[], ki: number[], bin: Uint8Array | undefined) {
  const n = ki.length;
  if (!n) return;
  if (!bin || bin.byteLength !== n * 24) throw new Error('metric batch: binary payload does not match its point count');
  const all = f64(bin);
  const values = all.subarray(0, n);
  const timestamps = all.subarray(n, 2 * n);
  const steps = all.subarray(2 * n, 3 * n);
  // Points per key, in the order they were logged.
  const counts = new Array(keys.length).fill(0);
  for (let i = 0; i < n; i++) counts[ki[i]]++;
  const cols = keys.map((_, k) => ({ v: new Float64Array(counts[k]), t: new Float64Array(counts[k]), s: new Float64Array(counts[k]), i: 0 }));
  for (let i = 0; i < n; i++) {
    const c = cols[ki[i]];
    c.v[c.i] = values[i];
    c.t[c.i] = timestamps[i];
    c.s[c.i] = steps[i];
    c.i++;
  }
  for (let k = 0; k < keys.length; k++) {
    const c = cols[k];
    if (!c.i) continue;
    const key = keys[k];
    const seqKey = `seq:${runId}\0${key}`;
    let seq = store.memo.get(seqKey) as number | undefined;
    if (seq === undefined) {
      const last = store.one<{ m: number | null }>('SELECT max(seq) AS m FROM metric_chunks WHERE run_uuid = ? AND key = ?', [runId, key]);
      seq = (last?.m ?? -1) + 1;
    }
    store.run('INSERT INTO metric_chunks(run_uuid, key, seq, n, steps, timestamps, vals) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      runId, key, seq, c.i, u8(c.s), u8(c.t), u8(c.v),
    ]);
    store.memo.set(seqKey, seq + 1);
    let best = 0;
    for (let i = 1; i < c.i; i++) if (laterAt(c.s, c.t, c.v, i, best)) best = i;
    const cand = { step: c.s[best], timestamp: c.t[best], value: c.v[best] };
    const latestKey = `lat:${runId}\0${key}`;
    let cur = store.memo.get(latestKey) as { step: number; timestamp: number; value: number } | null | undefined;
    if (cur === undefined) {
      const row = store.one<LatestRow>('SELECT key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid = ? AND key = ?', [runId, key]);
      cur = row ? { step: row.step, timestamp: row.timestamp, value: row.is_nan ? NaN : (row.value as number) } : null;
    }
    if (!cur || later(cand, cur)) {
      const nan = Number.isNaN(cand.value);
      store.run('INSERT OR REPLACE INTO latest_metrics(run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)', [
        runId, key, nan ? 0 : cand.value, cand.timestamp, cand.step, nan ? 1 : 0,
      ]);
      cur = cand;
    }
    store.memo.set(latestKey, cur);
    store.changes.metric(runId, key);
  }
}

const batchOp = defineOp('tracking.logBatch', (store, a: BatchArgs, bin?: Uint8Array) => {
  activeRunRow(store, a.id);
  if (a.params.length) applyParams(store, a.id, a.params);
  if (a.tags.length) applyTags(store, a.id, a.tags);
  applyMetrics(store, a.id, a.keys, a.ki, bin);
  store.changes.run(a.id);
}, { keepsMemo: true });

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
    throw new InvalidParameter(`A batch logging request can contain at most ${LIMITS.metricsPerBatch} metrics. Got ${metrics.length} metrics. Please split up metrics across multiple requests and try again.`, 'metrics');
  }
  if (params.length > LIMITS.paramsPerBatch) {
    throw new InvalidParameter(`A batch logging request can contain at most ${LIMITS.paramsPerBatch} params. Got ${params.length} params. Please split up params across multiple requests and try again.`, 'params');
  }
  if (tags.length > LIMITS.tagsPerBatch) {
    throw new InvalidParameter(`A batch logging request can contain at most ${LIMITS.tagsPerBatch} tags. Got ${tags.length} tags. Please split up tags across multiple requests and try again.`, 'tags');
  }
  const total = metrics.length + params.length + tags.length;
  if (total > LIMITS.entitiesPerBatch) {
    throw new InvalidParameter(`A batch logging request can contain at most ${LIMITS.entitiesPerBatch} total entities. Got ${total} total entities.`, 'metrics');
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

/** The whole history of one metric of one run, ordered by step, then timestamp (stable). */
export function getMetricHistory(store: Store, runId: string, key: string): MetricSeries {
  const chunks = store.all<{ n: number; steps: Uint8Array; timestamps: Uint8Array; vals: Uint8Array }>(
    'SELECT n, steps, timestamps, vals FROM metric_chunks WHERE run_uuid = ? AND key = ? ORDER BY seq',
    [runId, key],
  );
  const total = chunks.reduce((s, c) => s + c.n, 0);
  const steps = new Float64Array(total);
  const timestamps = new Float64Array(total);
  const values = new Float64Array(total);
  let off = 0;
  let sorted = true;
  for (const c of chunks) {
    steps.set(f64(c.steps), off);
    timestamps.set(f64(c.timestamps), off);
    values.set(f64(c.vals), off);
    off += c.n;
  }
  for (let i = 1; i < total && sorted; i++) {
    if (steps[i] < steps[i - 1] || (steps[i] === steps[i - 1] && timestamps[i] < timestamps[i - 1])) sorted = false;
  }
  if (sorted) return { steps, timestamps, values };
  const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => steps[a] - steps[b] || timestamps[a] - timestamps[b] || a - b);
  return {
    steps: Float64Array.from(order, (i) => steps[i]),
    timestamps: Float64Array.from(order, (i) => timestamps[i]),
    values: Float64Array.from(order, (i) => values[i]),
  };
}

export function seriesToMetrics(key: string, s: MetricSeries, from = 0, to = s.steps.length): Metric[] {
  const out: Metric[] = [];
  for (let i = from; i < to; i++) out.push({ key, value: s.values[i], timestamp: s.timestamps[i], step: s.steps[i] });
  return out;
}

/**
 * Merges runs of consecutive small chunks (single log-metric calls, small batches) into large ones.
 * Chunks that are already large stay as they are, so a snapshot rewrites only what was logged in small
 * pieces since the last one, not the whole history. Physical only: the history reads the same before and
 * after (a merged chunk takes the place, and the sequence numbers, of the chunks it replaces).
 */
function mergeSmallChunks(store: Store) {
  const groups = store.all<{ run_uuid: string; key: string }>(
    'SELECT run_uuid, key FROM metric_chunks WHERE n < ? GROUP BY run_uuid, key HAVING count(*) > 1',
    [SMALL_CHUNK],
  );
  for (const g of groups) {
    const sizes = store.all<{ seq: number; n: number }>('SELECT seq, n FROM metric_chunks WHERE run_uuid = ? AND key = ? ORDER BY seq', [g.run_uuid, g.key]);
    for (let a = 0; a < sizes.length; ) {
      if (sizes[a].n >= SMALL_CHUNK) {
        a++;
        continue;
      }
      let b = a;
      while (b + 1 < sizes.length && sizes[b + 1].n < SMALL_CHUNK) b++;
      if (b > a) mergeRange(store, g.run_uuid, g.key, sizes[a].seq, sizes[b].seq);
      a = b + 1;
    }
  }
}

/** Replaces the chunks with seq in [first, last] by as few chunks as MERGE_TARGET allows, numbered from first. */
function mergeRange(store: Store, runId: string, key: string, first: number, last: number) {
  const chunks = store.all<{ n: number; steps: Uint8Array; timestamps: Uint8Array; vals: Uint8Array }>(
    'SELECT n, steps, timestamps, vals FROM metric_chunks WHERE run_uuid = ? AND key = ? AND seq BETWEEN ? AND ? ORDER BY seq',
    [runId, key, first, last],
  );
  const total = chunks.reduce((s, c) => s + c.n, 0);
  const s = new Float64Array(total);
  const t = new Float64Array(total);
  const v = new Float64Array(total);
  let off = 0;
  for (const c of chunks) {
    s.set(f64(c.steps), off);
    t.set(f64(c.timestamps), off);
    v.set(f64(c.vals), off);
    off += c.n;
  }
  store.run('DELETE FROM metric_chunks WHERE run_uuid = ? AND key = ? AND seq BETWEEN ? AND ?', [runId, key, first, last]);
  let seq = first;
  for (let i = 0; i < total; i += MERGE_TARGET) {
    const j = Math.min(total, i + MERGE_TARGET);
    store.run('INSERT INTO metric_chunks(run_uuid, key, seq, n, steps, timestamps, vals) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      runId, key, seq++, j - i, u8(s.slice(i, j)), u8(t.slice(i, j)), u8(v.slice(i, j)),
    ]);
  }
}

beforeSnapshot((store) => {
  store.db.exec('BEGIN');
  try {
    mergeSmallChunks(store);
    store.db.exec('COMMIT');
  } catch (e) {
    store.db.exec('ROLLBACK');
    throw e;
  }
});
