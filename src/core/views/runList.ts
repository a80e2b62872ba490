import { compileRunFilter, SearchSyntaxError } from '../search';
import type { RunSummary } from '../tracking/runSummary';

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
  /** Runs in `runs` shown only because a run under them matches the filter (the tree greys them). */
  context: Set<string>;
  /** Runs in `runs` that have runs to show under them. */
  expandable: Set<string>;
  /** Runs of the whole list that match the filter (every shown run when there is none). */
  matching: number;
}

/**
 * The runs to show at one level of the tree: top-level runs of an experiment, or the children of a parent
 * run, filtered and sorted, one page at a time. A run whose parent is not in the experiment shows at the top.
 * A filter selects runs as MLflow's search does (each run on its own); a run that does not match is still
 * shown, as context, when a run under it does, so matching children appear under their parent.
 */
export function listRuns(all: RunSummary[], opts: RunListOptions, parentRunId: string | undefined, limit: number): RunListResult {
  const ids = new Set(all.map((r) => r.run_id));
  const live = all.filter((r) => (opts.showDeleted ? true : r.lifecycle_stage === 'active'));
  const children = new Map<string | undefined, RunSummary[]>();
  for (const r of live) {
    const key = r.parentRunId && ids.has(r.parentRunId) && r.parentRunId !== r.run_id ? r.parentRunId : undefined;
    const list = children.get(key);
    if (list) list.push(r);
    else children.set(key, [r]);
  }
  let match: (r: RunSummary) => boolean = () => true;
  let error: RunListResult['error'];
  if (opts.filter?.trim()) {
    try {
      const compiled = compileRunFilter(opts.filter);
      match = (r) => compiled(r);
    } catch (e) {
      error = { message: (e as Error).message, position: e instanceof SearchSyntaxError ? e.position : undefined };
    }
  }
  const matches = new Map<string, boolean>();
  const matched = (r: RunSummary) => {
    let m = matches.get(r.run_id);
    if (m === undefined) matches.set(r.run_id, (m = match(r)));
    return m;
  };
  const shown = new Map<string, boolean>();
  const visible = (r: RunSummary): boolean => {
    const known = shown.get(r.run_id);
    if (known !== undefined) return known;
    shown.set(r.run_id, false); // a cycle of parent tags ends here
    const v = matched(r) || (children.get(r.run_id) ?? []).some(visible);
    shown.set(r.run_id, v);
    return v;
  };
  const level = (children.get(parentRunId) ?? []).filter(visible).sort(comparator(opts));
  const page = level.slice(0, limit);
  const context = new Set(page.filter((r) => !matched(r)).map((r) => r.run_id));
  const expandable = new Set(page.filter((r) => (children.get(r.run_id) ?? []).some(visible)).map((r) => r.run_id));
  return { runs: page, total: level.length, error, context, expandable, matching: live.filter(matched).length };
}

/** Does any run (deleted or not) have children? */
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
