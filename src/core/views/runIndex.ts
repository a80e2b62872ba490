import type { RunSortKeys, SearchableRun, SortKey } from '../search';
import type { ChangeBatch } from '../store/changes';
import type { Store } from '../store/store';
import { parseExperimentId } from '../tracking/experiments';
import { forEachIdChunk } from '../tracking/bulk';
import type { RunRow } from '../tracking/runs';
import type { ViewType } from '../tracking/types';
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

/** More changed runs than this since the last read: reload the loaded experiments whole. */
const RELOAD_ALL_ABOVE = 4000;
const CACHED_SEARCHES = 8;

/**
 * The run index of a store: per experiment, every run's info, latest metrics, params, tags and datasets,
 * loaded in bulk on first use (a few queries per experiment, not per run) and then kept up to date from
 * the store's change notes (ChangeFeed.tap), so each read only reloads the runs written since the last one.
 * One per store (RunIndex.of) serves the REST server's searches, the trees and the CLI.
 */
export class RunIndex {
  private static readonly shared = new WeakMap<Store, RunIndex>();

  /** The store's shared index, created on first use. */
  static of(store: Store): RunIndex {
    let ix = RunIndex.shared.get(store);
    if (!ix) RunIndex.shared.set(store, (ix = new RunIndex(store)));
    return ix;
  }

  private readonly byExperiment = new Map<string, Map<string, RunSummary>>();
  private readonly experimentOf = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private everything = false;
  /** bumped when all is reloaded; per experiment, bumped when one of its runs changed */
  private epoch = 0;
  private readonly versions = new Map<string, number>();
  private readonly searches = new Map<string, { stamp: string; entries: SortedEntry[] }>();
  private readonly tap: { dispose(): void };

  constructor(private readonly store: Store) {
    this.tap = store.changes.tap({
      run: (id) => this.note(id),
      metric: (id) => this.note(id),
      everything: () => (this.everything = true),
    });
  }

  private note(runId: string) {
    // Nothing loaded yet: nothing can be stale, and a long ingest must not grow the set.
    if (this.byExperiment.size) this.dirty.add(runId);
  }

  /** Stops following the store (the shared index lives as long as its store). */
  dispose(): void {
    this.tap.dispose();
    this.clear();
  }

  runs(experimentId: string): RunSummary[] {
    this.refresh();
    return [...this.experiment(experimentId).values()];
  }

  get(runId: string): RunSummary | undefined {
    this.refresh();
    const exp = this.experimentOf.get(runId);
    return exp === undefined ? undefined : this.byExperiment.get(exp)?.get(runId);
  }

  /** Kept for callers that hold change batches; the index already follows the store's notes itself. */
  invalidate(batch: ChangeBatch): void {
    if (batch.all) this.everything = true;
    for (const id of [...batch.runs, ...batch.metrics.keys()]) this.note(id);
  }

  clear(): void {
    this.byExperiment.clear();
    this.experimentOf.clear();
    this.dirty.clear();
    this.searches.clear();
    this.everything = false;
    this.epoch++;
  }

  /**
   * The runs of a search, filtered and in order. The last few searches are kept until one of their
   * experiments changes, so paging through a search sorts it once, not once per page.
   */
  search(q: RunQuery): SortedEntry[] {
    this.refresh();
    const ids = [...new Set(q.experimentIds)];
    const cacheKey = JSON.stringify([ids, q.view, q.filter, q.keys.signature]);
    const stamp = `${this.epoch}:${ids.map((e) => this.versions.get(e) ?? 0).join(',')}`;
    const hit = this.searches.get(cacheKey);
    if (hit) {
      this.searches.delete(cacheKey);
      if (hit.stamp === stamp) {
        this.searches.set(cacheKey, hit);
        return hit.entries;
      }
    }
    const entries: SortedEntry[] = [];
    for (const id of ids) {
      for (const r of this.experiment(id).values()) {
        if (q.view !== 'ALL' && r.lifecycle_stage !== (q.view === 'ACTIVE_ONLY' ? 'active' : 'deleted')) continue;
        if (q.match(r)) entries.push({ run: r, key: q.keys.key(r) });
      }
    }
    entries.sort((a, b) => q.keys.compare(a.key, b.key));
    this.searches.set(cacheKey, { stamp, entries });
    if (this.searches.size > CACHED_SEARCHES) this.searches.delete(this.searches.keys().next().value!);
    return entries;
  }

