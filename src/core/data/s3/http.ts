import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { AwsV4Signer } from 'aws4fetch';
import { MlopsError } from '../../errors';
import { Aborted } from '../errors';
import type { AwsCredentials } from './credentials';

/** An S3 request that failed for good (after retries): the HTTP status, S3's error code and the object. */
export class S3Error extends MlopsError {
  constructor(
    readonly status: number,
    readonly s3Code: string,
    readonly target: string,
    detail: string,
  ) {
    super(
      status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : status === 403 || status === 400 ? 'INVALID_PARAMETER_VALUE' : 'TEMPORARILY_UNAVAILABLE',
      `${target}: ${detail}`,
    );
  }
}

export interface S3HttpOptions {
  /** `https://host[:port]` (path-style addressing) or undefined for AWS (virtual-hosted). */
  endpoint?: string;
  bucket: string;
  region: string;
  useSsl: boolean;
  sslVerify: boolean | string;
  credentials?: AwsCredentials;
  maxSockets: number;
  readTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Attempts per request (first + retries). */
  attempts?: number;
  /** First backoff in ms; doubles each retry, with full jitter. */
  backoffMs?: number;
}

export interface S3Request {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  key: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
  /** GET only: stream the body here instead of buffering (resumes with Range after a dropped connection). */
  toFile?: DownloadTarget;
}

export interface DownloadTarget {
  path: string;
  onBytes?: (n: number) => void;
  /** Set once the whole body is written: the md5 of the file's bytes, computed on the way. */
  md5?: string;
}

interface Progress {
  written: number;
  reported: number;
  hash?: Hash;
}

export interface S3Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const RETRY_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);
const RETRY_S3_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
]);

function retryableStatus(status: number, body: string): boolean {
  return status >= 500 || status === 429 || (status === 400 && RETRY_S3_CODES.has(xmlTag(body, 'Code') ?? ''));
}

export function xmlTag(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m
    ? m[1]
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&')
    : undefined;
}

