import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Store } from '../store/store';
import { writeFileAtomic } from '../store/atomicFile';
import { artifactRoot, artifactSegments, deleteArtifact, listUnderRoot, safeArtifactPath, statArtifact } from './artifactStore';
import { HttpError, toErrorResponse } from './errors';
import { flaskArtifactFile, isFlaskArtifactRoute } from './flaskRoutes';
import { repeated, toMlflowJson } from './json';
import { ApiRequest, parseBody, readBody } from './request';
import { loggedModelRoutes } from './routes/loggedModels';
import { registryRoutes } from './routes/registry';
import { trackingRoutes } from './routes/tracking';
import type { Handler, RouteContext } from './routes/types';
import { workspacePaths } from '../paths';

/** What GET /version answers: the MLflow release whose REST API this server speaks (the oracle's). */
export const SERVER_VERSION = '2.12.2';

export interface ServerOptions {
  store: Store;
  workspace: string;
  /** Default: a free port. */
  port?: number;
  /** Default: 32 random bytes. */
  token?: string;
  /** Largest JSON request body (bytes). Default 4 MiB. */
  maxJsonBytes?: number;
  /** Largest artifact upload (bytes). Default 2 GiB. */
  maxArtifactBytes?: number;
  /** Write .mlops/server.json so other processes find this owner. Default true. */
  advertise?: boolean;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

interface CompiledRoute {
  method: string;
  re: RegExp;
  names: string[];
  handler: Handler;
}

function compile(table: [string, string, Handler][]): CompiledRoute[] {
  return table.map(([method, p, handler]) => {
    const names: string[] = [];
    const re = new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, n) => (names.push(n), '([^/]+)'))}$`);
    return { method, re, names, handler };
  });
}

const ROUTES = compile([...trackingRoutes, ...registryRoutes, ...loggedModelRoutes]);
const API_PREFIX = /^\/(?:api|ajax-api)\/2\.0\/mlflow\/(.*)$/;
const ARTIFACTS_PREFIX = /^\/(?:api|ajax-api)\/2\.0\/mlflow-artifacts\/artifacts(?:\/(.*))?$/;

/** Endpoints MLflow's Flask app adds under /ajax-api only (its UI's). */
const AJAX_ONLY = new Set(['experiments/search-datasets', 'metrics/get-history-bulk']);

const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.csv': 'text/csv',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.html': 'text/plain',
  '.yaml': 'text/yaml',
  '.yml': 'text/yaml',
};

/** Constant-time token check on bytes (a same-length string with multi-byte characters must not throw). */
function tokenMatches(given: string, token: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(token, 'utf8');
  return given !== '' && a.length === b.length && crypto.timingSafeEqual(a, b);
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError('INVALID_PARAMETER_VALUE', `Malformed percent-escape in '${s.slice(0, 200)}'`, 400);
  }
}

/** RFC 6266 attachment header: an ASCII fallback name plus the UTF-8 name (Node refuses non-Latin-1 header text). */
export function attachmentHeader(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** A file as an attachment (never rendered on our origin). */
function sendFile(res: http.ServerResponse, { abs, size }: { abs: string; size: number }) {
  res.writeHead(200, {
    'Content-Type': MIME[path.extname(abs).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': size,
    'Content-Disposition': attachmentHeader(path.basename(abs)),
    'X-Content-Type-Options': 'nosniff',
  });
  fs.createReadStream(abs).pipe(res);
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = toMlflowJson(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

function sendError(res: http.ServerResponse, e: unknown) {
  const { status, body } = toErrorResponse(e);
  if (!res.headersSent) send(res, status, body);
  else res.destroy();
}

/**
 * The MLflow-compatible REST server on 127.0.0.1: bearer token on every request but GET /health, Host and
 * Origin checks against DNS rebinding and cross-site requests, capped bodies, MLflow's error JSON.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? crypto.randomBytes(32).toString('base64url');
  const maxJson = opts.maxJsonBytes ?? 4 * 1024 * 1024;
  const maxArtifact = opts.maxArtifactBytes ?? 2 * 1024 * 1024 * 1024;
  const ctx: RouteContext = { store: opts.store, workspace: opts.workspace };
  const root = artifactRoot(opts.workspace);
  let port = 0;
  const expected = new Set<string>();

  const server = http.createServer({ maxHeaderSize: 32 * 1024 }, (req, res) => {
    handle(req, res).catch((e) => {
      if (!req.readableEnded) req.resume(); // an unread body would keep the connection busy
      sendError(res, e);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 10 * 60_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      throw new HttpError('BAD_REQUEST', 'Malformed request URL', 400);
    }
    if (!expected.has(String(req.headers.host ?? '').toLowerCase())) {
      req.resume();
      throw new HttpError(
        'PERMISSION_DENIED',
        `Host header '${String(req.headers.host ?? '')}' is not allowed; use 127.0.0.1:${port} or localhost:${port}.`,
        403,
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !expected.has(origin.replace(/^https?:\/\//, '').toLowerCase())) {
      req.resume();
      throw new HttpError('PERMISSION_DENIED', `Cross-origin requests from '${origin}' are not allowed.`, 403);
    }
    if (method === 'GET' && (url.pathname === '/health' || url.pathname === '/healthz')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end('OK');
    }
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!tokenMatches(given, token)) {
      req.resume();
      throw new HttpError('UNAUTHENTICATED', 'Missing or invalid bearer token. Set MLFLOW_TRACKING_TOKEN to the token in .mlops/server.json.', 401);
    }
    if (method === 'GET' && url.pathname === '/version') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end(SERVER_VERSION);
    }
    if (method === 'GET' && isFlaskArtifactRoute(url.pathname)) {
      req.resume();
      return sendFile(res, flaskArtifactFile(ctx.store, ctx.workspace, url.pathname, url.searchParams));
    }
    // The raw path, not url.pathname: WHATWG URL parsing would resolve `%2e%2e` segments before we could refuse them.
    const art = ARTIFACTS_PREFIX.exec((req.url ?? '/').split('?')[0]);
    if (art) return artifacts(method, art[1], url, req, res);
    const api = API_PREFIX.exec(url.pathname);
    if (!api) {
      req.resume();
      throw new HttpError('ENDPOINT_NOT_FOUND', `No endpoint ${method} ${url.pathname}`, 404);
    }
    const rel = api[1];
    if (AJAX_ONLY.has(rel) && !url.pathname.startsWith('/ajax-api/')) {
      req.resume();
      throw new HttpError('ENDPOINT_NOT_FOUND', `No endpoint ${method} ${url.pathname}; MLflow serves it under /ajax-api/2.0/mlflow/ only`, 404);
    }
    const matching = ROUTES.filter((r) => r.re.test(rel));
    const route = matching.find((r) => r.method === method);
    if (!route) {
      req.resume();
      if (matching.length)
        throw new HttpError('BAD_REQUEST', `Method ${method} is not allowed for ${url.pathname}; use ${matching.map((m) => m.method).join(' or ')}.`, 405);
      throw new HttpError('ENDPOINT_NOT_FOUND', `No endpoint ${method} ${url.pathname}`, 404);
    }
    const m = route.re.exec(rel)!;
    const params = Object.fromEntries(route.names.map((n, i) => [n, decodeSegment(m[i + 1])]));
    const body = method === 'GET' ? {} : parseBody(await readBody(req, rel === 'runs/log-batch' ? Math.min(maxJson, 1_000_000 + 64 * 1024) : maxJson));
    if (method === 'GET') req.resume();
    const ticket = ctx.store.writeTicket;
    const result = await route.handler(new ApiRequest(method, rel, url.searchParams, body, params), ctx);
    // Acknowledged means durable: a request that wrote is answered once its bytes are on disk (group commit).
    if (ctx.store.writeTicket !== ticket) await ctx.store.durable();
    send(res, 200, result ?? {});
  }

  async function artifacts(method: string, rel: string | undefined, url: URL, req: http.IncomingMessage, res: http.ServerResponse) {
    if (rel === undefined || rel === '') {
      if (method !== 'GET') throw new HttpError('BAD_REQUEST', 'An artifact path is required', 400);
      req.resume();
      return send(res, 200, repeated('files', listUnderRoot(root, url.searchParams.get('path') ?? '')));
    }
    if (method === 'GET') {
      req.resume();
      return sendFile(res, statArtifact(root, rel));
    }
    if (method === 'DELETE') {
      req.resume();
      deleteArtifact(root, rel);
      return send(res, 200, {});
    }
    if (method !== 'PUT') throw new HttpError('BAD_REQUEST', `Method ${method} is not allowed for artifacts`, 405);
    if (!artifactSegments(rel).length) throw new HttpError('INVALID_PARAMETER_VALUE', 'An artifact path is required', 400);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxArtifact) {
      req.resume();
      throw new HttpError('REQUEST_LIMIT_EXCEEDED', `Artifact of ${declared} bytes exceeds the limit of ${maxArtifact} bytes.`, 413);
    }
    fs.mkdirSync(root, { recursive: true });
    const abs = safeArtifactPath(root, rel);
    if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) throw new HttpError('INVALID_PARAMETER_VALUE', `'${rel}' is a folder`, 400);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const tmp = path.join(path.dirname(abs), `.mlops-tmp-${crypto.randomBytes(6).toString('hex')}`);
    await new Promise<void>((resolve, reject) => {
      const out = fs.createWriteStream(tmp, { mode: 0o644 });
      let size = 0;
      const fail = (e: unknown) => {
        req.unpipe(out);
        req.resume();
        out.destroy();
        fs.rm(tmp, { force: true }, () => reject(e));
      };
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxArtifact) fail(new HttpError('REQUEST_LIMIT_EXCEEDED', `Artifact exceeds the limit of ${maxArtifact} bytes.`, 413));
      });
      req.on('aborted', () => fail(new HttpError('BAD_REQUEST', 'Upload aborted', 400)));
      out.on('error', fail);
      out.on('finish', () => {
        try {
          fs.renameSync(tmp, abs);
          resolve();
        } catch (e) {
          fail(e);
        }
      });
      req.pipe(out);
    });
    send(res, 200, {});
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  for (const h of [`127.0.0.1:${port}`, `localhost:${port}`]) expected.add(h);
  const url = `http://127.0.0.1:${port}`;
  const infoFile = workspacePaths.serverInfo(opts.workspace);
  const removeInfo = () => {
    try {
      const cur = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
      if (cur.pid === process.pid && cur.url === url) fs.unlinkSync(infoFile);
    } catch {
      /* not ours or gone */
    }
  };
  let readvertise: NodeJS.Timeout | undefined;
  if (opts.advertise !== false) {
    const advertise = () => writeFileAtomic(infoFile, JSON.stringify({ url, token, pid: process.pid }, null, 2), 0o600);
    advertise();
    opts.store.announceServer(url);
    process.once('exit', removeInfo);
    // server.json is git-ignored, so `git clean -fdX` deletes it: advertise again, so clients keep finding us.
    readvertise = setInterval(() => {
      if (!opts.store.isReadOnly && !fs.existsSync(infoFile)) {
        try {
          advertise();
        } catch {
          /* .mlops is gone or read-only: tried again later */
        }
      }
    }, 2000);
    readvertise.unref();
  }
  let closed = false;
  return {
    url,
    token,
    port,
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(readvertise);
      opts.store.announceServer(undefined);
      removeInfo();
      process.removeListener('exit', removeInfo);
      server.closeIdleConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The owner's server, as advertised in .mlops/server.json, if its process is alive. */
export function readServerInfo(workspace: string): { url: string; token: string; pid: number } | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(workspacePaths.serverInfo(workspace), 'utf8'));
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}
