import type { ChangeBatch } from '../store/changes';
import type { Store } from '../store/store';
import { parseExperimentId } from '../tracking/experiments';
import type { RunRow } from '../tracking/runs';
import type { RunSummary } from './runSummary';

/**
 * Run summaries per experiment, loaded in bulk (four queries per experiment, not four per run) and kept
 * until the store says a run changed. This is what keeps a tree of 10,000 runs quick to refresh.
 */
export class RunIndex {
  private readonly byExperiment = new Map<string, Map<string, RunSummary>>();

  constructor(private readonly store: Store) {}

  runs(experimentId: string): RunSummary[] {
    let m = this.byExperiment.get(experimentId);
    if (!m) {
      m = this.load(experimentId);
      this.byExperiment.set(experimentId, m);
    }
    return [...m.values()];
  }

  get(runId: string): RunSummary | undefined {
    for (const m of this.byExperiment.values()) {
      const r = m.get(runId);
      if (r) return r;
    }
    return undefined;
  }

  /** Drops what a batch of changes made stale. */
  invalidate(batch: ChangeBatch): void {
    if (batch.all || batch.experiments.size) {
      // Experiment-level changes (delete/restore, new runs) are rare: reload those experiments whole.
      if (batch.all) this.byExperiment.clear();
      for (const e of batch.experiments) this.byExperiment.delete(e);
    }
    const runs = new Set([...batch.runs, ...batch.metrics.keys()]);
    if (!runs.size) return;
    for (const [exp, m] of this.byExperiment) {
      const stale = [...runs].filter((r) => m.has(r));
      if (!stale.length) continue;
      if (stale.length > 50) {
        this.byExperiment.delete(exp);
        continue;
      }
      for (const id of stale) {
        const fresh = this.loadRuns(`r.run_uuid = ?`, [id]).get(id);
        if (fresh && fresh.experiment_id === exp) m.set(id, fresh);
        else m.delete(id);
      }
    }
  }

  clear(): void {
    this.byExperiment.clear();
  }

  private load(experimentId: string): Map<string, RunSummary> {
    return this.loadRuns('r.experiment_id = ?', [parseExperimentId(experimentId)]);
  }

  private loadRuns(where: string, args: (string | number)[]): Map<string, RunSummary> {
    const out = new Map<string, RunSummary>();
    for (const r of this.store.all<RunRow>(`SELECT r.* FROM runs r WHERE ${where}`, args)) {
      out.set(r.run_uuid, {
        run_id: r.run_uuid,
        run_name: r.name,
        experiment_id: String(r.experiment_id),
        status: r.status,
        user_id: r.user_id,
        artifact_uri: r.artifact_uri,
        start_time: r.start_time,
        end_time: r.end_time,
        lifecycle_stage: r.lifecycle_stage,
        metrics: {},
        metricList: [],
        params: {},
        tags: {},
      });
    }
    for (const p of this.store.all<{ run_uuid: string; key: string; value: string }>(`SELECT p.run_uuid, p.key, p.value FROM params p JOIN runs r ON r.run_uuid = p.run_uuid WHERE ${where}`, args)) {
      const s = out.get(p.run_uuid);
      if (s) s.params[p.key] = p.value;
    }
    for (const t of this.store.all<{ run_uuid: string; key: string; value: string }>(`SELECT t.run_uuid, t.key, t.value FROM tags t JOIN runs r ON r.run_uuid = t.run_uuid WHERE ${where}`, args)) {
      const s = out.get(t.run_uuid);
      if (!s) continue;
      s.tags[t.key] = t.value;
      if (t.key === 'mlflow.parentRunId') s.parentRunId = t.value;
    }
    for (const m of this.store.all<{ run_uuid: string; key: string; value: number | null; timestamp: number; step: number; is_nan: number }>(
      `SELECT m.run_uuid, m.key, m.value, m.timestamp, m.step, m.is_nan FROM latest_metrics m JOIN runs r ON r.run_uuid = m.run_uuid WHERE ${where} ORDER BY m.key`,
      args,
    )) {
      const s = out.get(m.run_uuid);
      if (!s) continue;
      const value = m.is_nan ? NaN : (m.value as number);
      s.metrics[m.key] = value;
      s.metricList.push({ key: m.key, value, timestamp: m.timestamp, step: m.step });
    }
    return out;
  }
}
