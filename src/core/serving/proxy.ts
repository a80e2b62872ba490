import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { predictionsOf, summariseInput } from './payload';
import type { Recorder, Route } from './recorder';

export type TrafficMode = 'single' | 'shadow' | 'split';

export interface ProxyOptions {
  /** The scoring server of the version users are served by. */
  champion: string;
  /** A second scoring server: mirrored to (shadow) or given a share of the traffic (split). */
  challenger?: string;
  mode?: TrafficMode;
  /** split: the challenger's share in percent (default 10). */
  splitPercent?: number;
  recorder: Recorder;
  port?: number;
  /** Default: 32 random bytes, hex. */
  token?: string;
  /** Largest request body (default 64 MiB, as a scoring request can be a large batch). */
  maxBodyBytes?: number;
  random?: () => number;
}

export interface RunningProxy {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** Response bodies larger than this are forwarded but not parsed for predictions. */
const MAX_RECORDED_RESPONSE = 8 * 1024 * 1024;
const PASS_HEADERS = ['content-type', 'content-length', 'accept'];

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  latencyMs: number;
  error?: string;
}

function forward(base: string, method: string, path: string, headers: http.IncomingHttpHeaders, body: Buffer, t0: number): Promise<Upstream> {
  return new Promise((resolve) => {
    const h: http.OutgoingHttpHeaders = {};
    for (const k of PASS_HEADERS) if (headers[k] !== undefined) h[k] = headers[k];
    h['content-length'] = body.length;
    const req = http.request(new URL(path, base), { method, headers: h, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks), latencyMs: performance.now() - t0 }));
      res.on('error', (e) => resolve({ status: 502, headers: {}, body: Buffer.alloc(0), latencyMs: performance.now() - t0, error: e.message }));
    });
    req.on('error', (e) =>
      resolve({
        status: 502,
        headers: {},
        body: Buffer.from(JSON.stringify({ error_code: 'BAD_GATEWAY', message: `the scoring server at ${base} did not answer: ${e.message}` })),
        latencyMs: performance.now() - t0,
        error: e.message,
      }),
    );
    req.end(body);
  });
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function deny(res: http.ServerResponse, status: number, code: string, message: string) {
  const text = JSON.stringify({ error_code: code, message });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The URL users call instead of the scoring server: checks the bearer token, Host and Origin, forwards
 * `/invocations` (and `/ping`, `/health`, `/version`) to the champion, mirrors or splits traffic to a
 * challenger, and records every request after answering it, so recording adds nothing to the latency.
 */
export function startProxy(o: ProxyOptions): Promise<RunningProxy> {
  const token = o.token ?? crypto.randomBytes(32).toString('hex');
  const mode = o.challenger ? (o.mode ?? 'shadow') : 'single';
  const share = Math.min(100, Math.max(0, o.splitPercent ?? 10)) / 100;
  const random = o.random ?? Math.random;
  const maxBody = o.maxBodyBytes ?? 64 * 1024 * 1024;
  let port = 0;
  let pairs = 0;
  const server = http.createServer((req, res) => {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return deny(res, 403, 'PERMISSION_DENIED', `Host ${host} is not this server`);
    if (req.headers.origin) return deny(res, 403, 'PERMISSION_DENIED', 'cross-origin requests are refused');
    const url = req.url ?? '/';
    const open = req.method === 'GET' && (url === '/ping' || url === '/health');
    const auth = req.headers.authorization ?? '';
    if (!open && !(auth.startsWith('Bearer ') && safeEqual(auth.slice(7), token)))
      return deny(res, 401, 'UNAUTHENTICATED', 'a valid bearer token is required (Authorization: Bearer …)');
    const known = url === '/invocations' || url === '/ping' || url === '/health' || url === '/version';
    if (!known) return deny(res, 404, 'ENDPOINT_NOT_FOUND', `no route ${url}; the scoring API is POST /invocations`);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (tooBig) return deny(res, 413, 'RESOURCE_LIMIT_EXCEEDED', `request body over ${maxBody} bytes`);
      const body = Buffer.concat(chunks);
      const t0 = performance.now();
      const time = Date.now();
      const invocation = url === '/invocations' && req.method === 'POST';
      const toChallenger = invocation && mode === 'split' && random() < share;
      const route: Route = toChallenger ? 'challenger' : 'champion';
      const pair = invocation && mode === 'shadow' ? ++pairs : undefined;
      void forward(toChallenger ? o.challenger! : o.champion, req.method ?? 'GET', url, req.headers, body, t0).then((up) => {
        const headers: http.OutgoingHttpHeaders = { 'Content-Length': up.body.length };
        if (up.headers['content-type']) headers['Content-Type'] = up.headers['content-type'];
        res.writeHead(up.status, headers);
        res.end(up.body);
        if (!invocation) return;
        setImmediate(() => {
          const input = summariseInput(body, req.headers['content-type']);
          record(route, up, input, time, pair);
        });
      });
      if (pair !== undefined) {
        void forward(o.challenger!, 'POST', url, req.headers, body, performance.now()).then((up) =>
          setImmediate(() => record('shadow', up, summariseInput(body, req.headers['content-type']), time, pair)),
        );
      }
    });
  });
  const record = (route: Route, up: Upstream, input: ReturnType<typeof summariseInput>, time: number, pair?: number) => {
    o.recorder.record(
      {
        time,
        route,
        status: up.status,
        latencyMs: Math.round(up.latencyMs * 1000) / 1000,
        format: input.format,
        rows: input.rows,
        columns: Object.keys(input.columns),
        predictions: up.status < 400 && up.body.length <= MAX_RECORDED_RESPONSE ? predictionsOf(up.body) : [],
        ...(pair !== undefined ? { pair } : {}),
        ...(up.error ? { error: up.error } : up.status >= 400 ? { error: up.body.toString('utf8', 0, 500) } : {}),
      },
      input,
    );
  };
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        token,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }).then(() => o.recorder.close()),
      });
    });
  });
}
