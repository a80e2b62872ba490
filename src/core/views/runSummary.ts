import type { SearchableRun } from '../search';
import type { Metric } from '../tracking/types';

/** Everything a list item, a tooltip or a filter needs about a run: a SearchableRun plus display extras. */
export interface RunSummary extends SearchableRun {
  /** latest metrics as a list, ordered by key */
  metricList: Metric[];
  parentRunId?: string;
}