  private experiment(experimentId: string): Map<string, RunSummary> {
    let m = this.byExperiment.get(experimentId);
    if (m) return m;
    const id = parseExperimentId(experimentId);
    // Unknown experiments are not remembered: a client naming many must not grow the index.
    if (!this.store.one('SELECT 1 AS x FROM experiments WHERE experiment_id = ?', [id])) return new Map();
    m = this.loadRuns('r.experiment_id = ?', [id]);
    for (const runId of m.keys()) this.experimentOf.set(runId, experimentId);
    this.byExperiment.set(experimentId, m);
    return m;
  }

  /** Applies the changes noted since the last read: reloads just those runs, in bulk. */
  private refresh(): void {
    if (this.everything || this.dirty.size > RELOAD_ALL_ABOVE) this.clear();
    if (!this.dirty.size) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    const fresh = new Map<string, RunSummary>();
    forEachIdChunk(ids, (list, args) => {
      for (const [id, r] of this.loadRuns(`r.run_uuid IN ${list}`, args)) fresh.set(id, r);
    });
    for (const id of ids) {
      const was = this.experimentOf.get(id);
      const now = fresh.get(id);
      if (was !== undefined) {
        this.byExperiment.get(was)?.delete(id);
        this.experimentOf.delete(id);
        this.bump(was);
      }
      const m = now && this.byExperiment.get(now.experiment_id);
      if (now && m) {
        m.set(id, now);
        this.experimentOf.set(id, now.experiment_id);
        this.bump(now.experiment_id);
      }
    }
  }

  private bump(experimentId: string) {
    this.versions.set(experimentId, (this.versions.get(experimentId) ?? 0) + 1);
  }

  private loadRuns(where: string, args: (string | number | null)[]): Map<string, RunSummary> {
    const out = new Map<string, RunSummary>();
    for (const r of this.store.all<RunRow>(`SELECT r.* FROM runs r WHERE ${where}`, args)) out.set(r.run_uuid, summaryOf(r));
    const rows = <T>(sql: string) => this.store.all<T & { run_uuid: string }>(sql.replace('$WHERE', where), args);
    for (const p of rows<{ key: string; value: string }>('SELECT p.run_uuid, p.key, p.value FROM params p JOIN runs r ON r.run_uuid = p.run_uuid WHERE $WHERE')) {
      const s = out.get(p.run_uuid);
      if (s) s.params[p.key] = p.value;
    }
    for (const t of rows<{ key: string; value: string }>('SELECT t.run_uuid, t.key, t.value FROM tags t JOIN runs r ON r.run_uuid = t.run_uuid WHERE $WHERE')) {
      const s = out.get(t.run_uuid);
      if (!s) continue;
      s.tags[t.key] = t.value;
      if (t.key === 'mlflow.parentRunId') s.parentRunId = t.value;
    }
    for (const m of rows<{ key: string; value: number | null; timestamp: number; step: number; is_nan: number }>(
      'SELECT m.run_uuid, m.key, m.value, m.timestamp, m.step, m.is_nan FROM latest_metrics m JOIN runs r ON r.run_uuid = m.run_uuid WHERE $WHERE ORDER BY m.key',
    )) {
      const s = out.get(m.run_uuid);
      if (!s) continue;
      const value = m.is_nan ? NaN : (m.value as number);
      s.metrics[m.key] = value;
      s.metricList.push({ key: m.key, value, timestamp: m.timestamp, step: m.step });
    }
    for (const d of rows<{ name: string; digest: string; tags: string }>('SELECT i.run_uuid, i.name, i.digest, i.tags FROM run_inputs i JOIN runs r ON r.run_uuid = i.run_uuid WHERE $WHERE')) {
      const s = out.get(d.run_uuid);
      if (s) (s.datasets ??= []).push({ name: d.name, digest: d.digest, context: datasetContext(d.tags) });
    }
    return out;
  }
}

function summaryOf(r: RunRow): RunSummary {
  return {
    run_id: r.run_uuid,
    run_name: r.name,
    experiment_id: String(r.experiment_id),
    status: r.status,
    user_id: r.user_id,
    artifact_uri: r.artifact_uri,
    start_time: r.start_time,
    end_time: r.end_time,
    lifecycle_stage: r.lifecycle_stage,
    // No prototype: a key such as __proto__ must be an ordinary entry.
    metrics: Object.create(null) as Record<string, number>,
    metricList: [],
    params: Object.create(null) as Record<string, string>,
    tags: Object.create(null) as Record<string, string>,
  };
}

function datasetContext(tagsJson: string): string | undefined {
  try {
    const tags = JSON.parse(tagsJson) as { key: string; value: string }[];
    return Array.isArray(tags) ? tags.find((t) => t?.key === 'mlflow.data.context')?.value : undefined;
  } catch {
    return undefined;
  }
}
