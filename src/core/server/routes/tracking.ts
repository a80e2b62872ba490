import * as T from '../../tracking';
import { InvalidParameter } from '../../store/errors';
import { requireInt } from '../../tracking/validation';
import { historyPage } from '../../tracking/history';
import { listArtifactDir } from '../artifactStore';
import type { ApiRequest } from '../request';
import type { RouteContext, RouteTable } from './types';

const runId = (r: ApiRequest) => r.str('run_id', true)!;

function metricHistory(r: ApiRequest, { store }: RouteContext) {
  const id = T.runRow(store, runId(r)).run_uuid;
  const key = r.str('metric_key', true)!;
  const offset = (() => {
    const t = r.str('page_token');
    return t ? decodeOffset(t) : 0;
  })();
  const max = r.get('max_results');
  const limit = max === undefined || max === null || max === '' ? Infinity : requireInt('max_results', max, { min: 1 });
  // Only the chunks holding the page are read (tracking/history.ts), so paging a long history stays cheap.
  const { page, total } = historyPage(store, id, key, offset, limit);
  const end = offset + page.steps.length;
  const metrics = T.seriesToMetrics(key, page);
  return { metrics, ...(end < total ? { next_page_token: encodeOffset(end) } : {}) };
}

const encodeOffset = (n: number) => Buffer.from(JSON.stringify({ offset: n })).toString('base64');
function decodeOffset(t: string): number {
  try {
    const n = JSON.parse(Buffer.from(t, 'base64').toString('utf8')).offset;
    if (Number.isSafeInteger(n) && n >= 0) return n;
  } catch {
    /* fall through */
  }
  throw new InvalidParameter(`Invalid page token '${t.slice(0, 40)}'`, 'page_token');
}

/** Sampled histories for charts: at most max_results steps per run, always including each run's first and last. */
function bulkInterval(r: ApiRequest, { store }: RouteContext) {
  const ids = r.strList('run_ids');
  if (!ids.length) throw new InvalidParameter("Missing value for required parameter 'run_ids'.", 'run_ids');
  if (ids.length > 100) throw new InvalidParameter(`GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received ${ids.length} run_ids.`, 'run_ids');
  const key = r.str('metric_key', true)!;
  const startRaw = r.get('start_step');
  const endRaw = r.get('end_step');
  if ((startRaw === undefined) !== (endRaw === undefined)) throw new InvalidParameter('If either start step or end step are specified, both must be specified.', 'start_step');
  const start = startRaw === undefined ? -Infinity : requireInt('start_step', startRaw);
  const end = endRaw === undefined ? Infinity : requireInt('end_step', endRaw);
  if (start > end) throw new InvalidParameter('end_step must be greater than start_step.', 'end_step');
  const maxRaw = r.get('max_results');
  const max = maxRaw === undefined ? 320 : requireInt('max_results', maxRaw, { min: 1 });
  if (max > 2500) throw new InvalidParameter(`max_results must be between 1 and 2500. Got ${max}.`, 'max_results');
  const metrics: (T.Metric & { run_id: string })[] = [];
  for (const id of ids) {
    const s = T.getMetricHistory(store, T.runRow(store, id).run_uuid, key);
    const idx: number[] = [];
    for (let i = 0; i < s.steps.length; i++) if (s.steps[i] >= start && s.steps[i] <= end) idx.push(i);
    if (!idx.length) continue;
    const steps = [...new Set(idx.map((i) => s.steps[i]))];
    let keep: Set<number>;
    if (steps.length <= max) keep = new Set(steps);
    else {
      keep = new Set([steps[0], steps[steps.length - 1]]);
      const stride = (steps.length - 1) / (max - 1);
      for (let k = 1; k < max - 1; k++) keep.add(steps[Math.round(k * stride)]);
    }
    for (const i of idx) if (keep.has(s.steps[i])) metrics.push({ key, value: s.values[i], timestamp: s.timestamps[i], step: s.steps[i], run_id: id });
  }
  metrics.sort((a, b) => a.run_id.localeCompare(b.run_id) || a.step - b.step || a.timestamp - b.timestamp);
  return { metrics };
}

