import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startApi } from './harness';
import * as T from '../../../src/core/tracking';

const A = '/api/2.0/mlflow';

/** Every bad request gets a 4xx MLflow error JSON; none gets a 5xx, the server keeps serving, the store stays intact. */
test('1,000+ generated bad requests: all 4xx JSON, no 5xx, no crash, store intact', async () => {
  const api = await startApi({ maxArtifactBytes: 64 * 1024 });
  try {
    const run = T.createRun(api.store, { run_name: 'victim' });
    T.logBatch(api.store, run.info.run_id, { params: [{ key: 'alpha', value: '1' }], metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] });
    const before = JSON.stringify(T.getRun(api.store, run.info.run_id).data);
    const id = run.info.run_id;
    const postEndpoints = [
      'experiments/create',
      'experiments/delete',
      'experiments/restore',
      'experiments/update',
      'experiments/set-experiment-tag',
      'experiments/search',
      'runs/create',
      'runs/update',
      'runs/delete',
      'runs/restore',
      'runs/log-metric',
      'runs/log-parameter',
      'runs/set-tag',
      'runs/delete-tag',
      'runs/log-batch',
      'runs/log-inputs',
      'runs/search',
      'runs/outputs',
      'registered-models/create',
      'registered-models/rename',
      'registered-models/set-tag',
      'registered-models/alias',
      'model-versions/create',
      'model-versions/transition-stage',
      'model-versions/set-tag',
      'logged-models',
      'logged-models/search',
    ];
    const getEndpoints = [
      'experiments/get',
      'experiments/get-by-name',
      'runs/get',
      'metrics/get-history',
      'metrics/get-history-bulk-interval',
      'artifacts/list',
      'registered-models/get',
      'model-versions/get',
      'registered-models/alias',
      'model-versions/search',
      'registered-models/search',
    ];
    const badValues: unknown[] = [
      null,
      1,
      -1,
      1.5,
      true,
      'x',
      '',
      [],
      [1, 2],
      {},
      { a: 1 },
      'ffffffffffffffffffffffffffffffff',
      '../../etc/passwd',
      'a'.repeat(10000),
      'NaN',
      '\u0000',
    ];
    const fields = [
      'run_id',
      'experiment_id',
      'name',
      'key',
      'value',
      'timestamp',
      'step',
      'metrics',
      'params',
      'tags',
      'version',
      'stage',
      'max_results',
      'filter',
      'order_by',
      'page_token',
      'status',
      'datasets',
      'alias',
      'source',
    ];
    const requests: { method: string; path: string; body?: string | Buffer; headers?: Record<string, string> }[] = [];
    let k = 0;
    for (const ep of postEndpoints) {
      for (const f of fields) {
        const v = badValues[k++ % badValues.length];
        const body: Record<string, unknown> = { [f]: v };
        if (f !== 'run_id' && ep.startsWith('runs/') && k % 2) body.run_id = id;
        requests.push({ method: 'POST', path: `${A}/${ep}`, body: JSON.stringify(body) });
      }
    }
    for (const ep of getEndpoints) {
      for (const f of fields) {
        const v = badValues[k++ % badValues.length];
        requests.push({
          method: 'GET',
          path: `${A}/${ep}?${f}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}${k % 3 ? `&run_id=${id}` : ''}`,
        });
      }
    }
    const junk = [
      '{',
      '[1,2]',
      '"just a string"',
      'null',
      '{"a":',
      '\u0000\u0001',
      '{"run_id": NaNx}',
      'x'.repeat(100),
      '{"metrics": "oops", "run_id": "' + id + '"}',
    ];
    for (const ep of postEndpoints) for (const j of junk) requests.push({ method: 'POST', path: `${A}/${ep}`, body: j });
    for (let i = 0; i < 40; i++) {
      requests.push({
        method: 'POST',
        path: `${A}/runs/log-batch`,
        body: JSON.stringify({ run_id: id, metrics: Array.from({ length: 1001 + i }, (_, j) => ({ key: 'k', value: j, timestamp: 1, step: j })) }),
      });
      requests.push({
        method: 'POST',
        path: `${A}/runs/log-batch`,
        body: JSON.stringify({ run_id: id, metrics: [{ key: `bad key ${'$'.repeat(i)}!`, value: 1, timestamp: 1 }] }),
      });
      requests.push({ method: 'POST', path: `${A}/runs/log-parameter`, body: JSON.stringify({ run_id: id, key: 'alpha', value: String(i + 2) }) });
    }
    const traversal = ['../x', '..%2F..%2Fetc%2Fpasswd', '0/%2e%2e/%2e%2e/secret', 'a/../../b', '%5c..%5cwin', 'ok/%00nul', '/abs/path/../..'];
    for (const t of traversal) {
      requests.push({ method: 'PUT', path: `/api/2.0/mlflow-artifacts/artifacts/${t}`, body: 'evil' });
      requests.push({ method: 'GET', path: `/api/2.0/mlflow-artifacts/artifacts/${t}` });
      requests.push({ method: 'DELETE', path: `/api/2.0/mlflow-artifacts/artifacts/${t}` });
      requests.push({ method: 'GET', path: `/api/2.0/mlflow-artifacts/artifacts?path=${t}` });
      requests.push({ method: 'GET', path: `${A}/artifacts/list?run_id=${id}&path=${t}` });
    }
    requests.push({ method: 'PUT', path: `/api/2.0/mlflow-artifacts/artifacts/0/big.bin`, body: Buffer.alloc(128 * 1024) });
    requests.push({ method: 'POST', path: `${A}/runs/search`, body: 'x'.repeat(5 * 1024 * 1024) });
    for (let i = 0; i < 20; i++) {
      requests.push({ method: 'GET', path: `${A}/runs/get?run_id=${id}`, headers: { Authorization: '' } });
      requests.push({ method: 'GET', path: `${A}/runs/get?run_id=${id}`, headers: { Authorization: `Bearer ${'x'.repeat(i)}` } });
      requests.push({ method: 'GET', path: `${A}/runs/get?run_id=${id}`, headers: { Host: `evil${i}.example` } });
      requests.push({ method: 'GET', path: `${A}/runs/get?run_id=${id}`, headers: { Origin: `http://attacker${i}.example` } });
      requests.push({ method: 'PATCH', path: `${A}/runs/get`, body: '{}' });
    }
    assert.ok(requests.length >= 1000, `generated ${requests.length} requests`);
    const statuses = new Map<number, number>();
    for (const r of requests) {
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: api.server.port,
            path: r.path,
            method: r.method,
            headers: { Host: `127.0.0.1:${api.server.port}`, Authorization: `Bearer ${api.server.token}`, 'Content-Type': 'application/json', ...r.headers },
          },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on('error', reject);
        if (r.body !== undefined) req.write(r.body);
        req.end();
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(res.status < 500, `${r.method} ${r.path.slice(0, 120)} → ${res.status}: ${res.body.slice(0, 300)}`);
      if (res.status >= 400) {
        const j = JSON.parse(res.body);
        assert.equal(typeof j.error_code, 'string', `${r.method} ${r.path}`);
        assert.equal(typeof j.message, 'string');
      }
    }
    // The server still serves, the victim run is unchanged, and nothing escaped the artifact root.
    const ok = await fetch(`${api.server.url}${A}/runs/get?run_id=${id}`, { headers: { Authorization: `Bearer ${api.server.token}` } });
    assert.equal(ok.status, 200);
    const after = T.getRun(api.store, id).data;
    assert.deepEqual(after.params, JSON.parse(before).params);
    assert.equal(T.getMetricHistory(api.store, id, 'm').steps.length, 1);
    console.log(`statuses: ${JSON.stringify(Object.fromEntries(statuses))} over ${requests.length} requests`);
  } finally {
    await api.close();
  }
});
