import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Aborted, HashMismatch, RemoteNotConfigured } from '../errors';
import type { ObjectRef, ObjectTransferOptions, RemoteStorage } from '../remoteStorage';
import type { RemoteConfig } from '../config';
import { contentMd5 } from '../objectDb';
import { missingCredentialsMessage, resolveAwsEnvironment } from './credentials';
import { S3Error, S3Http, xmlTag, type DownloadTarget } from './http';
import { Limiter, MIB, multipartUpload } from './multipart';
import { defaultS3Jobs, parseS3Url, s3Options, type S3Location } from './settings';

export interface S3Tuning {
  /** Files at least this big go up in parts (boto3's default: 8 MiB). */
  multipartThreshold: number;
  multipartChunkSize: number;
}

/** Beyond this many objects, `has` lists the `XX/` folders it needs instead of asking for each object. */
const LIST_OVER = 64;

/**
 * An `s3://bucket/prefix` remote in DVC 3's layout (`prefix/files/md5/XX/rest`, legacy objects at `prefix/XX/rest`),
 * so `dvc pull` reads what this pushes and the other way round. A PUT is atomic; a multipart upload appears only when
 * completed, so a cancelled or failed push leaves nothing that `has` would count.
 */
export class S3Remote implements RemoteStorage {
  private limiter: Limiter;

  constructor(
    readonly name: string,
    readonly url: string,
    readonly jobs: number,
    readonly http: S3Http,
    private loc: S3Location,
    private tuning: S3Tuning,
    private putHeaders: Record<string, string> = {},
  ) {
    this.limiter = new Limiter(jobs);
  }

  /** The object's key: the layout DVC 3 writes. */
  key(ref: ObjectRef): string {
    if (!/^[0-9a-f]{32}(\.dir)?$/.test(ref.oid)) throw new Error(`not an md5 object id: ${JSON.stringify(ref.oid)}`);
    const folder = ref.hashName === 'md5' ? 'files/md5/' : '';
    return `${this.loc.prefix ? this.loc.prefix + '/' : ''}${folder}${ref.oid.slice(0, 2)}/${ref.oid.slice(2)}`;
  }

  async has(refs: ObjectRef[], opts: ObjectTransferOptions = {}): Promise<boolean[]> {
    const keys = refs.map((r) => this.key(r));
    if (keys.length > LIST_OVER) {
      // A remote not much bigger than the query is listed whole (one request per 1,000 objects, as DVC estimates);
      // a big one folder by folder, only the XX/ folders the objects live in.
      const root = `${this.loc.prefix ? this.loc.prefix + '/' : ''}files/md5/`;
      if (refs.every((r) => r.hashName === 'md5')) {
        const whole = await this.list(root, opts.signal, keys.length * 4);
        if (whole.complete) {
          const all = new Set(whole.keys);
          return keys.map((k) => all.has(k));
        }
      }
      const folders = [...new Set(keys.map((k) => k.slice(0, k.lastIndexOf('/') + 1)))];
      const found = new Set<string>();
      await this.each(folders, async (f) => {
        for (const k of (await this.list(f, opts.signal)).keys) found.add(k);
      });
      return keys.map((k) => found.has(k));
    }
    const out: boolean[] = new Array(keys.length).fill(false);
    await this.each(
      keys.map((k, i) => ({ k, i })),
      async ({ k, i }) => {
        const req = { method: 'HEAD' as const, key: k, signal: opts.signal };
        out[i] = this.http.check(await this.http.request(req), req, [404]).status !== 404;
      },
    );
    return out;
  }

