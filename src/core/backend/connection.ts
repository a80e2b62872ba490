import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import tls from 'node:tls';
import { MlopsError, type ErrorCode } from '../errors';

/** How requests to an MLflow server authenticate, as MLflow's own client reads it from the environment. */
export type Auth = { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'basic'; username: string; password: string };

export interface ConnectionOptions {
  /** The tracking URI: `http(s)://host[:port][/prefix]`. Credentials in it (`user:pass@`) become basic auth. */
  uri: string;
  auth?: Auth;
  /** MLFLOW_TRACKING_INSECURE_TLS: accept any certificate. */
  insecureTls?: boolean;
  /** MLFLOW_TRACKING_SERVER_CERT_PATH: a CA bundle to trust besides the system's. */
  caPath?: string;
  /** Per request, default 30 s (MLflow's own client: 120 s). */
  timeoutMs?: number;
  /** Attempts after the first, for failures worth retrying. Default 4. */
  retries?: number;
  /** First backoff delay; it doubles per attempt (with jitter). Default 250 ms. */
  backoffMs?: number;
}

/** The server could not be reached at all (refused, reset, DNS, timeout): the caller may work offline. */
export class ServerUnreachable extends MlopsError {
  constructor(
    readonly url: string,
    readonly cause: string,
  ) {
    super('TEMPORARILY_UNAVAILABLE', `the tracking server at ${url} cannot be reached (${cause})`);
  }
}

/** The server answered with an error. `code` is MLflow's error_code when it sent one. */
export class ServerError extends MlopsError {
  constructor(
    code: ErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(code, message);
  }
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** Reads MLflow's environment variables for a tracking URI. */
export function connectionFromEnv(uri: string, env: NodeJS.ProcessEnv = process.env): ConnectionOptions {
  const token = env.MLFLOW_TRACKING_TOKEN;
  const username = env.MLFLOW_TRACKING_USERNAME;
  const auth: Auth = token
    ? { kind: 'bearer', token }
    : username
      ? { kind: 'basic', username, password: env.MLFLOW_TRACKING_PASSWORD ?? '' }
      : { kind: 'none' };
  const truthy = (v: string | undefined) => !!v && /^(1|true|yes)$/i.test(v);
  return { uri, auth, insecureTls: truthy(env.MLFLOW_TRACKING_INSECURE_TLS), caPath: env.MLFLOW_TRACKING_SERVER_CERT_PATH || undefined };
}

/** True for URIs that name a tracking server over HTTP (everything else is a local store). */
export function isServerUri(uri: string | undefined): uri is string {
  return !!uri && /^https?:\/\//i.test(uri.trim());
}

let systemCas: string[] | undefined;
/** Node's bundled roots plus the system's CA bundle (where corporate CAs get installed). */
function trustedCas(extra?: string): string[] {
  if (!systemCas) {
    systemCas = [...tls.rootCertificates];
    for (const f of ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem']) {
      try {
        systemCas.push(fs.readFileSync(f, 'utf8'));
        break;
      } catch {
        // not this distribution's path
      }
    }
  }
  return extra ? [...systemCas, fs.readFileSync(extra, 'utf8')] : systemCas;
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  /** Raw bytes or a stream (artifact uploads); `body` is JSON otherwise. */
  raw?: Buffer | (() => Readable);
  contentType?: string;
  /** Length of a streamed `raw` body (sent as Content-Length rather than chunked). */
  contentLength?: number;
  /** Safe to send twice (reads, updates, log-batch). A create is retried only when it never reached the server. */
  idempotent?: boolean;
  signal?: AbortSignal;
}

/**
 * One MLflow server: its base URL, credentials, TLS trust and a keep-alive agent. Requests are retried with
 * exponential backoff on 429/5xx and on connection failures; an error names the server and what it said.
 */
export class Connection {
  readonly base: URL;
  readonly auth: Auth;
  private readonly agent: http.Agent;
  private readonly o: Required<Pick<ConnectionOptions, 'timeoutMs' | 'retries' | 'backoffMs'>>;

  constructor(opts: ConnectionOptions) {
    const u = new URL(opts.uri.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new MlopsError('INVALID_PARAMETER_VALUE', `tracking URI ${opts.uri} is not http(s)://`);
    let auth = opts.auth ?? { kind: 'none' };
    if (u.username && auth.kind === 'none') auth = { kind: 'basic', username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    u.username = '';
    u.password = '';
    u.pathname = u.pathname.replace(/\/+$/, '');
    u.search = '';
    u.hash = '';
    this.base = u;
    this.auth = auth;
    this.o = { timeoutMs: opts.timeoutMs ?? 30_000, retries: opts.retries ?? 4, backoffMs: opts.backoffMs ?? 250 };
    this.agent =
      u.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: !opts.insecureTls, ca: opts.insecureTls ? undefined : trustedCas(opts.caPath) })
        : new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  /** The URL as a user would write it (no credentials). */
  get url(): string {
    return this.base.toString().replace(/\/$/, '');
  }

  close(): void {
    this.agent.destroy();
  }

  /** GET/POST `/api/2.0/mlflow/<path>` and parse the JSON answer. */
  async api<T = any>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, `/api/2.0/mlflow/${path}`, { idempotent: method === 'GET', ...o });
    return parseJson(res, this.url, path) as T;
  }

