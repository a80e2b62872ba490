import type { Metric } from '../tracking/types';

/** Everything a list item, a tooltip or a filter needs about a run (a SearchableRun for the filter grammar). */
export interface RunSummary {
  run_id: string;
  run_name: string;
  experiment_id: string;
  status: string;
  user_id: string;
  artifact_uri: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  metrics: Record<string, number>;
  metricList: Metric[];
  params: Record<string, string>;
  tags: Record<string, string>;
  parentRunId?: string;
}
