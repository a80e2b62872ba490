import {
  compileExperimentFilter,
  compileExperimentOrder,
  compileRunFilter,
  compileRunSortKeys,
  decodePageCursor,
  decodePageToken,
  encodeKeysetToken,
  encodePageToken,
  InvalidPageToken,
  sortKeyProblem,
  type RunSortKeys,
  type SortKey,
} from '../search';
import { compareStrings } from '../search/order';
import { InvalidParameter } from '../errors';
import type { Store } from '../store/store';
import { RunIndex } from './runIndex';
import { firstAfter } from './searchCache';
import type { RunSummary } from './runSummary';
import { listExperiments, parseExperimentId } from './experiments';
import { runInputsOf, runOutputsOf, toRunInfo } from './runs';
import type { Experiment, Run, ViewType } from './types';

const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

export function parseViewType(v: unknown, field = 'run_view_type'): ViewType {
  if (v === undefined || v === null || v === '') return 'ACTIVE_ONLY';
  const s = typeof v === 'number' ? VIEW_TYPES[v - 1] : String(v);
  if (!VIEW_TYPES.includes(s)) throw new InvalidParameter(`Invalid value '${String(v)}' for '${field}': expected one of ${VIEW_TYPES.join(', ')}.`, field);
  return s as ViewType;
}

/**
 * max_results of a search: an integer from `min` (1, or 0 where MLflow answers an empty page) to `max`.
 * MLflow's SQL store passes a negative value to SQLite as "no limit"; that is refused here.
 */
function maxResults(v: unknown, def: number, max: number, min = 1): number {
  if (v === undefined || v === null || v === '') return def;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new InvalidParameter(`Invalid value ${JSON.stringify(v)} for parameter 'max_results' supplied.`, 'max_results');
  if (n < min)
    throw new InvalidParameter(
      `Invalid value for max_results. It must be ${min ? 'a positive integer' : 'a non-negative integer'}, but got ${n}`,
      'max_results',
    );
  if (n > max) throw new InvalidParameter(`Invalid value ${n} for parameter 'max_results' supplied. It must be at most ${max}.`, 'max_results');
  return n;
}

export interface SearchRunsRequest {
  experiment_ids?: unknown[];
  filter?: string;
  run_view_type?: unknown;
  max_results?: unknown;
  order_by?: string[];
  page_token?: string;
}

/** Where a page token says the page starts; a token for another order, or a forged key, is a 400. */
function pageStart(token: string | undefined, keys: RunSortKeys): { offset: number } | { after: SortKey } {
  const c = decodePageCursor(token);
  if ('offset' in c) return c;
  if (c.order !== keys.signature) throw new InvalidPageToken(c.token, 'it was issued for a different order_by');
  const problem = sortKeyProblem(keys, c.after);
  if (problem) throw new InvalidPageToken(c.token, problem);
  return { after: c.after as SortKey };
}

/**
 * MLflow's runs/search: filter, order and page over the runs of the given experiments, from the store's
 * maintained run index. Page tokens are keyset tokens (the last row's sort key), so a page costs a binary
 * search plus the page, and runs logged while a client pages do not shift later pages. As MLflow's SQL
 * store, a full page always carries a next_page_token (the page after may be empty), and max_results=0
 * answers no runs and a token.
 */
export function searchRuns(store: Store, req: SearchRunsRequest): { runs: Run[]; next_page_token?: string } {
  const ids = (req.experiment_ids ?? []).map((e) => String(parseExperimentId(e)));
  const view = parseViewType(req.run_view_type);
  const limit = maxResults(req.max_results, 1000, 50000, 0);
  const match = compileRunFilter(req.filter);
  const keys = compileRunSortKeys(req.order_by);
  const start = pageStart(req.page_token, keys);
  if (limit === 0) return { runs: [], next_page_token: req.page_token || encodePageToken(0) };
  const sorted = RunIndex.of(store).search({ experimentIds: ids, view, filter: req.filter ?? '', match, keys });
  const from = 'offset' in start ? start.offset : firstAfter(sorted, start.after, keys);
  const page = sorted.slice(from, from + limit);
  const runs = assembleRuns(
    store,
    page.map((e) => e.run),
  );
  return { runs, ...(page.length === limit ? { next_page_token: encodeKeysetToken(page[page.length - 1].key, keys.signature) } : {}) };
}

/** Every run of the experiments, newest first (start_time DESC, then run id), from the store's run index. */
export function runsNewestFirst(store: Store, experimentIds: string[], view: ViewType): RunSummary[] {
  const keys = compileRunSortKeys([]);
  return RunIndex.of(store)
    .search({ experimentIds: experimentIds.map((e) => String(parseExperimentId(e))), view, filter: '', match: () => true, keys })
    .map((e) => e.run);
}

const byKey = (a: string, b: string) => compareStrings(a, b);

/** Runs as the API returns them, from index summaries: one query per 512 runs for inputs and outputs. */
export function assembleRuns(store: Store, summaries: RunSummary[]): Run[] {
  const ids = summaries.map((s) => s.run_id);
  const inputs = runInputsOf(store, ids);
  const outputs = runOutputsOf(store, ids);
  return summaries.map((s) => ({
    info: toRunInfo({
      run_uuid: s.run_id,
      name: s.run_name,
      experiment_id: Number(s.experiment_id),
      user_id: s.user_id,
      status: s.status as Run['info']['status'],
      start_time: s.start_time,
      end_time: s.end_time,
      lifecycle_stage: s.lifecycle_stage as 'active' | 'deleted',
      artifact_uri: s.artifact_uri,
    }),
    data: {
      metrics: s.metricList.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step })),
      params: Object.keys(s.params)
        .sort(byKey)
        .map((key) => ({ key, value: s.params[key] })),
      tags: Object.keys(s.tags)
        .sort(byKey)
        .map((key) => ({ key, value: s.tags[key] })),
    },
    inputs: { dataset_inputs: inputs.get(s.run_id) ?? [] },
    outputs: { model_outputs: outputs.get(s.run_id) ?? [] },
  }));
}

export function searchExperiments(
  store: Store,
  req: { filter?: string; view_type?: unknown; max_results?: unknown; order_by?: string[]; page_token?: string },
): { experiments: Experiment[]; next_page_token?: string } {
  const view = parseViewType(req.view_type, 'view_type');
  const limit = maxResults(req.max_results, 1000, 50000);
  const match = compileExperimentFilter(req.filter);
  const order = compileExperimentOrder(req.order_by?.length ? req.order_by : ['last_update_time DESC']);
  const offset = decodePageToken(req.page_token);
  const all = listExperiments(store, view).filter(match).sort(order);
  return { experiments: all.slice(offset, offset + limit), ...(offset + limit < all.length ? { next_page_token: encodePageToken(offset + limit) } : {}) };
}

export { maxResults };
