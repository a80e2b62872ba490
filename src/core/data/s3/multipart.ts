import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Aborted } from '../errors';
import { xmlTag, type S3Http } from './http';

/** At most `n` requests with a body in flight: bounds memory to n × part size whatever the file-level parallelism. */
export class Limiter {
  private waiting: (() => void)[] = [];
  private active = 0;

  constructor(readonly n: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.n) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

export const MIB = 1 << 20;
/** S3 allows at most 10,000 parts; parts grow past the configured size for very large files. */
export function partSize(size: number, chunk: number): number {
  return Math.max(chunk, Math.ceil(size / 10_000 / MIB) * MIB);
}

export interface MultipartJob {
  http: S3Http;
  limiter: Limiter;
  key: string;
  file: string;
  size: number;
  chunk: number;
  headers: Record<string, string>;
  signal?: AbortSignal;
  onBytes?: (n: number) => void;
}

/**
 * Uploads a large file in parts, several at once, hashing the whole file on the way. The object appears only at
 * CompleteMultipartUpload, and only when the hash (returned) is what the caller expects (`accept`); any failure or
 * cancel aborts the upload so no parts are left behind (billed) on the bucket.
 */
export async function multipartUpload(job: MultipartJob, accept: (md5: string) => void): Promise<void> {
  const { http, key, signal } = job;
  const createReq = { method: 'POST' as const, key, query: { uploads: '' }, headers: job.headers, signal };
  const created = http.check(await http.request(createReq), createReq);
  const uploadId = xmlTag(created.body.toString('utf8'), 'UploadId');
  if (!uploadId) throw new Error(`${http.describe(key)}: CreateMultipartUpload answered without an UploadId`);
  const fh = await fs.promises.open(job.file, 'r');
  const etags: string[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  try {
    const whole = createHash('md5');
    const step = partSize(job.size, job.chunk);
    for (let part = 1, pos = 0; pos < job.size && failure === undefined; part++, pos += step) {
      await job.limiter.acquire();
      if (failure !== undefined || signal?.aborted) {
        job.limiter.release();
        break;
      }
      const buf = Buffer.allocUnsafe(Math.min(step, job.size - pos));
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead !== buf.length) {
        job.limiter.release();
        throw new Error(`${job.file} changed size during the upload`);
      }
      whole.update(buf);
      const n = part;
      const p = (async () => {
        try {
          const req = { method: 'PUT' as const, key, query: { partNumber: String(n), uploadId }, body: buf, signal };
          const res = http.check(await http.request(req), req);
          etags[n - 1] = String(res.headers.etag ?? '');
          job.onBytes?.(buf.length);
        } catch (e) {
          failure ??= e;
        } finally {
          job.limiter.release();
        }
      })();
      inflight.add(p);
      void p.then(() => inflight.delete(p));
    }
    await Promise.all(inflight);
    if (signal?.aborted) throw new Aborted('transfer');
    if (failure !== undefined) throw failure;
    accept(whole.digest('hex'));
    const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    const doneReq = { method: 'POST' as const, key, query: { uploadId }, headers: { 'content-type': 'application/xml' }, body: Buffer.from(xml), signal };
    const done = http.check(await http.request(doneReq), doneReq);
    // S3 may answer 200 with an <Error> body when completion fails late.
    const text = done.body.toString('utf8');
    if (/<Error>/.test(text)) throw new Error(`${http.describe(key)}: CompleteMultipartUpload failed: ${xmlTag(text, 'Code')}: ${xmlTag(text, 'Message')}`);
  } catch (e) {
    await Promise.allSettled(inflight);
    const abortReq = { method: 'DELETE' as const, key, query: { uploadId } };
    await http.request(abortReq).catch(() => undefined);
    throw e;
  } finally {
    await fh.close();
  }
}
