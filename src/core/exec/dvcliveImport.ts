import path from 'node:path';
import type { Store } from '../store/store';
import { logBatch } from '../tracking/metrics';
import { createRun, updateRun } from '../tracking/runs';
import { mlflowKey, readDvcLive, toMetricInput } from './dvclive';

export interface DvcLiveImport {
  runId: string;
  runName: string;
  points: number;
  params: number;
  warnings: string[];
}

/**
 * Imports DVCLive output produced elsewhere (another machine, a CI job, `dvc exp run`) as one FINISHED run:
 * histories from the TSV plots, params from params.yaml. Writes in batches of 1,000 points and checks the
 * signal between batches (yielding to the event loop), so a big folder can be cancelled; a cancelled import ends the run KILLED.
 */
export async function importDvcLiveFolder(
  store: Store,
  dir: string,
  opts: { experimentId?: string; runName?: string; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<DvcLiveImport> {
  const data = readDvcLive(dir);
  if (!data.metrics.length && !Object.keys(data.params).length) {
    throw new Error(`${dir} holds no DVCLive metrics or params (expected metrics.json, plots/metrics/**/*.tsv or params.yaml)`);
  }
  const runName = opts.runName ?? `dvclive-${path.basename(path.resolve(dir, '..'))}`;
  const run = createRun(store, { experiment_id: opts.experimentId, run_name: runName, tags: [{ key: 'mlops.imported.from', value: path.resolve(dir) }] });
  const runId = run.info.run_id;
  const params = Object.entries(data.params).map(([key, value]) => ({ key: mlflowKey(key), value }));
  for (let i = 0; i < params.length; i += 100) logBatch(store, runId, { params: params.slice(i, i + 100) });
  const total = data.metrics.length;
  for (let i = 0; i < total; i += 1000) {
    if (opts.signal?.aborted) {
      updateRun(store, runId, { status: 'KILLED', end_time: Date.now() });
      return { runId, runName, points: i, params: params.length, warnings: [...data.warnings, 'cancelled'] };
    }
    logBatch(store, runId, { metrics: data.metrics.slice(i, i + 1000).map(toMetricInput) });
    opts.onProgress?.(Math.min(total, i + 1000), total);
    // Let the editor draw progress and deliver a cancel between batches.
    await new Promise((r) => setImmediate(r));
  }
  updateRun(store, runId, { status: 'FINISHED', end_time: Date.now() });
  return { runId, runName, points: total, params: params.length, warnings: data.warnings };
}
