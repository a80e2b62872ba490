// A second, independent client: the `mlflow` package from npm (a small MLflow REST client for Node,
// fetch-based), driven against our server, with every result checked through our own store.
// Its known gaps are pinned here too, so a fix on either side shows: it has no registry calls, its
// Experiments.list uses experiments/list (gone since MLflow 2.0), and its setExperimentTag builds a URL
// without the slash (…/experimentsset-experiment-tag).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import MLflow from 'mlflow';
import { RunStatus } from 'mlflow/enum';
import * as T from '../../../src/core/tracking';
import { startApi, type Api } from './harness';

let api: Api;
let client: MLflow;
const realLog = console.log;

before(async () => {
  api = await startApi();
  // The token goes in the client's `headers` option; it has no other way to authenticate.
  client = new MLflow({ endpoint: api.server.url, headers: { Authorization: `Bearer ${api.server.token}` } });
  // It prints every POST body with console.log.
  console.log = () => {};
});
after(async () => {
  console.log = realLog;
  await api.close();
});

/** The client throws Error(Error(JSON.stringify({status, statusText, data}))); this gets the parts back. */
async function failure(p: Promise<unknown>): Promise<{ status: number; data: { error_code: string; message: string } | null }> {
  try {
    await p;
  } catch (e) {
    const text = (e as Error).message.replace(/^Error: /, '');
    return JSON.parse(text);
  }
  throw new Error('expected the call to fail');
}

test('without the token the client is refused, with the server’s MLflow error', async () => {
  const anon = new MLflow({ endpoint: api.server.url });
  const f = await failure(anon.Experiments.get({ experiment_id: '0' }));
  assert.equal(f.status, 401);
  assert.equal(f.data?.error_code, 'UNAUTHENTICATED');
});

test('experiments: create, get, update, delete, restore', async () => {
  const { experiment_id } = await client.Experiments.create({ name: 'js-client', artifact_location: undefined as unknown as string });
  assert.match(experiment_id, /^\d+$/);
  assert.equal(T.getExperiment(api.store, experiment_id).name, 'js-client');
  const { experiment } = await client.Experiments.get({ experiment_id });
  assert.equal(experiment.name, 'js-client');
  assert.equal(experiment.lifecycle_stage, 'active');
  await client.Experiments.update({ experiment_id, new_name: 'js-client-2' });
  assert.equal(T.getExperiment(api.store, experiment_id).name, 'js-client-2');
  await client.Experiments.delete({ experiment_id });
  assert.equal(T.getExperiment(api.store, experiment_id).lifecycle_stage, 'deleted');
  await client.Experiments.restore({ experiment_id });
  assert.equal(T.getExperiment(api.store, experiment_id).lifecycle_stage, 'active');
  const dup = await failure(client.Experiments.create({ name: 'js-client-2', artifact_location: undefined as unknown as string }));
  assert.equal(dup.status, 400);
  assert.equal(dup.data?.error_code, 'RESOURCE_ALREADY_EXISTS');
});

