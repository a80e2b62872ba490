// What an MLflow 3.x client sends on the common paths, at the REST level, from MLflow 3's service.proto (no 3.x
// client can be installed here): log_model creates a LoggedModel, uploads its files to the model's artifact_uri,
// finalizes it and links it to the run; registering makes a version from models:/<model_id>; loading resolves
// the alias, the download URI and the model's files; metrics may name the model and a dataset.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApi, type Api } from './harness';

const A = '/api/2.0/mlflow';
let api: Api;
before(async () => {
  api = await startApi();
});
after(async () => api.close());

async function ok(method: string, p: string, body?: unknown) {
  const r = await api.call(method, p, body);
  assert.equal(r.status, 200, `${method} ${p}: ${r.text}`);
  return r.json;
}

test('log_model, register, alias, download: the calls of an MLflow 3 client', async () => {
  const exp = (await ok('POST', `${A}/experiments/create`, { name: 'mlflow3' })).experiment_id;
  const run = (await ok('POST', `${A}/runs/create`, { experiment_id: exp, start_time: 1, tags: [{ key: 'mlflow.user', value: 'me' }] })).run;
  const runId = run.info.run_id;
  const created = (
    await ok('POST', `${A}/logged-models`, {
      experiment_id: exp,
      name: 'model',
      model_type: 'Classifier',
      source_run_id: runId,
      params: [{ key: 'alpha', value: '0.5' }],
      tags: [{ key: 'mlflow.source.name', value: 'train.py' }],
    })
  ).model;
  const id = created.info.model_id;
  assert.equal(created.info.status, 'LOGGED_MODEL_PENDING');
  assert.equal(created.info.artifact_uri, `mlflow-artifacts:/${exp}/models/${id}/artifacts`);
  assert.equal(created.info.model_type, 'Classifier');

  // The client's artifact repository for the model's artifact_uri: mlflow-artifacts PUTs.
  const files = `/api/2.0/mlflow-artifacts/artifacts/${exp}/models/${id}/artifacts`;
  await ok('PUT', `${files}/MLmodel`, 'artifact_path: model\nflavors: {}\n');
  await ok('PUT', `${files}/model.pkl`, new Uint8Array([1, 2, 3]));
  const ready = (await ok('PATCH', `${A}/logged-models/${id}`, { model_id: id, status: 'LOGGED_MODEL_READY' })).model;
  assert.equal(ready.info.status, 'LOGGED_MODEL_READY');
  await ok('POST', `${A}/runs/outputs`, { run_id: runId, models: [{ model_id: id, step: 0 }] });

  // ListLoggedModelArtifacts
  const listed = await ok('GET', `${A}/logged-models/${id}/artifacts/directories`);
  assert.equal(listed.root_uri, created.info.artifact_uri);
  assert.deepEqual(listed.files, [
    { path: 'MLmodel', is_dir: false, file_size: 33 },
    { path: 'model.pkl', is_dir: false, file_size: 3 },
  ]);
  const sub = await ok('GET', `${A}/logged-models/${id}/artifacts/directories?artifact_directory_path=nothing-here`);
  assert.deepEqual(sub, { root_uri: created.info.artifact_uri });

  // LogMetric / LogBatch with MLflow 3's model_id, dataset_name and dataset_digest fields.
  await ok('POST', `${A}/runs/log-metric`, {
    run_id: runId,
    key: 'acc',
    value: 0.9,
    timestamp: 5,
    step: 0,
    model_id: id,
    dataset_name: 'eval',
    dataset_digest: 'abc',
  });
  await ok('POST', `${A}/runs/log-batch`, {
    run_id: runId,
    metrics: [{ key: 'f1', value: 0.8, timestamp: 5, step: 0, model_id: id, dataset_name: 'eval', dataset_digest: 'abc' }],
  });
  const got = (await ok('GET', `${A}/runs/get?run_id=${runId}`)).run;
  assert.deepEqual(got.outputs.model_outputs, [{ model_id: id, step: 0 }]);
  assert.deepEqual(got.data.metrics.map((m: { key: string }) => m.key).sort(), ['acc', 'f1']);

  // register_model("models:/<model_id>", "clf"), then an alias.
  await ok('POST', `${A}/registered-models/create`, { name: 'clf' });
  const mv = (await ok('POST', `${A}/model-versions/create`, { name: 'clf', source: `models:/${id}`, run_id: runId, model_id: id })).model_version;
  assert.equal(mv.version, '1');
  assert.equal(mv.model_id, id);
  await ok('POST', `${A}/registered-models/alias`, { name: 'clf', alias: 'champion', version: '1' });
  const byAlias = (await ok('GET', `${A}/registered-models/alias?name=clf&alias=champion`)).model_version;
  assert.equal(byAlias.model_id, id);
  const dl = await ok('GET', `${A}/model-versions/get-download-uri?name=clf&version=1`);
  assert.equal(dl.artifact_uri, created.info.artifact_uri, 'a models:/<id> version downloads from the logged model');
  const withReg = (await ok('GET', `${A}/logged-models/${id}`)).model;
  assert.deepEqual(withReg.info.registrations, [{ name: 'clf', version: '1' }]);
  assert.deepEqual(withReg.data.params, [{ key: 'alpha', value: '0.5' }]);
  const mlmodel = await api.call('GET', `${files}/MLmodel`);
  assert.equal(mlmodel.text, 'artifact_path: model\nflavors: {}\n');

  // SearchLoggedModels: order_by is a list of {field_name, ascending}; max_results is at most 50.
  const found = (
    await ok('POST', `${A}/logged-models/search`, {
      experiment_ids: [exp],
      filter: "name = 'model'",
      order_by: [{ field_name: 'creation_timestamp', ascending: false }],
      max_results: 50,
    })
  ).models;
  assert.deepEqual(
    found.map((m: { info: { model_id: string } }) => m.info.model_id),
    [id],
  );
  assert.deepEqual(found[0].info.registrations, [{ name: 'clf', version: '1' }]);
  const tooMany = await api.call('POST', `${A}/logged-models/search`, { experiment_ids: [exp], max_results: 51 });
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.json.error_code, 'INVALID_PARAMETER_VALUE');

  // The files of a logged model are contained like every artifact.
  const escape = await api.call('GET', `${A}/logged-models/${id}/artifacts/directories?artifact_directory_path=${encodeURIComponent('../../..')}`);
  assert.equal(escape.status, 400);
  const missing = await api.call('GET', `${A}/logged-models/m-${'0'.repeat(32)}/artifacts/directories`);
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
});
