import { compileRunFilter, SearchSyntaxError } from '../search';
import type { RunSummary } from './runSummary';

export type RunSortKey = 'start_time' | 'name' | `metric:${string}`;

export interface RunListOptions {
  /** MLflow search grammar, e.g. `metrics.rmse < 0.7 and params.alpha = '0.5'` */
  filter?: string;
  sortBy?: RunSortKey;
  descending?: boolean;
  showDeleted?: boolean;
}

export interface RunListResult {
  runs: RunSummary[];
  total: number;
  error?: { message: string; position?: number };
}

/**
 * The runs to show at one level of the tree: top-level runs of an experiment, or the children of a parent
 * run, filtered and sorted, one page at a time. A run whose parent is not in the experiment shows at the top.
 */
export function listRuns(all: RunSummary[], opts: RunListOptions, parentRunId: string | undefined, limit: number): RunListResult {
  const ids = new Set(all.map((r) => r.run_id));
  let runs = all.filter((r) => (opts.showDeleted ? true : r.lifecycle_stage === 'active'));
  runs = parentRunId === undefined ? runs.filter((r) => !r.parentRunId || !ids.has(r.parentRunId)) : runs.filter((r) => r.parentRunId === parentRunId);
  let error: RunListResult['error'];
  if (opts.filter?.trim()) {
    try {
      const match = compileRunFilter(opts.filter);
      runs = runs.filter((r) => match(r));
    } catch (e) {
      error = { message: (e as Error).message, position: e instanceof SearchSyntaxError ? e.position : undefined };
    }
  }
  runs.sort(comparator(opts));
  return { runs: runs.slice(0, limit), total: runs.length, error };
}

/** Does any run (deleted or not) have children? Used to decide which rows expand. */
export function parentsOf(all: RunSummary[]): Set<string> {
  return new Set(all.map((r) => r.parentRunId).filter((p): p is string => !!p));
}

function comparator(opts: RunListOptions): (a: RunSummary, b: RunSummary) => number {
  const dir = opts.descending === false ? 1 : -1;
  const by = opts.sortBy ?? 'start_time';
  const tie = (a: RunSummary, b: RunSummary) => b.start_time - a.start_time || a.run_id.localeCompare(b.run_id);
  if (by === 'name') return (a, b) => dir * a.run_name.localeCompare(b.run_name) || tie(a, b);
  if (by === 'start_time') return (a, b) => dir * (a.start_time - b.start_time) || tie(a, b);
  const key = by.slice('metric:'.length);
  return (a, b) => {
    const x = a.metrics[key];
    const y = b.metrics[key];
    // Missing and NaN sort last in both directions, as MLflow does.
    const xm = x === undefined || Number.isNaN(x);
    const ym = y === undefined || Number.isNaN(y);
    if (xm || ym) return xm && ym ? tie(a, b) : xm ? 1 : -1;
    return dir * (x - y) || tie(a, b);
  };
}
