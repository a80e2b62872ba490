/**
 * Live updates of compared metric histories. The feed remembers, per run × key, how many points (in the
 * order they were logged) the webview already has, and turns new points into `append` deltas: only what is
 * new, read from the store's chunks past that count (tracking/history.ts), never the whole history again.
 */
import type { Store } from '../store/store';
import { pointCount, pointsSince } from '../tracking/history';
import type { Series } from './downsample';

export { pointCount, pointsSince } from '../tracking/history';

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