const encodeKey = (key: string) =>
  key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Aborted('transfer'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Aborted('transfer'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Signed S3 requests over keep-alive sockets, retried with exponential backoff on 5xx, throttling and dropped connections. */
export class S3Http {
  private agent: http.Agent;
  private base: URL;
  private pathStyle: boolean;
  private signCache = new Map<string, ArrayBuffer>();

  constructor(readonly o: S3HttpOptions) {
    const scheme = o.useSsl ? 'https' : 'http';
    if (o.endpoint) {
      this.base = new URL(/^[a-z]+:\/\//i.test(o.endpoint) ? o.endpoint : `${scheme}://${o.endpoint}`);
      this.pathStyle = true;
    } else {
      this.base = new URL(`${scheme}://${o.bucket}.s3.${o.region}.amazonaws.com`);
      this.pathStyle = false;
    }
    const common = { keepAlive: true, maxSockets: o.maxSockets, maxFreeSockets: o.maxSockets };
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({
            ...common,
            rejectUnauthorized: o.sslVerify !== false,
            ca: typeof o.sslVerify === 'string' ? fs.readFileSync(o.sslVerify) : undefined,
          })
        : new http.Agent(common);
  }

  /** The object's URL as a user reads it in messages. */
  describe(key: string): string {
    return `s3://${this.o.bucket}/${key}`;
  }

  private url(key: string, query?: Record<string, string>): URL {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const p = this.pathStyle ? `${basePath}/${encodeURIComponent(this.o.bucket)}/${encodeKey(key)}` : `${basePath}/${encodeKey(key)}`;
    const u = new URL(this.base.origin + p);
    for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, v);
    // S3 signs `?uploads` as `uploads=`; URLSearchParams keeps that form.
    return u;
  }

  async request(req: S3Request): Promise<S3Response> {
    const attempts = this.o.attempts ?? 5;
    const base = this.o.backoffMs ?? 100;
    const progress: Progress = { written: 0, reported: 0 };
    for (let attempt = 1; ; attempt++) {
      if (req.signal?.aborted) throw new Aborted('transfer');
      let res: S3Response;
      try {
        res = await this.once(req, progress);
      } catch (e) {
        if (e instanceof Aborted || req.signal?.aborted) throw new Aborted('transfer');
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (attempt >= attempts || !(RETRY_CODES.has(code) || /socket hang up|aborted/i.test((e as Error).message))) {
          throw new S3Error(0, code, this.describe(req.key), `${req.method} failed: ${(e as Error).message}`);
        }
        await sleep(Math.random() * base * 2 ** attempt, req.signal);
        continue;
      }
      const text = res.status >= 300 && req.method !== 'HEAD' ? res.body.toString('utf8') : '';
      if (res.status >= 300 && retryableStatus(res.status, text) && attempt < attempts) {
        await sleep(Math.random() * base * 2 ** attempt, req.signal);
        continue;
      }
      return res;
    }
  }

  /** Throws an S3Error for a non-2xx answer (other than those `ok` lists). */
  check(res: S3Response, req: S3Request, ok: number[] = []): S3Response {
    if ((res.status >= 200 && res.status < 300) || ok.includes(res.status)) return res;
    const text = res.body.toString('utf8');
    const code = xmlTag(text, 'Code') ?? `HTTP ${res.status}`;
    const msg = xmlTag(text, 'Message') ?? http.STATUS_CODES[res.status] ?? '';
    const who = res.status === 403 ? ` (credentials: ${this.o.credentials?.source ?? 'none, anonymous access'})` : '';
    throw new S3Error(res.status, code, this.describe(req.key), `${req.method} → ${res.status} ${code}${msg ? `: ${msg}` : ''}${who}`);
  }

  private async signedHeaders(req: S3Request, url: URL, extra: Record<string, string>): Promise<Record<string, string>> {
    const headers: Record<string, string> = { ...req.headers, ...extra, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    if (!this.o.credentials) return headers;
    const signer = new AwsV4Signer({
      method: req.method,
      url: url.toString(),
      headers,
      accessKeyId: this.o.credentials.accessKeyId,
      secretAccessKey: this.o.credentials.secretAccessKey,
      sessionToken: this.o.credentials.sessionToken,
      service: 's3',
      region: this.o.region,
      cache: this.signCache as never,
    });
    const signed = await signer.sign();
    const out: Record<string, string> = {};
    signed.headers.forEach((v, k) => (out[k] = v));
    return out;
  }

  private async once(req: S3Request, progress: Progress): Promise<S3Response> {
    const url = this.url(req.key, req.query);
    const extra: Record<string, string> = {};
    if (req.body) extra['content-length'] = String(req.body.length);
    else if (req.method === 'PUT' || req.method === 'POST') extra['content-length'] = '0';
    if (req.toFile && progress.written > 0) extra.range = `bytes=${progress.written}-`;
    const headers = await this.signedHeaders(req, url, extra);
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<S3Response>((resolve, reject) => {
      let settled = false;
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        req.signal?.removeEventListener('abort', onAbort);
        reject(e);
      };
      const onAbort = () => {
        r.destroy();
        fail(new Aborted('transfer'));
      };
      const r = mod.request(url, { method: req.method, headers, agent: this.agent, timeout: this.o.connectTimeoutMs ?? 60_000 }, (res) => {
        r.setTimeout(this.o.readTimeoutMs ?? 60_000);
        const status = res.statusCode ?? 0;
        const done = (body: Buffer) => {
          if (settled) return;
          settled = true;
          req.signal?.removeEventListener('abort', onAbort);
          resolve({ status, headers: res.headers, body });
        };
        if (req.toFile && (status === 200 || status === 206)) {
          this.pipeToFile(res, status, req.toFile, progress).then(() => done(Buffer.alloc(0)), fail);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(Buffer.concat(chunks)));
        res.on('error', fail);
        res.on('aborted', () => fail(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
      });
      r.on('timeout', () => r.destroy(Object.assign(new Error(`no answer within the timeout`), { code: 'ETIMEDOUT' })));
      r.on('error', fail);
      req.signal?.addEventListener('abort', onAbort, { once: true });
      r.end(req.body);
    });
  }

  /** Appends the body to the file (truncating first on a full 200 answer); reports only bytes not reported before. */
  private async pipeToFile(res: http.IncomingMessage, status: number, dest: DownloadTarget, progress: Progress): Promise<void> {
    if (status === 200 || !progress.hash) {
      progress.written = 0;
      progress.hash = createHash('md5');
    }
    const fh = await fs.promises.open(dest.path, status === 200 ? 'w' : 'a');
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        await fh.write(chunk);
        progress.hash.update(chunk);
        progress.written += chunk.length;
        if (progress.written > progress.reported) {
          dest.onBytes?.(progress.written - progress.reported);
          progress.reported = progress.written;
        }
      }
      if (!res.complete) throw Object.assign(new Error('connection closed before the whole object arrived'), { code: 'ECONNRESET' });
      dest.md5 = progress.hash.digest('hex');
    } finally {
      await fh.close();
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
