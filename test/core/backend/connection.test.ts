import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { test } from 'node:test';
import { Connection, connectionFromEnv, isServerUri, ServerError, ServerUnreachable } from '../../../src/core/backend/connection';

interface Seen {
  method: string;
  url: string;
  auth?: string;
  body: string;
}

/** A real HTTP server on 127.0.0.1 that answers from a script of responses and records what it was sent. */
async function server(answers: Array<(q: Seen) => { status: number; body?: string; headers?: Record<string, string> }>) {
  const seen: Seen[] = [];
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const q: Seen = { method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(q);
      const next = answers[Math.min(seen.length - 1, answers.length - 1)]!;
      const a = next(q);
      res.writeHead(a.status, { 'Content-Type': 'application/json', ...a.headers });
      res.end(a.body ?? '{}');
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, seen, close: () => new Promise((r) => s.close(r)) };
}

const ok = () => ({ status: 200, body: '{"ok":true}' });

test('the API path joins the base, a proxy prefix included; query values repeat; credentials in the URI become basic auth', async (t) => {
  const s = await server([ok]);
  t.after(s.close);
  const bare = new Connection({ uri: `${s.url}/` });
  t.after(() => bare.close());
  assert.deepEqual(await bare.api('GET', 'experiments/search', { query: { max_results: 5, view_type: undefined, run_ids: ['a', 'b'] } }), { ok: true });
  assert.equal(s.seen[0]!.url, '/api/2.0/mlflow/experiments/search?max_results=5&run_ids=a&run_ids=b');
  assert.equal(s.seen[0]!.auth, undefined);

  const prefixed = new Connection({ uri: `http://al%40ice:p%3Ass@127.0.0.1:${s.port}/mlflow//` });
  t.after(() => prefixed.close());
  assert.equal(prefixed.url, `http://127.0.0.1:${s.port}/mlflow`, 'the URL shown to users carries no password');
  await prefixed.api('POST', 'runs/log-batch', { body: { run_id: 'r', metrics: [{ key: 'k', value: NaN }] } });
  assert.equal(s.seen[1]!.url, '/mlflow/api/2.0/mlflow/runs/log-batch');
  assert.equal(s.seen[1]!.auth, `Basic ${Buffer.from('al@ice:p:ss').toString('base64')}`);
  assert.deepEqual(JSON.parse(s.seen[1]!.body).metrics[0].value, 'NaN', 'MLflow reads non-finite doubles as strings');
});

test("MLflow's environment variables: a token wins over a username; TLS settings carry over", () => {
  const both = connectionFromEnv('https://team', { MLFLOW_TRACKING_TOKEN: 't', MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' });
  assert.deepEqual(both.auth, { kind: 'bearer', token: 't' });
  const basic = connectionFromEnv('https://team', { MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_INSECURE_TLS: 'true' });
  assert.deepEqual(basic.auth, { kind: 'basic', username: 'u', password: '' });
  assert.equal(basic.insecureTls, true);
  assert.equal(connectionFromEnv('https://team', {}).auth?.kind, 'none');
  assert.ok(isServerUri(' HTTPS://team '));
  assert.ok(!isServerUri('file:///tmp/mlruns'));
  assert.ok(!isServerUri('databricks'));
  assert.throws(() => new Connection({ uri: 'ftp://team' }), /not http/);
});

test('a bearer token is sent; 401 names the variables to set', async (t) => {
  const s = await server([() => ({ status: 401, body: '{"error_code":"UNAUTHENTICATED","message":"You are not authenticated."}' })]);
  t.after(s.close);
  const c = new Connection({ uri: s.url, auth: { kind: 'bearer', token: 'sekrit' }, backoffMs: 1 });
  t.after(() => c.close());
  await assert.rejects(
    c.api('GET', 'experiments/search'),
    (e: unknown) =>
      e instanceof ServerError &&
      e.status === 401 &&
      /You are not authenticated/.test(e.message) &&
      /MLFLOW_TRACKING_TOKEN/.test(e.message) &&
      e.message.includes(s.url),
  );
  assert.equal(s.seen.length, 1, 'an auth failure is not retried');
  assert.equal(s.seen[0]!.auth, 'Bearer sekrit');
});

test('503 and 429 are retried after their Retry-After or a backoff; a 500 on a create is not repeated', async (t) => {
  const busy = () => ({ status: 503, body: 'busy', headers: { 'Retry-After': '0' } });
  const s = await server([busy, () => ({ status: 429, body: '{}' }), ok]);
  t.after(s.close);
  const c = new Connection({ uri: s.url, backoffMs: 1 });
  t.after(() => c.close());
  assert.deepEqual(await c.api('POST', 'runs/create', { body: {} }), { ok: true });
  assert.equal(s.seen.length, 3);

  const failing = await server([() => ({ status: 500, body: '{"error_code":"INTERNAL_ERROR","message":"boom"}' })]);
  t.after(failing.close);
  const f = new Connection({ uri: failing.url, backoffMs: 1, retries: 3 });
  t.after(() => f.close());
  await assert.rejects(f.api('POST', 'runs/create', { body: {} }), /boom/);
  assert.equal(failing.seen.length, 1, 'a create that reached the server is not sent twice');
  await assert.rejects(f.api('GET', 'runs/get', { query: { run_id: 'x' } }), (e: unknown) => e instanceof ServerError && e.code === 'INTERNAL_ERROR');
  assert.equal(failing.seen.length, 1 + 4, 'a read is retried, then the error is the server’s own');
});

test('a server that is not there is ServerUnreachable (after the retries); an answer that is not JSON says so', async (t) => {
  const s = await server([() => ({ status: 200, body: '<html>login</html>' })]);
  const port = s.port;
  const html = new Connection({ uri: s.url });
  await assert.rejects(html.api('GET', 'experiments/search'), /not JSON.*login.*is this an MLflow server/);
  html.close();
  await s.close();
  const gone = new Connection({ uri: `http://127.0.0.1:${port}`, backoffMs: 1, retries: 2 });
  t.after(() => gone.close());
  await assert.rejects(
    gone.api('GET', 'experiments/search'),
    (e: unknown) => e instanceof ServerUnreachable && e.cause === 'ECONNREFUSED' && e.url === `http://127.0.0.1:${port}`,
  );
  const ac = new AbortController();
  ac.abort(new Error('cancelled by the user'));
  await assert.rejects(gone.api('GET', 'experiments/search', { signal: ac.signal }), /cancelled by the user/);
});