  async request(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
    // The base's own path prefix (a server behind a proxy at /mlflow), then the API path. Joined as text:
    // `new URL('//api/…', base)` would read a doubled slash as another host.
    const url = new URL(this.base.href);
    url.pathname = this.base.pathname.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
    for (const [k, v] of Object.entries(o.query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(one));
    }
    for (let attempt = 0; ; attempt++) {
      o.signal?.throwIfAborted();
      let res: Response;
      try {
        res = await this.once(method, url, o);
      } catch (e) {
        const err = e as NodeJS.ErrnoException & { sent?: boolean };
        if (o.signal?.aborted) throw e;
        const network = NETWORK_CODES.has(err.code ?? '') || err.message === 'socket hang up';
        if (!network) throw e;
        const mayRetry = o.idempotent || !err.sent;
        if (!mayRetry || attempt >= this.o.retries) throw new ServerUnreachable(this.url, err.code ?? err.message);
        await delay(this.backoff(attempt), o.signal);
        continue;
      }
      if (RETRY_STATUS.has(res.status) && attempt < this.o.retries && (o.idempotent || res.status === 429 || res.status === 503)) {
        const after = Number(res.headers['retry-after']);
        await delay(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 30_000) : this.backoff(attempt), o.signal);
        continue;
      }
      if (res.status >= 400) throw errorOf(res, this.url, path);
      return res;
    }
  }

  private backoff(attempt: number): number {
    return this.o.backoffMs * 2 ** attempt * (0.75 + Math.random() * 0.5);
  }

  private headers(o: RequestOptions): http.OutgoingHttpHeaders {
    const h: http.OutgoingHttpHeaders = { Accept: 'application/json', 'User-Agent': 'mlops-workbench' };
    if (this.auth.kind === 'bearer') h.Authorization = `Bearer ${this.auth.token}`;
    if (this.auth.kind === 'basic') h.Authorization = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
    if (o.raw !== undefined) h['Content-Type'] = o.contentType ?? 'application/octet-stream';
    if (o.raw instanceof Buffer) h['Content-Length'] = o.raw.length;
    else if (o.contentLength !== undefined) h['Content-Length'] = o.contentLength;
    else if (o.body !== undefined) h['Content-Type'] = 'application/json';
    return h;
  }

  private once(method: string, url: URL, o: RequestOptions): Promise<Response> {
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method, agent: this.agent, headers: this.headers(o), timeout: this.o.timeoutMs, signal: o.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (e) => reject(Object.assign(e, { sent: true })));
      });
      let sent = false;
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => reject(Object.assign(e, { sent })));
      req.on('finish', () => (sent = true));
      if (o.raw instanceof Buffer) req.end(o.raw);
      else if (typeof o.raw === 'function') {
        const src = o.raw();
        src.on('error', (e) => req.destroy(e));
        src.pipe(req);
      } else req.end(o.body === undefined ? undefined : JSON.stringify(o.body, nonFinite));
    });
  }
}

/** MLflow's JSON parser takes NaN and ±Infinity as strings for double fields. */
function nonFinite(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

function parseJson(res: Response, server: string, path: string): unknown {
  if (!res.body.length) return {};
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new ServerError(
      'INTERNAL_ERROR',
      res.status,
      `${server} answered ${path} with something that is not JSON (${res.body.toString('utf8').slice(0, 120)}); is this an MLflow server?`,
    );
  }
}

function errorOf(res: Response, server: string, path: string): ServerError {
  let code: ErrorCode = res.status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : res.status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
  let message = res.body.toString('utf8').slice(0, 300).trim() || `HTTP ${res.status}`;
  try {
    const j = JSON.parse(res.body.toString('utf8'));
    if (typeof j.error_code === 'string') code = j.error_code as ErrorCode;
    if (typeof j.message === 'string') message = j.message;
  } catch {
    // not JSON: keep the text
  }
  if (res.status === 401 || res.status === 403)
    message = `${message} (HTTP ${res.status}: set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)`;
  return new ServerError(code, res.status, `${message} (from ${server}, ${path.split('?')[0]})`);
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(t);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}
