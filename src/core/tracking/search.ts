import { compileExperimentFilter, compileExperimentOrder, compileRunFilter, compileRunOrder, decodePageToken, encodePageToken } from '../search';
import { InvalidParameter } from '../store/errors';
import type { Store } from '../store/store';
import { RunIndex } from '../views/runIndex';
import { listExperiments, parseExperimentId } from './experiments';
import { assembleRun, type RunRow } from './runs';
import { runInputs } from './runs';
import type { Experiment, Run, ViewType } from './types';

const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

export function parseViewType(v: unknown, field = 'run_view_type'): ViewType {
  if (v === undefined || v === null || v === '') return 'ACTIVE_ONLY';
  const s = typeof v === 'number' ? VIEW_TYPES[v - 1] : String(v);
  if (!VIEW_TYPES.includes(s)) throw new InvalidParameter(`Invalid value '${String(v)}' for '${field}': expected one of ${VIEW_TYPES.join(', ')}.`, field);
  return s as ViewType;
}

function maxResults(v: unknown, def: number, max: number): number {
  if (v === undefined || v === null || v === '') return def;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new InvalidParameter(`Invalid value ${JSON.stringify(v)} for parameter 'max_results' supplied.`, 'max_results');
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

/** MLflow's runs/search: filter, order and page over the runs of the given experiments. */
export function searchRuns(store: Store, req: SearchRunsRequest): { runs: Run[]; next_page_token?: string } {
  const ids = (req.experiment_ids ?? []).map((e) => String(parseExperimentId(e)));
  const view = parseViewType(req.run_view_type);
  const limit = maxResults(req.max_results, 1000, 50000);
  const match = compileRunFilter(req.filter);
  const order = compileRunOrder(req.order_by);
  const offset = decodePageToken(req.page_token);
  const index = new RunIndex(store);
  const needsDatasets = /\bdatasets?\./i.test(req.filter ?? '');
  const candidates = ids.flatMap((id) => index.runs(id)).filter((r) => view === 'ALL' || (view === 'ACTIVE_ONLY' ? r.lifecycle_stage === 'active' : r.lifecycle_stage === 'deleted'));
  const matched = candidates
    .filter((r) => match(needsDatasets ? { ...r, datasets: runInputs(store, r.run_id).map((d) => ({ name: d.dataset.name, digest: d.dataset.digest, context: d.tags.find((t) => t.key === 'mlflow.data.context')?.value })) } : r))
    .sort(order);
  const page = matched.slice(offset, offset + limit);
  const runs = page.map((r) => assembleRun(store, store.one<RunRow>('SELECT * FROM runs WHERE run_uuid = ?', [r.run_id])!));
  return { runs, ...(offset + limit < matched.length ? { next_page_token: encodePageToken(offset + limit) } : {}) };
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
