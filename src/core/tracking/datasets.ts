import type { Store } from '../store/store';
import { InvalidParameter } from '../errors';
import type { KeyValue } from './types';
import { parseExperimentId } from './experiments';

export interface DatasetSummary {
  experiment_id: string;
  name: string;
  digest: string;
  context: string | null;
}

/**
 * The datasets used by the runs of some experiments, one summary per (experiment, name, digest, context),
 * the context being the input's `mlflow.data.context` tag (null without one): MLflow's search-datasets.
 */
export function searchDatasets(store: Store, experimentIds: unknown[]): DatasetSummary[] {
  if (!experimentIds.length) throw new InvalidParameter('SearchDatasets request must specify at least one experiment_id.', 'experiment_ids');
  if (experimentIds.length > 20)
    throw new InvalidParameter(
      `SearchDatasets request cannot specify more than 20 experiment_ids. Received ${experimentIds.length} experiment_ids.`,
      'experiment_ids',
    );
  const ids = experimentIds.map((e) => parseExperimentId(e as string));
  const rows = store.all<{ experiment_id: number; name: string; digest: string; tags: string }>(
    `SELECT r.experiment_id, i.name, i.digest, i.tags FROM run_inputs i JOIN runs r ON r.run_uuid = i.run_uuid WHERE r.experiment_id IN (${ids.map(() => '?').join(',')}) ORDER BY i.rowid`,
    ids,
  );
  const seen = new Map<string, DatasetSummary>();
  for (const r of rows) {
    let context: string | null = null;
    try {
      context = (JSON.parse(r.tags) as KeyValue[]).find((t) => t.key === 'mlflow.data.context')?.value ?? null;
    } catch {
      /* tags unreadable: no context */
    }
    const s = { experiment_id: String(r.experiment_id), name: r.name, digest: r.digest, context };
    const k = JSON.stringify(s);
    if (!seen.has(k) && seen.size < 1000) seen.set(k, s);
  }
  return [...seen.values()];
}