export const trackingRoutes: RouteTable = [
  ['GET', 'experiments/get-by-name', (r, { store }) => ({ experiment: T.getExperimentByName(store, r.str('experiment_name', true)!) })],
  ['POST', 'experiments/create', (r, { store }) => ({
    experiment_id: T.createExperiment(store, { name: r.str('name', true)!, artifact_location: r.str('artifact_location'), tags: r.list('tags') as T.KeyValue[] }),
  })],
  ['GET', 'experiments/get', (r, { store }) => ({ experiment: T.getExperiment(store, r.str('experiment_id', true)!) })],
  ['POST', 'experiments/search', (r, { store }) => T.searchExperiments(store, { filter: r.str('filter'), view_type: r.get('view_type'), max_results: r.get('max_results'), order_by: r.strList('order_by'), page_token: r.str('page_token') })],
  ['GET', 'experiments/search', (r, { store }) => T.searchExperiments(store, { filter: r.str('filter'), view_type: r.get('view_type'), max_results: r.get('max_results'), order_by: r.strList('order_by'), page_token: r.str('page_token') })],
  ['POST', 'experiments/delete', (r, { store }) => (T.deleteExperiment(store, r.str('experiment_id', true)!), {})],
  ['POST', 'experiments/restore', (r, { store }) => (T.restoreExperiment(store, r.str('experiment_id', true)!), {})],
  ['POST', 'experiments/update', (r, { store }) => (r.str('new_name') !== undefined && T.renameExperiment(store, r.str('experiment_id', true)!, r.str('new_name')!), {})],
  ['POST', 'experiments/set-experiment-tag', (r, { store }) => (T.setExperimentTag(store, r.str('experiment_id', true)!, r.str('key', true)!, (r.get('value') ?? '') as string), {})],
  ['POST', 'experiments/delete-experiment-tag', (r, { store }) => (T.deleteExperimentTag(store, r.str('experiment_id', true)!, r.str('key', true)!), {})],
  ['POST', 'runs/create', (r, { store }) => ({
    run: T.createRun(store, { experiment_id: r.str('experiment_id'), user_id: r.str('user_id'), run_name: r.str('run_name'), start_time: r.get('start_time') as number, tags: r.list('tags') as T.KeyValue[] }),
  })],
  ['POST', 'runs/update', (r, { store }) => ({
    run_info: T.updateRun(store, runId(r), { status: r.get('status') as string, end_time: r.get('end_time') as number, run_name: r.str('run_name') }),
  })],
  ['POST', 'runs/delete', (r, { store }) => (T.deleteRun(store, runId(r)), {})],
  ['POST', 'runs/restore', (r, { store }) => (T.restoreRun(store, runId(r)), {})],
  ['GET', 'runs/get', (r, { store }) => ({ run: T.getRun(store, runId(r)) })],
  ['POST', 'runs/search', (r, { store }) => ({
    ...T.searchRuns(store, { experiment_ids: r.list('experiment_ids'), filter: r.str('filter'), run_view_type: r.get('run_view_type'), max_results: r.get('max_results'), order_by: r.strList('order_by'), page_token: r.str('page_token') }),
  })],
  ['POST', 'runs/log-metric', (r, { store }) => (T.logMetric(store, runId(r), { key: r.str('key', true)!, value: r.get('value'), timestamp: r.get('timestamp'), step: r.get('step') }), {})],
  ['POST', 'runs/log-parameter', (r, { store }) => (T.logParam(store, runId(r), r.str('key', true)!, r.get('value') ?? ''), {})],
  ['POST', 'runs/set-tag', (r, { store }) => (T.setTag(store, runId(r), r.str('key', true)!, r.get('value') ?? ''), {})],
  ['POST', 'runs/delete-tag', (r, { store }) => (T.deleteTag(store, runId(r), r.str('key', true)!), {})],
  ['POST', 'runs/log-batch', (r, { store }) => {
    const id = runId(r);
    T.logBatch(store, id, { metrics: r.list('metrics') as T.MetricInput[], params: r.list('params') as T.KeyValue[], tags: r.list('tags') as T.KeyValue[] });
    return {};
  }],
  ['POST', 'runs/log-inputs', (r, { store }) => (T.logInputs(store, runId(r), r.list('datasets') as T.DatasetInput[]), {})],
  ['POST', 'runs/outputs', (r, { store }) => (T.logOutputs(store, runId(r), r.list('models') as { model_id: string }[]), {})],
  ['POST', 'runs/log-model', (r, { store }) => {
    const model = r.str('model_json', true)!;
    const id = runId(r);
    const prev = T.getRun(store, id).data.tags.find((t) => t.key === 'mlflow.log-model.history')?.value;
    let history: unknown[] = [];
    try {
      history = prev ? JSON.parse(prev) : [];
      history.push(JSON.parse(model));
    } catch {
      throw new InvalidParameter("'model_json' is not valid JSON", 'model_json');
    }
    T.setTag(store, id, 'mlflow.log-model.history', JSON.stringify(history).slice(-8000));
    return {};
  }],
  ['GET', 'metrics/get-history', metricHistory],
  ['GET', 'metrics/get-history-bulk-interval', bulkInterval],
  ['GET', 'artifacts/list', (r, ctx) => {
    const run = T.getRun(ctx.store, runId(r));
    const sub = r.str('path') ?? '';
    return { root_uri: run.info.artifact_uri, files: listArtifactDir(ctx.workspace, run.info.artifact_uri, sub, true) };
  }],
];
