import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startApi, type Api } from './harness';

const A = '/api/2.0/mlflow';
let api: Api;
before(async () => {
  api = await startApi();
});
after(async () => api.close());

describe('security', () => {
  test('health needs no token; everything else does', async () => {
    const h = await fetch(`${api.server.url}/health`);
    assert.equal(h.status, 200);
    assert.equal(await h.text(), 'OK');
    const r = await fetch(`${api.server.url}${A}/experiments/get?experiment_id=0`);
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error_code, 'UNAUTHENTICATED');
    const bad = await api.call('GET', `${A}/experiments/get?experiment_id=0`, undefined, { Authorization: 'Bearer nope' });
    assert.equal(bad.status, 401);
  });

  test('a foreign Host (DNS rebinding) or Origin is refused', async () => {
    const status = await new Promise<number>((resolve) => {
      http.get(
        {
          host: '127.0.0.1',
          port: api.server.port,
          path: `${A}/experiments/get?experiment_id=0`,
          headers: { Host: 'evil.example:80', Authorization: `Bearer ${api.server.token}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
    });
    assert.equal(status, 403);
    const o = await api.call('GET', `${A}/experiments/get?experiment_id=0`, undefined, { Origin: 'https://evil.example' });
    assert.equal(o.status, 403);
    const same = await api.call('GET', `${A}/experiments/get?experiment_id=0`, undefined, { Origin: api.server.url });
    assert.equal(same.status, 200);
  });

  test('server.json advertises the owner with mode 0600', () => {
    const f = path.join(api.ws, '.mlops', 'server.json');
    const info = JSON.parse(fs.readFileSync(f, 'utf8'));
    assert.equal(info.url, api.server.url);
    assert.equal(info.token, api.server.token);
    assert.equal(info.pid, process.pid);
    assert.equal(fs.statSync(f).mode & 0o777, 0o600);
  });
});

describe('tracking', () => {
  test('the client flow: get-by-name miss, create, run, params, metrics, tags, finish', async () => {
    const miss = await api.call('GET', `${A}/experiments/get-by-name?experiment_name=demo`);
    assert.equal(miss.status, 404);
    assert.equal(miss.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    const c = await api.call('POST', `${A}/experiments/create`, { name: 'demo', tags: [{ key: 't', value: 'v' }] });
    assert.equal(c.status, 200);
    const expId = c.json.experiment_id;
    assert.equal(typeof expId, 'string');
    const dup = await api.call('POST', `${A}/experiments/create`, { name: 'demo' });
    assert.equal(dup.status, 400);
    assert.equal(dup.json.error_code, 'RESOURCE_ALREADY_EXISTS');
    const run = (
      await api.call('POST', `${A}/runs/create`, { experiment_id: expId, start_time: 1700000000000, tags: [{ key: 'mlflow.runName', value: 'r1' }] })
    ).json.run;
    assert.equal(run.info.run_name, 'r1');
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(run.info.artifact_uri, `mlflow-artifacts:/${expId}/${run.info.run_id}/artifacts`);
    const id = run.info.run_id;
    assert.equal((await api.call('POST', `${A}/runs/log-parameter`, { run_id: id, run_uuid: id, key: 'alpha', value: '0.5' })).status, 200);
    const conflict = await api.call('POST', `${A}/runs/log-parameter`, { run_id: id, key: 'alpha', value: '0.7' });
    assert.equal(conflict.status, 400);
    assert.equal(conflict.json.error_code, 'INVALID_PARAMETER_VALUE');
    // Python's json writes bare NaN; the uuid alias works too.
    const nan = await api.call('POST', `${A}/runs/log-metric`, `{"run_uuid": "${id}", "key": "loss", "value": NaN, "timestamp": 5, "step": 0}`, {
      'Content-Type': 'application/json',
    });
    assert.equal(nan.status, 200, nan.text);
    const batch = await api.call(
      'POST',
      `${A}/runs/log-batch`,
      `{"run_id": "${id}", "metrics": [{"key": "loss", "value": 0.5, "timestamp": 6, "step": 1}, {"key": "acc", "value": -Infinity, "timestamp": 6, "step": 1}], "tags": [{"key": "k", "value": "v"}]}`,
      { 'Content-Type': 'application/json' },
    );
    assert.equal(batch.status, 200, batch.text);
    const nullValue = await api.call('POST', `${A}/runs/log-batch`, { run_id: id, metrics: [{ key: 'x', value: null, timestamp: 6, step: 1 }] });
    assert.equal(nullValue.status, 400, 'a batch with a bad metric is rejected whole');
    await api.call('POST', `${A}/runs/set-tag`, { run_id: id, key: 'mlflow.note.content', value: 'hello' });
    const got = (await api.call('GET', `${A}/runs/get?run_id=${id}`)).json.run;
    assert.deepEqual(got.data.params, [{ key: 'alpha', value: '0.5' }]);
    assert.deepEqual(
      got.data.metrics.find((m: { key: string }) => m.key === 'loss'),
      { key: 'loss', value: 0.5, timestamp: 6, step: 1 },
    );
    assert.equal(got.data.metrics.find((m: { key: string }) => m.key === 'acc').value, -Number.MAX_VALUE); // as MLflow's SQL store
    assert.equal(
      got.data.metrics.find((m: { key: string }) => m.key === 'x'),
      undefined,
    );
    const hist = (await api.call('GET', `${A}/metrics/get-history?run_id=${id}&metric_key=loss`)).json;
    assert.equal(hist.metrics[0].value, 'NaN', 'NaN goes out as the protobuf JSON string');
    // As MLflow's SQL store: the whole history in one page, max_results or not.
    const paged = (await api.call('GET', `${A}/metrics/get-history?run_id=${id}&metric_key=loss&max_results=1`)).json;
    assert.equal(paged.metrics.length, hist.metrics.length);
    assert.equal(paged.next_page_token, undefined);
    const upd = await api.call('POST', `${A}/runs/update`, { run_id: id, status: 'FINISHED', end_time: 1700000005000 });
    assert.equal(upd.json.run_info.status, 'FINISHED');
    const search = (
      await api.call('POST', `${A}/runs/search`, { experiment_ids: [expId], filter: "params.alpha = '0.5' and metrics.loss < 1", max_results: 10 })
    ).json;
    assert.deepEqual(
      search.runs.map((r: { info: { run_id: string } }) => r.info.run_id),
      [id],
    );
    const badFilter = await api.call('POST', `${A}/runs/search`, { experiment_ids: [expId], filter: 'metrics.loss ~ 1' });
    assert.equal(badFilter.status, 400);
    assert.match(badFilter.json.message, /position 13/);
    const bulk = (await api.call('GET', `${A}/metrics/get-history-bulk-interval?run_ids=${id}&metric_key=loss&max_results=10`)).json;
    assert.equal(bulk.metrics.length, 2);
    assert.equal(bulk.metrics[0].run_id, id);
    await api.call('POST', `${A}/runs/log-inputs`, {
      run_id: id,
      datasets: [{ tags: [], dataset: { name: 'train', digest: 'abc123', source_type: 'local', source: '{}' } }],
    });
    assert.equal((await api.call('GET', `${A}/runs/get?run_id=${id}`)).json.run.inputs.dataset_inputs[0].dataset.digest, 'abc123');
    assert.equal((await api.call('POST', `${A}/runs/delete`, { run_id: id })).status, 200);
    assert.equal((await api.call('POST', `${A}/runs/log-parameter`, { run_id: id, key: 'b', value: '1' })).status, 400);
    assert.equal((await api.call('POST', `${A}/runs/restore`, { run_id: id })).status, 200);
    const exps = (await api.call('POST', `${A}/experiments/search`, { filter: "name = 'demo'" })).json;
    assert.equal(exps.experiments.length, 1);
    assert.equal((await api.call('GET', `${A}/experiments/search?max_results=1`)).json.experiments.length, 1);
  });

  test('user errors are 4xx with MLflow error JSON', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['GET', `${A}/runs/get?run_id=ffffffffffffffffffffffffffffffff`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST'],
      ['GET', `${A}/runs/get`, undefined, 400, 'INVALID_PARAMETER_VALUE'],
      ['GET', `${A}/experiments/get?experiment_id=abc`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST'],
      ['POST', `${A}/runs/create`, { experiment_id: '999' }, 404, 'RESOURCE_DOES_NOT_EXIST'],
      ['POST', `${A}/experiments/create`, { name: 5 }, 400, 'INVALID_PARAMETER_VALUE'],
      ['POST', `${A}/runs/search`, { max_results: 50001 }, 400, 'INVALID_PARAMETER_VALUE'],
      ['GET', `${A}/no/such/endpoint`, undefined, 404, 'ENDPOINT_NOT_FOUND'],
      ['DELETE', `${A}/runs/create`, {}, 405, 'BAD_REQUEST'],
    ];
    for (const [m, p, b, status, code] of cases) {
      const r = await api.call(m, p, b);
      assert.equal(r.status, status, `${m} ${p}: ${r.text}`);
      assert.equal(r.json.error_code, code, `${m} ${p}`);
    }
  });
});

describe('registry', () => {
  test('models, versions, aliases, stages, tags, search and deletes (DELETE with a JSON body)', async () => {
    const run = (await api.call('POST', `${A}/runs/create`, { experiment_id: '0' })).json.run;
    assert.equal((await api.call('POST', `${A}/registered-models/create`, { name: 'm' })).status, 200);
    assert.equal((await api.call('POST', `${A}/registered-models/create`, { name: 'm' })).json.error_code, 'RESOURCE_ALREADY_EXISTS');
    const v1 = (await api.call('POST', `${A}/model-versions/create`, { name: 'm', source: `${run.info.artifact_uri}/model`, run_id: run.info.run_id })).json
      .model_version;
    assert.equal(v1.version, '1');
    assert.equal(v1.status, 'READY');
    await api.call('POST', `${A}/model-versions/create`, { name: 'm', source: 's2' });
    await api.call('POST', `${A}/registered-models/alias`, { name: 'm', alias: 'champion', version: '1' });
    const byAlias = (await api.call('GET', `${A}/registered-models/alias?name=m&alias=champion`)).json.model_version;
    assert.equal(byAlias.version, '1');
    assert.deepEqual(byAlias.aliases, ['champion']);
    const staged = (
      await api.call('POST', `${A}/model-versions/transition-stage`, { name: 'm', version: '2', stage: 'Production', archive_existing_versions: false })
    ).json.model_version;
    assert.equal(staged.current_stage, 'Production');
    const latest = (await api.call('POST', `${A}/registered-models/get-latest-versions`, { name: 'm', stages: ['Production'] })).json.model_versions;
    assert.deepEqual(
      latest.map((v: { version: string }) => v.version),
      ['2'],
    );
    await api.call('POST', `${A}/model-versions/set-tag`, { name: 'm', version: '1', key: 'k', value: 'v' });
    assert.equal((await api.call('DELETE', `${A}/model-versions/delete-tag`, { name: 'm', version: '1', key: 'k' })).status, 200);
    assert.equal((await api.call('PATCH', `${A}/registered-models/update`, { name: 'm', description: 'd' })).json.registered_model.description, 'd');
    const search = (await api.call('GET', `${A}/model-versions/search?filter=${encodeURIComponent("name = 'm'")}`)).json;
    assert.equal(search.model_versions.length, 2);
    const models = (await api.call('GET', `${A}/registered-models/search?filter=${encodeURIComponent("name LIKE 'm%'")}`)).json;
    assert.equal(models.registered_models[0].name, 'm');
    assert.equal((await api.call('GET', `${A}/model-versions/get-download-uri?name=m&version=1`)).json.artifact_uri, `${run.info.artifact_uri}/model`);
    assert.equal((await api.call('DELETE', `${A}/registered-models/alias`, { name: 'm', alias: 'champion' })).status, 200);
    assert.equal((await api.call('DELETE', `${A}/model-versions/delete`, { name: 'm', version: '1' })).status, 200);
    assert.equal((await api.call('GET', `${A}/model-versions/get?name=m&version=1`)).status, 404);
    assert.equal((await api.call('POST', `${A}/registered-models/rename`, { name: 'm', new_name: 'm2' })).json.registered_model.name, 'm2');
    assert.equal((await api.call('DELETE', `${A}/registered-models/delete`, { name: 'm2' })).status, 200);
    assert.equal((await api.call('GET', `${A}/registered-models/get?name=m2`)).status, 404);
  });
});

describe('artifacts and MLflow 3 logged models', () => {
  test('PUT, list, GET, DELETE under .mlops/artifacts, and artifacts/list for a run', async () => {
    const run = (await api.call('POST', `${A}/runs/create`, { experiment_id: '0' })).json.run;
    const base = `/api/2.0/mlflow-artifacts/artifacts/0/${run.info.run_id}/artifacts`;
    assert.equal((await api.call('PUT', `${base}/model/MLmodel`, 'flavors: {}\n', { 'Content-Type': 'application/octet-stream' })).status, 200);
    assert.equal((await api.call('PUT', `${base}/notes.txt`, new Uint8Array([104, 105]))).status, 200);
    const onDisk = path.join(api.ws, '.mlops', 'artifacts', '0', run.info.run_id, 'artifacts', 'notes.txt');
    assert.equal(fs.readFileSync(onDisk, 'utf8'), 'hi');
    const list = (await api.call('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`0/${run.info.run_id}/artifacts`)}`)).json;
    assert.deepEqual(list.files, [
      { path: 'model', is_dir: true },
      { path: 'notes.txt', is_dir: false, file_size: 2 },
    ]);
    const runList = (await api.call('GET', `${A}/artifacts/list?run_id=${run.info.run_id}&path=model`)).json;
    assert.deepEqual(runList.files, [{ path: 'model/MLmodel', is_dir: false, file_size: 12 }]);
    assert.equal((await api.call('GET', `${base}/notes.txt`)).text, 'hi');
    assert.equal((await api.call('DELETE', `${base}/notes.txt`)).status, 200);
    assert.equal((await api.call('GET', `${base}/notes.txt`)).status, 404);
  });

  test('logged models: create, finalize, get, search, tags, params, delete; runs/outputs', async () => {
    const run = (await api.call('POST', `${A}/runs/create`, { experiment_id: '0' })).json.run;
    const m = (
      await api.call('POST', `${A}/logged-models`, { experiment_id: '0', name: 'model', source_run_id: run.info.run_id, params: [{ key: 'p', value: '1' }] })
    ).json.model;
    assert.match(m.info.model_id, /^m-[0-9a-f]{32}$/);
    assert.equal(m.info.status, 'LOGGED_MODEL_PENDING');
    assert.equal(m.info.artifact_uri, `mlflow-artifacts:/0/models/${m.info.model_id}/artifacts`);
    const fin = (await api.call('PATCH', `${A}/logged-models/${m.info.model_id}`, { model_id: m.info.model_id, status: 'LOGGED_MODEL_READY' })).json.model;
    assert.equal(fin.info.status, 'LOGGED_MODEL_READY');
    await api.call('PATCH', `${A}/logged-models/${m.info.model_id}/tags`, { tags: [{ key: 'mlflow.modelVersions', value: '[]' }] });
    await api.call('POST', `${A}/logged-models/${m.info.model_id}/params`, { params: [{ key: 'q', value: '2' }] });
    const got = (await api.call('GET', `${A}/logged-models/${m.info.model_id}`)).json.model;
    assert.deepEqual(got.info.tags, [{ key: 'mlflow.modelVersions', value: '[]' }]);
    assert.deepEqual(
      got.data.params.map((p: { key: string }) => p.key),
      ['p', 'q'],
    );
    const found = (
      await api.call('POST', `${A}/logged-models/search`, { experiment_ids: ['0'], filter: `source_run_id = '${run.info.run_id}'`, max_results: 10 })
    ).json.models;
    assert.equal(found.length, 1);
    await api.call('POST', `${A}/runs/outputs`, { run_id: run.info.run_id, models: [{ model_id: m.info.model_id, step: 0 }] });
    assert.deepEqual((await api.call('GET', `${A}/runs/get?run_id=${run.info.run_id}`)).json.run.outputs.model_outputs, [
      { model_id: m.info.model_id, step: 0 },
    ]);
    assert.equal((await api.call('DELETE', `${A}/logged-models/${m.info.model_id}/tags/mlflow.modelVersions`)).status, 200);
    assert.equal((await api.call('DELETE', `${A}/logged-models/${m.info.model_id}`)).status, 200);
    assert.equal((await api.call('GET', `${A}/logged-models/${m.info.model_id}`)).status, 404);
  });

  test('the /ajax-api prefix serves the same endpoints', async () => {
    const r = await api.call('GET', '/ajax-api/2.0/mlflow/experiments/get?experiment_id=0');
    assert.equal(r.json.experiment.name, 'Default');
  });
});
