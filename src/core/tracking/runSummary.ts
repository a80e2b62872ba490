import type { Run } from './types';
import type { SearchableRun } from '../search';
import type { Metric } from './types';

/** Everything a list item, a tooltip or a filter needs about a run: a SearchableRun plus display extras. */
export interface RunSummary extends SearchableRun {
  /** latest metrics as a list, ordered by key */
  metricList: Metric[];
  parentRunId?: string;
}

/** The summary of a run as the REST API returns it (a team server's runs), for the same list items and tooltips. */
export function summaryOfRun(r: Run): RunSummary {
  const tags = Object.fromEntries(r.data.tags.map((t) => [t.key, t.value]));
  const metricList = [...r.data.metrics].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    run_id: r.info.run_id,
    run_name: r.info.run_name || tags['mlflow.runName'] || r.info.run_id,
    status: r.info.status,
    user_id: r.info.user_id ?? '',
    artifact_uri: r.info.artifact_uri ?? '',
    start_time: Number(r.info.start_time ?? 0),
    end_time: r.info.end_time == null ? null : Number(r.info.end_time),
    lifecycle_stage: r.info.lifecycle_stage ?? 'active',
    experiment_id: r.info.experiment_id,
    metrics: Object.fromEntries(metricList.map((m) => [m.key, m.value])),
    params: Object.fromEntries(r.data.params.map((p) => [p.key, p.value])),
    tags,
    metricList,
    parentRunId: tags['mlflow.parentRunId'],
  };
}
