/**
 * Live updates of compared metric histories. The feed remembers, per run × key, how many points (in the
 * order they were logged) the webview already has, and turns new points into `append` deltas: only what is
 * new, read from the store's chunks past that count, never the whole history again.
 */
import type { Store } from '../store/store';
import type { Series } from './downsample';

/** How many points a run's metric has, in logging order. */
export function pointCount(store: Store, runId: string, key: string): number {
  const r = store.one<{ n: number | null }>('SELECT sum(n) AS n FROM metric_chunks WHERE run_uuid = ? AND key = ?', [runId, key]);
  return r?.n ?? 0;
}

/** A BLOB column as Float64 values (copied: a BLOB's bytes need not be 8-byte aligned). */
function floats(blob: Uint8Array, n: number): Float64Array {
  const out = new Float64Array(n);
  new Uint8Array(out.buffer).set(blob.subarray(0, n * 8));
  return out;
}

/**
 * The points of a run's metric from position `from` on, in the order they were logged (chunk order; merging
 * chunks keeps it). Chunks wholly before `from` are skipped without reading their data.
 */
export function pointsSince(store: Store, runId: string, key: string, from: number): Series {
  const sizes = store.all<{ seq: number; n: number }>('SELECT seq, n FROM metric_chunks WHERE run_uuid = ? AND key = ? ORDER BY seq', [runId, key]);
  let skipped = 0;
  let firstSeq: number | undefined;
  let total = 0;
  for (const c of sizes) {
    if (firstSeq === undefined && skipped + c.n <= from) skipped += c.n;
    else {
      if (firstSeq === undefined) firstSeq = c.seq;
      total += c.n;
    }
  }
  const skipInFirst = from - skipped;
  const n = Math.max(0, total - skipInFirst);
  const out: Series = { steps: new Float64Array(n), timestamps: new Float64Array(n), values: new Float64Array(n) };
  if (firstSeq === undefined || n === 0) return out;
  const chunks = store.all<{ n: number; steps: Uint8Array; timestamps: Uint8Array; vals: Uint8Array }>(
    'SELECT n, steps, timestamps, vals FROM metric_chunks WHERE run_uuid = ? AND key = ? AND seq >= ? ORDER BY seq',
    [runId, key, firstSeq],
  );
  let off = 0;
  let skip = skipInFirst;
  for (const c of chunks) {
    const s = floats(c.steps, c.n);
    const t = floats(c.timestamps, c.n);
    const v = floats(c.vals, c.n);
    const take = Math.min(c.n - skip, n - off);
    if (take > 0) {
      out.steps.set(s.subarray(skip, skip + take), off);
      out.timestamps.set(t.subarray(skip, skip + take), off);
      out.values.set(v.subarray(skip, skip + take), off);
      off += take;
    }
    skip = 0;
  }
  return out;
}

export interface Delta extends Series {
  runId: string;
  key: string;
}

const id = (runId: string, key: string) => `${runId}\u0000${key}`;

/**
 * Per run × key, the number of points the webview has. Only tracked pairs (those the webview asked for)
 * produce deltas: a key the webview never charted does not stream its whole history unasked.
 */
export class SeriesFeed {
  private readonly sent = new Map<string, number>();

  /** The webview now has the first `count` points of (run, key), e.g. after a full series answer. */
  mark(runId: string, key: string, count: number): void {
    this.sent.set(id(runId, key), count);
  }

  tracked(runId: string, key: string): boolean {
    return this.sent.has(id(runId, key));
  }

  sentCount(runId: string, key: string): number | undefined {
    return this.sent.get(id(runId, key));
  }

  /** Tracked keys of a run. */
  keysOf(runId: string): string[] {
    const prefix = `${runId}\u0000`;
    return [...this.sent.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  /**
   * The new points of each tracked pair among `changed` (run → keys), advancing the counts. A history
   * that shrank (the store was replaced) is re-based on its current length without a delta.
   */
  deltas(store: Store, changed: Iterable<[string, Iterable<string>]>): Delta[] {
    const out: Delta[] = [];
    for (const [runId, keys] of changed) {
      for (const key of keys) {
        const have = this.sent.get(id(runId, key));
        if (have === undefined) continue;
        const now = pointCount(store, runId, key);
        if (now === have) continue;
        this.sent.set(id(runId, key), now);
        if (now < have) continue;
        out.push({ runId, key, ...pointsSince(store, runId, key, have) });
      }
    }
    return out;
  }

  clear(): void {
    this.sent.clear();
  }
}
