/**
 * The index of metric points. The points themselves are in the segment files (store/segments.ts); the
 * metric_chunks table (schema v2) says, per run × key, where each chunk is and summarises it, and is small:
 * its rows grow with the number of chunks, and small chunks (single log-metric calls) are merged as they
 * accumulate, eight of a size class into one of the next, so a history of N points has O(log N) small chunks
 * and O(N / 4096) rows, and each point is rewritten at most a few times (amortised O(1), never O(N²)).
 *
 * The index is kept in the sql.js image and saved with it. Chunks logged after the last snapshot are found
 * again on open by scanning the segments from the mark the snapshot recorded (`onPointsChunk`), so the
 * index never has to be journaled: the segment files are the log of the points.
 */
import { encodeChunkWithHeader, MERGED, toF64, type ChunkHeader, type Columns } from '../store/chunk';
import type { Mark } from '../store/segments';
import { afterMigration, onPointsChunks, type Store } from '../store/store';

/** Chunks of at least this many points are never merged again. */
const BIG = 4096;
/** Merge this many trailing chunks of one size class. */
const FANOUT = 8;
/** Or every trailing small chunk, once there are this many. */
const MAX_SMALL = 40;

export interface ChunkRow {
  seq: number;
  n: number;
  seg: number;
  off: number;
  nb: number;
  sa: number;
  da: number;
  first_step: number;
  first_ts: number;
  last_step: number;
  last_ts: number;
  min_step: number;
  max_step: number;
  min_ts: number;
  max_ts: number;
  sorted: number;
}

interface Tail {
  next: number;
  small: ChunkRow[];
}

const COLS = 'seq, n, seg, off, nb, sa, da, first_step, first_ts, last_step, last_ts, min_step, max_step, min_ts, max_ts, sorted';

export function chunkRows(store: Store, runId: string, key: string): ChunkRow[] {
  return store.all<ChunkRow>(`SELECT ${COLS} FROM metric_chunks WHERE run_uuid = ? AND key = ? ORDER BY seq`, [runId, key]);
}

/** The points of a chunk, as columns (views of one buffer). */
export function readColumns(store: Store, row: Pick<ChunkRow, 'seg' | 'off' | 'da' | 'n'>): Columns {
  const f = toF64(store.points.read(row.seg, row.off + row.da, 24 * row.n));
  const n = row.n;
  return { steps: f.subarray(0, n), timestamps: f.subarray(n, 2 * n), values: f.subarray(2 * n, 3 * n) };
}

const level = (n: number) => Math.floor(Math.log2(Math.max(1, n)) / 3);

function tailOf(store: Store, runId: string, key: string): Tail {
  const memoKey = `pk:${runId}\0${key}`;
  let t = store.memo.get(memoKey) as Tail | undefined;
  if (!t) {
    const last = store.all<ChunkRow>(`SELECT ${COLS} FROM metric_chunks WHERE run_uuid = ? AND key = ? ORDER BY seq DESC LIMIT ?`, [
      runId,
      key,
      MAX_SMALL + FANOUT,
    ]);
    const small: ChunkRow[] = [];
    for (const r of last) {
      if (r.n >= BIG) break;
      small.unshift(r);
    }
    t = { next: last.length ? last[0].seq + last[0].n : 0, small };
    store.memo.set(memoKey, t);
  }
  return t;
}

function insertRow(
  store: Store,
  runId: string,
  key: string,
  h: Omit<ChunkHeader, 'runId' | 'key' | 'flags' | 'length' | 'buckets' | 'latestStep' | 'latestTs' | 'latestValue' | 'minValue' | 'maxValue'> & { nb: number },
  at: Mark,
): ChunkRow {
  const row: ChunkRow = {
    seq: h.seq,
    n: h.n,
    seg: at.seg,
    off: at.off,
    nb: h.nb,
    sa: h.summaryAt,
    da: h.dataAt,
    first_step: h.firstStep,
    first_ts: h.firstTs,
    last_step: h.lastStep,
    last_ts: h.lastTs,
    min_step: h.minStep,
    max_step: h.maxStep,
    min_ts: h.minTs,
    max_ts: h.maxTs,
    sorted: h.sorted,
  };
  store.run(
    'INSERT OR REPLACE INTO metric_chunks(run_uuid, key, seq, n, seg, off, nb, sa, da, first_step, first_ts, last_step, last_ts, min_step, max_step, min_ts, max_ts, sorted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      runId,
      key,
      row.seq,
      row.n,
      row.seg,
      row.off,
      row.nb,
      row.sa,
      row.da,
      row.first_step,
      row.first_ts,
      row.last_step,
      row.last_ts,
      row.min_step,
      row.max_step,
      row.min_ts,
      row.max_ts,
      row.sorted,
    ],
  );
  return row;
}