  /**
   * The keys under a folder prefix, page by page; stops early (complete: false) past `limit`. ListObjects v1 with
   * `marker` (the last key seen) pages the same on every S3-compatible server (s3rver's v2 tokens need DES, gone from
   * Node 20's OpenSSL).
   */
  async list(prefix: string, signal?: AbortSignal, limit = Infinity): Promise<{ keys: string[]; complete: boolean }> {
    const keys: string[] = [];
    for (;;) {
      const query: Record<string, string> = { prefix };
      if (keys.length) query.marker = keys[keys.length - 1];
      const req = { method: 'GET' as const, key: '', query, signal };
      const text = this.http.check(await this.http.request(req), req).body.toString('utf8');
      const before = keys.length;
      for (const m of text.matchAll(/<Key>([\s\S]*?)<\/Key>/g)) keys.push(xmlTag(m[0], 'Key')!);
      if (xmlTag(text, 'IsTruncated') !== 'true' || keys.length === before) return { keys, complete: true };
      if (keys.length >= limit) return { keys, complete: false };
    }
  }

  private async each<T>(items: T[], fn: (t: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) await fn(items[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(this.jobs, items.length) }, worker));
  }

  async upload(ref: ObjectRef, sourceFile: string, opts: ObjectTransferOptions = {}): Promise<void> {
    const key = this.key(ref);
    const size = (await fs.promises.stat(sourceFile)).size;
    // Legacy file objects are named by their dos2unix hash, not their bytes; only DVC 3 objects and manifests verify.
    const verifiable = ref.hashName === 'md5' || ref.oid.endsWith('.dir');
    const accept = (md5: string) => {
      if (verifiable && md5 !== contentMd5(ref.oid)) throw new HashMismatch(sourceFile, contentMd5(ref.oid), md5);
    };
    if (size >= this.tuning.multipartThreshold) {
      const job = {
        http: this.http,
        limiter: this.limiter,
        key,
        file: sourceFile,
        size,
        chunk: this.tuning.multipartChunkSize,
        headers: this.putHeaders,
        ...opts,
      };
      return multipartUpload(job, accept);
    }
    await this.limiter.run(async () => {
      if (opts.signal?.aborted) throw new Aborted('transfer');
      const body = await fs.promises.readFile(sourceFile);
      const md5 = createHash('md5').update(body).digest();
      accept(md5.toString('hex'));
      // Content-MD5 makes S3 refuse bytes damaged on the way.
      const req = { method: 'PUT' as const, key, body, headers: { ...this.putHeaders, 'content-md5': md5.toString('base64') }, signal: opts.signal };
      this.http.check(await this.http.request(req), req);
      opts.onBytes?.(body.length);
    });
  }

  /** Streams the object into `destFile`; returns the md5 of what was written (hashed on the way, not re-read). */
  async download(ref: ObjectRef, destFile: string, opts: ObjectTransferOptions = {}): Promise<string> {
    const target: DownloadTarget = { path: destFile, onBytes: opts.onBytes };
    const req = { method: 'GET' as const, key: this.key(ref), signal: opts.signal, toFile: target };
    this.http.check(await this.http.request(req), req);
    if (!target.md5) throw new Error(`${this.http.describe(req.key)}: the download ended without a body`);
    return target.md5;
  }
}

/** Builds an S3 remote from its config section, resolving credentials through the AWS chain (fails early without). */
export function openS3Remote(cfg: RemoteConfig): S3Remote {
  const loc = parseS3Url(cfg.url);
  const o = s3Options(cfg.name, cfg.options);
  const aws = resolveAwsEnvironment(o, cfg.options);
  if (!aws.credentials && !o.anonymous) throw new RemoteNotConfigured(missingCredentialsMessage(cfg.name, cfg.url, aws.profile));
  const jobs = o.jobs ?? aws.maxConcurrency ?? defaultS3Jobs();
  const http = new S3Http({
    endpoint: aws.endpoint,
    bucket: loc.bucket,
    region: aws.region,
    useSsl: o.useSsl,
    sslVerify: o.sslVerify,
    credentials: o.anonymous ? undefined : aws.credentials,
    maxSockets: jobs * 2,
    readTimeoutMs: o.readTimeoutMs,
    connectTimeoutMs: o.connectTimeoutMs,
  });
  const tuning = { multipartThreshold: aws.multipartThreshold ?? 8 * MIB, multipartChunkSize: aws.multipartChunkSize ?? 8 * MIB };
  return new S3Remote(cfg.name, cfg.url, jobs, http, loc, tuning, o.putHeaders);
}

export { S3Error };
