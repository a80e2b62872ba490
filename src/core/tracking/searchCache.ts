import type { RunSortKeys, SearchableRun, SortKey } from '../search';
import type { ViewType } from './types';
import type { RunSummary } from './runSummary';

/** One search's matching runs in order, each with its sort key (what keyset page tokens point into). */
export interface SortedEntry {
  run: RunSummary;
  key: SortKey;
}

export interface RunQuery {
  experimentIds: string[];
  view: ViewType;
  /** the filter text, part of the cache key; `match` must be its compiled predicate */
  filter: string;
  match: (r: SearchableRun) => boolean;
  keys: RunSortKeys;
}

interface Cached {
  ids: Set<string>;
  view: ViewType;
  match: (r: SearchableRun) => boolean;
  keys: RunSortKeys;
  entries: SortedEntry[];
}

const KEEP = 8;
/** More changed runs than this at once: sorting again is cheaper than patching. */
const PATCH_AT_MOST = 256;

/** The index of the first entry whose key is greater than `key` (or, with `orEqual`, not less). */
export function firstAfter(entries: SortedEntry[], key: SortKey, keys: RunSortKeys, orEqual = false): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = keys.compare(entries[mid].key, key);
    if (c < 0 || (c === 0 && !orEqual)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function selects(c: Cached, r: RunSummary): boolean {
  if (!c.ids.has(r.experiment_id)) return false;
  if (c.view !== 'ALL' && r.lifecycle_stage !== (c.view === 'ACTIVE_ONLY' ? 'active' : 'deleted')) return false;
  return c.match(r);
}

/**
 * The last few searches, sorted, kept current as runs change: a changed run leaves and re-enters each list by
 * binary search instead of a sort of every run. So paging through a search sorts it once, and a search
 * during training (a write between every two requests) costs O(log N) per changed run, not O(N log N).
 * Summaries are never changed in place (a change is a new summary), so the old one still finds its place.
 */
export class SearchCache {
  private readonly searches = new Map<string, Cached>();

  get(q: RunQuery, runsOf: (experimentId: string) => Iterable<RunSummary>): SortedEntry[] {
    const ids = [...new Set(q.experimentIds)];
    const cacheKey = JSON.stringify([ids, q.view, q.filter, q.keys.signature]);
    const hit = this.searches.get(cacheKey);
    if (hit) {
      this.searches.delete(cacheKey);
      this.searches.set(cacheKey, hit);
      return hit.entries;
    }
    const c: Cached = { ids: new Set(ids), view: q.view, match: q.match, keys: q.keys, entries: [] };
    for (const id of ids) for (const r of runsOf(id)) if (selects(c, r)) c.entries.push({ run: r, key: q.keys.key(r) });
    c.entries.sort((a, b) => q.keys.compare(a.key, b.key));
    this.searches.set(cacheKey, c);
    if (this.searches.size > KEEP) this.searches.delete(this.searches.keys().next().value!);
    return c.entries;
  }

  /** Applies changed runs: `was` (undefined for a new run) became `now` (undefined when gone). */
  patch(changes: { was?: RunSummary; now?: RunSummary }[]): void {
    if (!changes.length) return;
    if (changes.length > PATCH_AT_MOST) return this.clear();
    for (const [cacheKey, c] of this.searches) {
      for (const { was, now } of changes) {
        if (was && selects(c, was)) {
          const key = c.keys.key(was);
          const i = firstAfter(c.entries, key, c.keys, true);
          if (i >= c.entries.length || c.entries[i].run !== was) {
            // Not where it should be: drop this search rather than answer from a list that is off.
            this.searches.delete(cacheKey);
            break;
          }
          c.entries.splice(i, 1);
        }
        if (now && selects(c, now)) {
          const key = c.keys.key(now);
          c.entries.splice(firstAfter(c.entries, key, c.keys), 0, { run: now, key });
        }
      }
    }
  }

  clear(): void {
    this.searches.clear();
  }
}