/** Appends one chunk to the segments and the index; returns its decoded header (summary included). */
function appendChunk(store: Store, runId: string, key: string, seq: number, c: Columns, flags: number): { row: ChunkRow; header: ChunkHeader } {
  const { record, header } = encodeChunkWithHeader(runId, key, seq, c, flags);
  const at = store.points.append(record);
  return { row: insertRow(store, runId, key, { ...header, nb: header.buckets }, at), header };
}

/** MLflow's order for "latest": the greatest (step, timestamp, value), with NaN compared as 0. */
function later(a: { step: number; timestamp: number; value: number }, b: { step: number; timestamp: number; value: number }): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return (Number.isNaN(a.value) ? 0 : a.value) > (Number.isNaN(b.value) ? 0 : b.value);
}

interface LatestRow {
  value: number | null;
  timestamp: number;
  step: number;
  is_nan: number;
}

function updateLatest(store: Store, runId: string, key: string, cand: { step: number; timestamp: number; value: number }) {
  const latestKey = `lat:${runId}\0${key}`;
  let cur = store.memo.get(latestKey) as { step: number; timestamp: number; value: number } | null | undefined;
  if (cur === undefined) {
    const row = store.one<LatestRow>('SELECT value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid = ? AND key = ?', [runId, key]);
    cur = row ? { step: row.step, timestamp: row.timestamp, value: row.is_nan ? NaN : (row.value as number) } : null;
  }
  if (!cur || later(cand, cur)) {
    const nan = Number.isNaN(cand.value);
    store.run('INSERT OR REPLACE INTO latest_metrics(run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)', [
      runId,
      key,
      nan ? 0 : cand.value,
      cand.timestamp,
      cand.step,
      nan ? 1 : 0,
    ]);
    cur = cand;
  }
  store.memo.set(latestKey, cur);
}

/** Appends the points of one run × key (in logging order) and updates its latest value. */
export function appendSeries(store: Store, runId: string, key: string, c: Columns, opts: { latest?: boolean } = {}): void {
  const tail = tailOf(store, runId, key);
  const { row, header } = appendChunk(store, runId, key, tail.next, c, 0);
  tail.next += row.n;
  if (row.n < BIG) tail.small.push(row);
  else tail.small = [];
  mergeTail(store, runId, key, tail);
  if (opts.latest !== false) updateLatest(store, runId, key, { step: header.latestStep, timestamp: header.latestTs, value: header.latestValue });
}

/** Merges the trailing small chunks of a run × key while FANOUT of one size class (or MAX_SMALL in all) pile up. */
function mergeTail(store: Store, runId: string, key: string, tail: Tail) {
  for (;;) {
    const s = tail.small;
    let from: number;
    if (s.length >= MAX_SMALL) from = 0;
    else if (s.length >= FANOUT && s.slice(-FANOUT).every((r) => level(r.n) === level(s[s.length - 1].n))) from = s.length - FANOUT;
    else return;
    const parts = s.slice(from);
    const merged = mergeRows(store, runId, key, parts);
    tail.small = s.slice(0, from);
    if (merged.n < BIG) tail.small.push(merged);
  }
}

function mergeRows(store: Store, runId: string, key: string, parts: ChunkRow[]): ChunkRow {
  const total = parts.reduce((a, r) => a + r.n, 0);
  const c: Columns = { steps: new Float64Array(total), timestamps: new Float64Array(total), values: new Float64Array(total) };
  let off = 0;
  for (const r of parts) {
    const p = readColumns(store, r);
    c.steps.set(p.steps, off);
    c.timestamps.set(p.timestamps, off);
    c.values.set(p.values, off);
    off += r.n;
  }
  const first = parts[0].seq;
  store.run('DELETE FROM metric_chunks WHERE run_uuid = ? AND key = ? AND seq >= ? AND seq < ?', [runId, key, first, first + total]);
  return appendChunk(store, runId, key, first, c, MERGED).row;
}

