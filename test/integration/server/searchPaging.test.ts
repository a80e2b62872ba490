import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApi, type Api } from './harness';

const A = '/api/2.0/mlflow';
let api: Api;
let exp: string;

before(async () => {
  api = await startApi();
  exp = (await api.call('POST', `${A}/experiments/create`, { name: 'paging' })).json.experiment_id;
  for (let i = 0; i < 6; i++) {
    const id = (await api.call('POST', `${A}/runs/create`, { experiment_id: exp, start_time: 1000 + i, run_name: `r${i}` })).json.run.info.run_id;
    await api.call('POST', `${A}/runs/log-batch`, { run_id: id, metrics: [{ key: 'm', value: i % 3 === 0 ? 'NaN' : i, timestamp: 1, step: 0 }] });
  }
});
after(() => api.close());

const search = (body: Record<string, unknown>) => api.call('POST', `${A}/runs/search`, { experiment_ids: [exp], ...body });

test('runs/search over HTTP: keyset pages, a token on an exactly full page, then an empty last page', async () => {
  const names: string[] = [];
  let token: string | undefined;
  const sizes: number[] = [];
  do {
    const res = await search({ max_results: 3, order_by: ['metrics.m DESC'], ...(token ? { page_token: token } : {}) });
    assert.equal(res.status, 200, res.text);
    sizes.push(res.json.runs?.length ?? 0);
    names.push(...(res.json.runs ?? []).map((r: any) => r.info.run_name));
    token = res.json.next_page_token;
  } while (token);
  assert.deepEqual(sizes, [3, 3, 0], 'as MLflow 2.12.2: a full page always has a token');
  assert.deepEqual(names, ['r5', 'r4', 'r2', 'r1', 'r3', 'r0'], 'values descending, then the NaNs (start_time DESC)');
  const zero = await search({ max_results: 0 });
  assert.equal(zero.status, 200);
  assert.equal((zero.json.runs ?? []).length, 0, 'no runs');
  assert.ok(zero.json.next_page_token, 'and a token, as MLflow');
});

test('runs/search over HTTP: bad page tokens and max_results are 400 INVALID_PARAMETER_VALUE, never 500', async () => {
  const good = (await search({ max_results: 2, order_by: ['metrics.m'] })).json.next_page_token;
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
  const bad: Record<string, unknown>[] = [
    { page_token: 'not a token' },
    { page_token: b64([1]) },
    { page_token: b64({ after: 'x', order: 'y' }) },
    { page_token: good, order_by: ['metrics.m DESC'] },
    { page_token: good, order_by: ['params.p'] },
    { page_token: 12 },
    { max_results: -1 },
    { max_results: 50001 },
    { max_results: 'many' },
    { order_by: ['metrics.m', 'metrics.m DESC'] },
  ];
  for (const body of bad) {
    const res = await search(body);
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    assert.equal(res.json.error_code, 'INVALID_PARAMETER_VALUE', JSON.stringify(body));
  }
});