test('runs: create, log params, metrics and a batch, tags, update, search, history', async () => {
  const { experiment_id } = await client.Experiments.create({ name: 'js-runs', artifact_location: undefined as unknown as string });
  const start = Date.now();
  const { run } = await client.Runs.create({ experiment_id, user_id: 'js', start_time: start, tags: [{ key: 'origin', value: 'npm mlflow' }] });
  const run_id: string = run.info.run_id;
  assert.equal(run.info.status, 'RUNNING');
  assert.equal(T.getRun(api.store, run_id).info.experiment_id, experiment_id);

  await client.Runs.logParameter({ run_id, key: 'lr', value: '0.01' });
  await client.Runs.logMetric({ run_id, key: 'loss', value: 0.5, timestamp: start, step: 0 });
  await client.Runs.logMetric({ run_id, key: 'loss', value: 0.25, timestamp: start + 1, step: 1 });
  const metrics = Array.from({ length: 1000 }, (_, j) => ({ key: `m${j % 4}`, value: j / 3, timestamp: start + j, step: Math.floor(j / 4) }));
  await client.Runs.logBatch({ run_id, metrics, params: [], tags: [] });
  await client.Runs.logBatch({ run_id, metrics: [], params: [{ key: 'batch', value: '32' }], tags: [{ key: 'phase', value: 'train' }] });
  await client.Runs.setTag({ run_id, key: 'note', value: 'hello' });
  await client.Runs.setTag({ run_id, key: 'gone', value: 'x' });
  await client.Runs.deleteTag({ run_id, key: 'gone' });

  const stored = T.getRun(api.store, run_id);
  assert.deepEqual(Object.fromEntries(stored.data.params.map((p) => [p.key, p.value])), { lr: '0.01', batch: '32' });
  const tags = Object.fromEntries(stored.data.tags.map((t) => [t.key, t.value]));
  assert.equal(tags.origin, 'npm mlflow');
  assert.equal(tags.phase, 'train');
  assert.equal(tags.note, 'hello');
  assert.equal(tags.gone, undefined);
  const m1 = T.getMetricHistory(api.store, run_id, 'm1');
  assert.equal(m1.steps.length, 250);
  assert.deepEqual(Array.from(m1.values.slice(0, 3)), [1 / 3, 5 / 3, 9 / 3]);
  assert.deepEqual(Array.from(T.getMetricHistory(api.store, run_id, 'loss').values), [0.5, 0.25]);

  const { metrics: history } = await client.Metrics.getHistory({ run_id, metric_key: 'm3' });
  assert.equal(history.length, 250);
  assert.deepEqual(history[249], { key: 'm3', value: 999 / 3, timestamp: start + 999, step: 249 });

  const got = await client.Runs.get({ run_id });
  assert.deepEqual(
    got.run.data.metrics.find((m: { key: string }) => m.key === 'loss'),
    { key: 'loss', value: 0.25, timestamp: start + 1, step: 1 },
  );

  await client.Runs.update({ run_id, status: RunStatus.FINISHED, end_time: start + 5000 });
  const done = T.getRun(api.store, run_id).info;
  assert.equal(done.status, 'FINISHED');
  assert.equal(done.end_time, start + 5000);

  const { run: other } = await client.Runs.create({ experiment_id, user_id: 'js', start_time: start + 1 });
  await client.Runs.logMetric({ run_id: other.info.run_id, key: 'loss', value: 0.9, timestamp: start, step: 0 });
  const found = await client.Runs.search({ experiment_ids: [experiment_id], filter: 'metrics.loss < 0.5', order_by: ['start_time DESC'] });
  assert.deepEqual(
    found.runs.map((r: { info: { run_id: string } }) => r.info.run_id),
    [run_id],
  );
  const all = await client.Runs.search({ experiment_ids: [experiment_id], order_by: ['start_time ASC'], max_results: 10 });
  assert.deepEqual(
    all.runs.map((r: { info: { run_id: string } }) => r.info.run_id),
    [run_id, other.info.run_id],
  );

  await client.Runs.delete({ run_id: other.info.run_id });
  assert.equal(T.getRun(api.store, other.info.run_id).info.lifecycle_stage, 'deleted');
  await client.Runs.restore({ run_id: other.info.run_id });
  assert.equal(T.getRun(api.store, other.info.run_id).info.lifecycle_stage, 'active');

  const { files } = await client.Artifacts.list({ run_id, path: '' });
  assert.ok(files === undefined || Array.isArray(files));
});

test('our validation reaches the client as MLflow errors', async () => {
  const { run } = await client.Runs.create({ experiment_id: '0', user_id: 'js', start_time: Date.now() });
  const bad = await failure(client.Runs.logMetric({ run_id: run.info.run_id, key: '../x', value: 1, timestamp: 0, step: 0 }));
  assert.equal(bad.status, 400);
  assert.equal(bad.data?.error_code, 'INVALID_PARAMETER_VALUE');
  const missing = await failure(client.Runs.get({ run_id: 'f'.repeat(32) }));
  assert.equal(missing.status, 404);
  assert.equal(missing.data?.error_code, 'RESOURCE_DOES_NOT_EXIST');
});

test('the client’s own gaps: experiments/list and its set-experiment-tag URL', async () => {
  const list = await failure(client.Experiments.list());
  assert.equal(list.status, 404);
  assert.equal(list.data?.error_code, 'ENDPOINT_NOT_FOUND');
  const tag = await failure(client.Experiments.setExperimentTag({ experiment_id: '0', key: 'k', value: 'v' }));
  assert.equal(tag.status, 404);
});
