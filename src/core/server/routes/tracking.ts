import * as T from '../../tracking';
import { InvalidParameter, NotFound } from '../../errors';
import { bulkHistories, historyInLoggedOrder, HISTORY_LIMITS, sampleHistories } from '../../tracking/historySampling';
import { requireInt } from '../../tracking/validation';
import { listArtifactDir } from '../artifactStore';
import { repeated } from '../json';
import type { ApiRequest } from '../request';
import type { RouteContext, RouteTable } from './types';

const runId = (r: ApiRequest) => r.str('run_id', true)!;

/** A run's history of one metric; empty for a run that does not exist (MLflow's SQL store does not check). */
function historyOf(store: RouteContext['store'], runId: string, key: string): T.MetricSeries {
  let id: string;
  try {
    id = T.runRow(store, runId).run_uuid;
  } catch (e) {
    if (e instanceof NotFound) return { steps: new Float64Array(0), timestamps: new Float64Array(0), values: new Float64Array(0) };
    throw e;
  }
  return T.getMetricHistory(store, id, key);
}

/** get-history: the whole history in one page, as MLflow's SQL store answers (it ignores max_results). */
function metricHistory(r: ApiRequest, { store }: RouteContext) {
  const key = r.str('metric_key', true)!;
  return repeated('metrics', historyInLoggedOrder(key, historyOf(store, runId(r), key)));
}

/** Sampled histories for charts (see historySampling). */
function bulkInterval(r: ApiRequest, { store }: RouteContext) {
  const ids = r.strList('run_ids');
  if (!ids.length) throw new InvalidParameter("Missing value for required parameter 'run_ids'.", 'run_ids');
  if (ids.length > HISTORY_LIMITS.runsPerRequest)
    throw new InvalidParameter(
      `GetMetricHistoryBulkInterval request must specify at most ${HISTORY_LIMITS.runsPerRequest} run_ids. Received ${ids.length} run_ids.`,
      'run_ids',
    );
  const key = r.str('metric_key', true)!;
  const startRaw = r.get('start_step');
  const endRaw = r.get('end_step');
  const maxRaw = r.get('max_results');
  const max = maxRaw === undefined ? HISTORY_LIMITS.resultsPerRun : requireInt('max_results', maxRaw);
  if (max < 1 || max > HISTORY_LIMITS.resultsPerRun)
    throw new InvalidParameter(`max_results must be between 1 and ${HISTORY_LIMITS.resultsPerRun}.`, 'max_results');
  if ((startRaw === undefined) !== (endRaw === undefined))
    throw new InvalidParameter('If either start step or end step are specified, both must be specified.', 'start_step');
  const range = startRaw === undefined ? undefined : { start: requireInt('start_step', startRaw), end: requireInt('end_step', endRaw) };
  if (range && range.start > range.end)
    throw new InvalidParameter(`end_step must be greater than start_step. Found start_step=${range.start} and end_step=${range.end}.`, 'end_step');
  const histories = ids.map((id) => ({ runId: id, series: historyOf(store, id, key) }));
  return repeated('metrics', sampleHistories(key, histories, max, range));
}

/** get-history-bulk (the UI's): several runs' histories of one metric, at most max_results points in all. */
function bulkHistory(r: ApiRequest, { store }: RouteContext) {
  const ids = r.strList('run_id');
  if (!ids.length) throw new InvalidParameter('GetMetricHistoryBulk request must specify at least one run_id.', 'run_id');
  if (ids.length > HISTORY_LIMITS.runsPerRequest)
    throw new InvalidParameter(
      `GetMetricHistoryBulk request cannot specify more than ${HISTORY_LIMITS.runsPerRequest} run_ids. Received ${ids.length} run_ids.`,
      'run_id',
    );
  const key = r.str('metric_key');
  if (key === undefined) throw new InvalidParameter('GetMetricHistoryBulk request must specify a metric_key.', 'metric_key');
  const maxRaw = r.get('max_results');
  const max = Math.min(maxRaw === undefined ? HISTORY_LIMITS.bulkResults : requireInt('max_results', maxRaw), HISTORY_LIMITS.bulkResults);
  return repeated(
    'metrics',
    bulkHistories(
      key,
      ids.map((id) => ({ runId: id, series: historyOf(store, id, key) })),
      max,
    ),
  );
}

