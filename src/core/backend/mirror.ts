import { importMlflow, type ImportSummary } from '../import/importer';
import type { MlflowSource, SourceExperiment, SourceMetric, SourceRun } from '../import/source';
import type { Store } from '../store/store';
import { getRun } from '../tracking/runs';
import type { Metric, Run } from '../tracking/types';
import type { TrackingBackend } from './types';

export interface MirrorOptions {
  signal?: AbortSignal;
  /** Per run read from the server: how many of how many. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Copies runs of a team server (with their whole metric histories, params, tags and inputs) into a local store
 * under the server's own run ids: what the compare charts read. Mirroring again adds only new points and a
 * final status (the importer's rules). Artifacts stay on the server.
 */
export async function mirrorRuns(remote: TrackingBackend, store: Store, runIds: string[], o: MirrorOptions = {}): Promise<ImportSummary> {
  const runs: Run[] = [];
  const histories = new Map<string, SourceMetric[]>();
  for (const [i, id] of runIds.entries()) {
    o.signal?.throwIfAborted();
    const run = await remote.getRun(id);
    runs.push(run);
    const series: SourceMetric[] = [];
    // What the mirror holds already: per key, its latest point.
    let held = new Map<string, Metric>();
    try {
      held = new Map(getRun(store, id).data.metrics.map((m) => [m.key, m]));
    } catch {
      // not mirrored yet
    }
    for (const latest of run.data.metrics) {
      o.signal?.throwIfAborted();
      const key = latest.key;
      const mine = held.get(key);
      // Unchanged since the last mirror: nothing to read.
      if (mine && mine.step === latest.step && mine.timestamp === latest.timestamp && Object.is(mine.value, latest.value)) continue;
      const points = (mine && (await remote.metricHistorySince?.(id, key, mine.step, latest.step))) || (await remote.metricHistory(id, key));
      series.push({
        key,
        steps: Float64Array.from(points, (p) => Number(p.step)),
        timestamps: Float64Array.from(points, (p) => Number(p.timestamp)),
        values: Float64Array.from(points, (p) => p.value),
      });
    }
    histories.set(id, series);
    o.onProgress?.(i + 1, runIds.length);
  }
  const wanted = new Set(runs.map((r) => r.info.experiment_id));
  // Only the experiments of these runs, one request each (a team server may hold thousands).
  const experiments: SourceExperiment[] = (await Promise.all([...wanted].map((id) => remote.getExperiment(id)))).map((e) => ({
    id: e.experiment_id,
    name: e.name,
    artifact_location: e.artifact_location ?? '',
    lifecycle_stage: e.lifecycle_stage,
    creation_time: Number(e.creation_time ?? 0),
    last_update_time: Number(e.last_update_time ?? 0),
    tags: e.tags ?? [],
  }));
  const sourceRuns: SourceRun[] = runs.map((r) => ({
    run_uuid: r.info.run_id,
    experiment_id: r.info.experiment_id,
    name: r.info.run_name ?? '',
    user_id: r.info.user_id ?? '',
    status: r.info.status,
    start_time: Number(r.info.start_time ?? 0),
    end_time: r.info.end_time == null ? null : Number(r.info.end_time),
    lifecycle_stage: r.info.lifecycle_stage ?? 'active',
    deleted_time: null,
    artifact_uri: r.info.artifact_uri ?? '',
    params: r.data.params,
    tags: r.data.tags,
    inputs: r.inputs?.dataset_inputs ?? [],
  }));
  const source: MlflowSource = {
    kind: 'mlflow server',
    path: remote.location,
    baseDir: '',
    warnings: [],
    experiments: () => experiments,
    runs: () => sourceRuns,
    metrics: (id) => histories.get(id) ?? [],
    metricCount: (id) => (histories.get(id) ?? []).reduce((n, m) => n + m.values.length, 0),
    models: () => [],
    close: () => undefined,
  };
  return importMlflow(store, source, { signal: o.signal, copyArtifacts: false });
}