/** A chunk found in the segments after the snapshot's mark: index it as its append did. */
function replayOne(store: Store, h: ChunkHeader, at: Mark): boolean {
  if (h.flags & MERGED) {
    store.memo.delete(`pk:${h.runId}\0${h.key}`);
    const covered = store.one<{ c: number; s: number | null; lo: number | null }>(
      'SELECT count(*) AS c, sum(n) AS s, min(seq) AS lo FROM metric_chunks WHERE run_uuid = ? AND key = ? AND seq >= ? AND seq < ?',
      [h.runId, h.key, h.seq, h.seq + h.n],
    );
    // A merged chunk replaces exactly the chunks it was made of; anything else leaves those as they are.
    if (!covered || covered.s !== h.n || covered.lo !== h.seq) return false;
    store.run('DELETE FROM metric_chunks WHERE run_uuid = ? AND key = ? AND seq >= ? AND seq < ?', [h.runId, h.key, h.seq, h.seq + h.n]);
    insertRow(store, h.runId, h.key, { ...h, nb: h.buckets }, at);
    return true;
  }
  const tail = tailOf(store, h.runId, h.key);
  if (h.seq < tail.next) return false; // indexed already
  insertRow(store, h.runId, h.key, { ...h, nb: h.buckets }, at);
  tail.next = h.seq + h.n;
  updateLatest(store, h.runId, h.key, { step: h.latestStep, timestamp: h.latestTs, value: h.latestValue });
  return true;
}

/**
 * Indexes the chunks found after the snapshot's mark, per run × key in log order. Chunks that a later merged
 * chunk of the same tail replaces are never inserted (most of a tail is merged away), so reopening after a
 * kill -9 costs about one insert per surviving chunk.
 */
onPointsChunks((store, found) => {
  const byKey = new Map<string, { h: ChunkHeader; at: Mark }[]>();
  for (const f of found) {
    const k = `${f.h.runId}\0${f.h.key}`;
    let list = byKey.get(k);
    if (!list) byKey.set(k, (list = []));
    list.push(f);
  }
  let added = 0;
  for (const list of byKey.values()) {
    const { runId, key } = list[0].h;
    let next = tailOf(store, runId, key).next;
    let pending: { h: ChunkHeader; at: Mark }[] = [];
    let latest: ChunkHeader | undefined;
    const flush = () => {
      for (const p of pending) insertRow(store, runId, key, { ...p.h, nb: p.h.buckets }, p.at);
      added += pending.length;
      pending = [];
      store.memo.delete(`pk:${runId}\0${key}`);
    };
    for (const f of list) {
      const h = f.h;
      if (!(h.flags & MERGED)) {
        if (h.seq < next) continue; // indexed already
        pending.push(f);
        next = h.seq + h.n;
        if (
          !latest ||
          later(
            { step: h.latestStep, timestamp: h.latestTs, value: h.latestValue },
            { step: latest.latestStep, timestamp: latest.latestTs, value: latest.latestValue },
          )
        )
          latest = h;
        continue;
      }
      const i = pending.findIndex((p) => p.h.seq === h.seq);
      const covered = i < 0 ? -1 : pending.slice(i).reduce((a, p) => (p.h.seq < h.seq + h.n ? a + p.h.n : a), 0);
      if (covered === h.n && pending.slice(i).every((p) => p.h.seq < h.seq + h.n)) {
        pending.splice(i, pending.length - i, f);
      } else {
        // It replaces chunks indexed before the mark too: do it in the table.
        flush();
        if (replayOne(store, h, f.at)) added++;
      }
    }
    flush();
    if (latest) updateLatest(store, runId, key, { step: latest.latestStep, timestamp: latest.latestTs, value: latest.latestValue });
  }
  return added;
});

/**
 * Schema v1 kept the points inside the image (legacy_metric_chunks after migration to v2): move them into
 * segments, in their order, and drop them from the image. latest_metrics is already right. Segments that
 * exist already come from an attempt that was interrupted before its snapshot: they are replaced.
 */
afterMigration((store) => {
  const has = store.one<{ x: number }>("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'legacy_metric_chunks'");
  if (!has) return false;
  const rows = store.one<{ c: number }>('SELECT count(*) AS c FROM legacy_metric_chunks')!.c;
  if (rows > 0) store.points.removeAll();
  const pairs = store.all<{ run_uuid: string; key: string }>('SELECT DISTINCT run_uuid, key FROM legacy_metric_chunks ORDER BY run_uuid, key');
  for (const p of pairs) {
    const chunks = store.all<{ n: number; steps: Uint8Array; timestamps: Uint8Array; vals: Uint8Array }>(
      'SELECT n, steps, timestamps, vals FROM legacy_metric_chunks WHERE run_uuid = ? AND key = ? ORDER BY seq',
      [p.run_uuid, p.key],
    );
    for (const ch of chunks) {
      appendSeries(
        store,
        p.run_uuid,
        p.key,
        { steps: toF64(ch.steps).slice(0, ch.n), timestamps: toF64(ch.timestamps).slice(0, ch.n), values: toF64(ch.vals).slice(0, ch.n) },
        { latest: false },
      );
    }
  }
  store.run('DROP TABLE legacy_metric_chunks');
  return rows > 0;
});