export const trackingRoutes: RouteTable = [
  ['GET', 'experiments/get-by-name', (r, { store }) => ({ experiment: T.getExperimentByName(store, r.str('experiment_name', true)!) })],
  [
    'POST',
    'experiments/create',
    (r, { store }) => ({
      experiment_id: T.createExperiment(store, {
        name: r.str('name', true)!,
        artifact_location: r.str('artifact_location'),
        tags: r.list('tags') as T.KeyValue[],
      }),
    }),
  ],
  ['GET', 'experiments/get', (r, { store }) => ({ experiment: T.getExperiment(store, r.str('experiment_id', true)!) })],
  [
    'POST',
    'experiments/search',
    (r, { store }) =>
      T.searchExperiments(store, {
        filter: r.str('filter'),
        view_type: r.get('view_type'),
        max_results: r.get('max_results'),
        order_by: r.strList('order_by'),
        page_token: r.str('page_token'),
      }),
  ],
  [
    'GET',
    'experiments/search',
    (r, { store }) =>
      T.searchExperiments(store, {
        filter: r.str('filter'),
        view_type: r.get('view_type'),
        max_results: r.get('max_results'),
        order_by: r.strList('order_by'),
        page_token: r.str('page_token'),
      }),
  ],
  ['POST', 'experiments/delete', (r, { store }) => (T.deleteExperiment(store, r.str('experiment_id', true)!), {})],
  ['POST', 'experiments/restore', (r, { store }) => (T.restoreExperiment(store, r.str('experiment_id', true)!), {})],
  ['POST', 'experiments/update', (r, { store }) => (T.renameExperiment(store, r.str('experiment_id', true)!, r.str('new_name', true)!), {})],
  [
    'POST',
    'experiments/set-experiment-tag',
    (r, { store }) => (T.setExperimentTag(store, r.str('experiment_id', true)!, r.str('key', true)!, (r.get('value') ?? '') as string), {}),
  ],
  ['POST', 'experiments/delete-experiment-tag', (r, { store }) => (T.deleteExperimentTag(store, r.str('experiment_id', true)!, r.str('key', true)!), {})],
  [
    'POST',
    'runs/create',
    (r, { store }) => ({
      run: T.createRun(store, {
        experiment_id: r.str('experiment_id'),
        user_id: r.str('user_id'),
        run_name: r.str('run_name'),
        start_time: r.get('start_time') as number,
        tags: r.list('tags') as T.KeyValue[],
      }),
    }),
  ],
  [
    'POST',
    'runs/update',
    (r, { store }) => ({
      run_info: T.updateRun(store, runId(r), {
        status: r.get('status') as string,
        end_time: r.get('end_time') as number,
        run_name: r.str('run_name'),
        start_time: r.get('start_time') as number | undefined,
      }),
    }),
  ],
  ['POST', 'runs/delete', (r, { store }) => (T.deleteRun(store, runId(r)), {})],
  ['POST', 'runs/restore', (r, { store }) => (T.restoreRun(store, runId(r)), {})],
  ['GET', 'runs/get', (r, { store }) => ({ run: T.getRun(store, runId(r)) })],
  [
    'POST',
    'runs/search',
    (r, { store }) => ({
      ...T.searchRuns(store, {
        experiment_ids: r.list('experiment_ids'),
        filter: r.str('filter'),
        run_view_type: r.get('run_view_type'),
        max_results: r.get('max_results'),
        order_by: r.strList('order_by'),
        page_token: r.str('page_token'),
      }),
    }),
  ],
  [
    'POST',
    'runs/log-metric',
    (r, { store }) => (
      T.logMetric(store, runId(r), { key: r.str('key', true)!, value: r.get('value'), timestamp: r.get('timestamp'), step: r.get('step') }),
      {}
    ),
  ],
  ['POST', 'runs/log-parameter', (r, { store }) => (T.logParam(store, runId(r), r.str('key', true)!, r.get('value') ?? ''), {})],
  ['POST', 'runs/set-tag', (r, { store }) => (T.setTag(store, runId(r), r.str('key', true)!, r.get('value') ?? ''), {})],
  ['POST', 'runs/delete-tag', (r, { store }) => (T.deleteTag(store, runId(r), r.str('key', true)!), {})],
  [
    'POST',
    'runs/log-batch',
    (r, { store }) => {
      const id = runId(r);
      T.logBatch(store, id, { metrics: r.list('metrics') as T.MetricInput[], params: r.list('params') as T.KeyValue[], tags: r.list('tags') as T.KeyValue[] });
      return {};
    },
  ],
  ['POST', 'runs/log-inputs', (r, { store }) => (T.logInputs(store, runId(r), r.list('datasets') as T.DatasetInput[]), {})],
  ['POST', 'runs/outputs', (r, { store }) => (T.logOutputs(store, runId(r), r.list('models') as { model_id: string }[]), {})],
  [
    'POST',
    'runs/log-model',
    (r, { store }) => {
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
      // The tag holds at most LIMITS.tagValueLength characters: the oldest entries go first, so it stays JSON.
      while (history.length > 1 && JSON.stringify(history).length > T.LIMITS.tagValueLength) history.shift();
      T.setTag(store, id, 'mlflow.log-model.history', JSON.stringify(history));
      return {};
    },
  ],
  ['GET', 'metrics/get-history', metricHistory],
  ['GET', 'metrics/get-history-bulk-interval', bulkInterval],
  ['GET', 'metrics/get-history-bulk', bulkHistory],
  ['POST', 'experiments/search-datasets', (r, { store }) => ({ dataset_summaries: T.searchDatasets(store, r.list('experiment_ids')) })],
  [
    'GET',
    'artifacts/list',
    (r, ctx) => {
      const run = T.getRun(ctx.store, runId(r));
      const sub = r.str('path') ?? '';
      return { root_uri: run.info.artifact_uri, ...repeated('files', listArtifactDir(ctx.workspace, run.info.artifact_uri, sub, true)) };
    },
  ],
];
