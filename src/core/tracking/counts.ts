import type { Store } from '../store/store';
import type { RunStatus } from './types';

/** How many runs the store holds (any lifecycle stage), or how many active runs have this status. */
export function countRuns(store: Store, opts: { activeWithStatus?: RunStatus } = {}): number {
  if (opts.activeWithStatus) {
    return store.one<{ n: number }>("SELECT count(*) AS n FROM runs WHERE status = ? AND lifecycle_stage = 'active'", [opts.activeWithStatus])?.n ?? 0;
  }
  return store.one<{ n: number }>('SELECT count(*) AS n FROM runs')?.n ?? 0;
}

/** The experiment a run belongs to, or undefined for an unknown run id. */
export function experimentOfRun(store: Store, runId: string): string | undefined {
  const row = store.one<{ experiment_id: number }>('SELECT experiment_id FROM runs WHERE run_uuid = ?', [runId]);
  return row ? String(row.experiment_id) : undefined;
}

/** Every metric key some run has logged, sorted (what the tree can sort by). */
export function latestMetricKeys(store: Store): string[] {
  return store.all<{ key: string }>('SELECT DISTINCT key FROM latest_metrics ORDER BY key').map((r) => r.key);
}
