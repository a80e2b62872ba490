import type { SqlValue } from 'sql.js';
import { compareStrings } from '../search/order';
import type { ChangeBatch } from '../store/changes';
import type { Store } from '../store/store';
import { forEachIdChunk } from './bulk';
import type { RunSummary } from './runSummary';
import { SearchCache, type RunQuery, type SortedEntry } from './searchCache';

export type { RunQuery, SortedEntry } from './searchCache';

const RELOAD_ALL_ABOVE = 4000;

/**
 * The run index of a store: by experiment, every run's info, latest metrics, params, tags and datasets,
 * loaded on first use (one scan per table, not queries per run) and then kept up to date from the store's
 * change notes (ChangeFeed.tap), so each read only reloads the runs written since the last one, and the
 * sorted searches it keeps are patched rather than sorted again. One per store (RunIndex.of) serves the
 * REST server's searches, the trees and the CLI. Memory grows with runs and their keys, never with points.
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
  private loaded = false;
  private readonly searches = new SearchCache();
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
    if (this.loaded) this.dirty.add(runId);
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
    if (!this.loaded) this.loadAll();
    const exp = this.experimentOf.get(runId);
    return exp === undefined ? undefined : this.byExperiment.get(exp)?.get(runId);
  }

  /**
   * For callers that hold change batches. The index already saw each change as it was noted (its tap), so
   * only a whole-store change matters here; noting the batch's runs again would reload them twice.
   */
  invalidate(batch: ChangeBatch): void {
    if (batch.all) this.everything = true;
  }

  clear(): void {
    this.loaded = false;
    this.byExperiment.clear();
    this.experimentOf.clear();
    this.dirty.clear();
    this.searches.clear();
    this.everything = false;
  }

  /** The runs of a search, filtered and in order (see SearchCache). */
  search(q: RunQuery): SortedEntry[] {
    this.refresh();
    return this.searches.get(q, (id) => this.experiment(id).values());
  }

  private experiment(experimentId: string): Map<string, RunSummary> {
    if (!this.loaded) this.loadAll();
    return this.byExperiment.get(experimentId) ?? new Map();
  }

  /**
   * Loads every run of the store: one full scan per table, no joins (five times faster than per-experiment
   * joins in sql.js), so the first search of a 10,000-run store costs one pass over its metadata.
   */
  private loadAll(): void {
    for (const e of this.store.all<{ id: number }>('SELECT experiment_id AS id FROM experiments')) this.byExperiment.set(String(e.id), new Map());
    for (const [id, r] of this.loadRuns('1', [])) {
      let m = this.byExperiment.get(r.experiment_id);
      if (!m) this.byExperiment.set(r.experiment_id, (m = new Map()));
      m.set(id, r);
      this.experimentOf.set(id, r.experiment_id);
    }
    this.loaded = true;
  }

  /** Applies the changes noted since the last read: reloads just those runs, in bulk. */
  private refresh(): void {
    if (this.everything || this.dirty.size > RELOAD_ALL_ABOVE) this.clear();
    if (!this.dirty.size) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    const fresh = new Map<string, RunSummary>();
    forEachIdChunk(ids, (list, args) => {
      for (const [id, r] of this.loadRuns(`run_uuid IN ${list}`, args)) fresh.set(id, r);
    });
    const changes: { was?: RunSummary; now?: RunSummary }[] = [];
    for (const id of ids) {
      const exp = this.experimentOf.get(id);
      const was = exp === undefined ? undefined : this.byExperiment.get(exp)?.get(id);
      const now = fresh.get(id);
      if (exp !== undefined) {
        this.byExperiment.get(exp)?.delete(id);
        this.experimentOf.delete(id);
      }
      if (now) {
        let m = this.byExperiment.get(now.experiment_id);
        if (!m) this.byExperiment.set(now.experiment_id, (m = new Map()));
        m.set(id, now);
        this.experimentOf.set(id, now.experiment_id);
      }
      if (was || now) changes.push({ was, now });
    }
    this.searches.patch(changes);
  }

  /** Rows as arrays (sql.js's get() is several times faster than getAsObject() over 100k rows). */
  private each(sql: string, args: (string | number | null)[], fn: (row: SqlValue[]) => void): void {
    const st = this.store.stmt(sql);
    st.bind(args);
    try {
      while (st.step()) fn(st.get());
    } finally {
      st.reset();
    }
  }

  private loadRuns(where: string, args: (string | number | null)[]): Map<string, RunSummary> {
    const out = new Map<string, RunSummary>();
    const cols = 'run_uuid, name, experiment_id, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri';
    this.each(`SELECT ${cols} FROM runs WHERE ${where}`, args, (v) => {
      out.set(v[0] as string, summaryOf(v));
    });
    // Every table is keyed by run_uuid first, so `run_uuid IN (…)` is an index lookup and '1' a plain scan.
    const select = (table: string, columns: string) => `SELECT run_uuid, ${columns} FROM ${table} WHERE ${where}`;
    this.each(select('params', 'key, value'), args, ([id, key, value]) => {
      const s = out.get(id as string);
      if (s) s.params[key as string] = value as string;
    });
    this.each(select('tags', 'key, value'), args, ([id, key, value]) => {
      const s = out.get(id as string);
      if (!s) return;
      s.tags[key as string] = value as string;
      if (key === 'mlflow.parentRunId') s.parentRunId = value as string;
    });
    this.each(select('latest_metrics', 'key, value, timestamp, step, is_nan'), args, ([id, key, v, timestamp, step, nan]) => {
      const s = out.get(id as string);
      if (!s) return;
      const value = nan ? NaN : (v as number);
      s.metrics[key as string] = value;
      s.metricList.push({ key: key as string, value, timestamp: timestamp as number, step: step as number });
    });
    this.each(select('run_inputs', 'name, digest, tags'), args, ([id, name, digest, tags]) => {
      const s = out.get(id as string);
      if (s) (s.datasets ??= []).push({ name: name as string, digest: digest as string, context: datasetContext(tags as string) });
    });
    // Latest metrics in key order, as the store lists them (sorting a few keys per run beats ORDER BY here).
    for (const s of out.values()) if (s.metricList.length > 1) s.metricList.sort((a, b) => compareStrings(a.key, b.key));
    return out;
  }
}

/** A summary from the row `run_uuid, name, experiment_id, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri`. */
function summaryOf(v: SqlValue[]): RunSummary {
  return {
    run_id: v[0] as string,
    run_name: v[1] as string,
    experiment_id: String(v[2]),
    user_id: v[3] as string,
    status: v[4] as string,
    start_time: v[5] as number,
    end_time: v[6] as number | null,
    lifecycle_stage: v[7] as string,
    artifact_uri: v[8] as string,
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
