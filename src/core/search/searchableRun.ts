/** A run as search filters and orderings see it: info, latest metrics, params, tags, dataset inputs. */
export interface SearchableRun {
  run_id: string;
  run_name: string;
  status: string;
  user_id: string;
  artifact_uri: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  experiment_id: string;
  /** latest values; NaN possible */
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  datasets?: { name: string; digest: string; context?: string }[];
}
