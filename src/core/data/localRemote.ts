import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Aborted, HashMismatch } from './errors';
import { CHUNK } from './hash';
import { contentMd5, ObjectDb, tempName } from './objectDb';
import type { ObjectRef, RemoteStorage, ObjectTransferOptions } from './remoteStorage';

/**
 * Copies `src` to `dest` chunk by chunk, hashing on the way, checking the signal between chunks. Returns the md5 of
 * the bytes written. `dest` is removed on any failure.
 */
export async function copyHashing(src: string, dest: string, opts: ObjectTransferOptions = {}): Promise<string> {
  const h = createHash('md5');
  const input = await fs.promises.open(src, 'r');
  let output: fs.promises.FileHandle | undefined;
  try {
    output = await fs.promises.open(dest, 'wx', 0o644);
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      if (opts.signal?.aborted) throw new Aborted(`copy of ${src}`);
      const { bytesRead } = await input.read(buf, 0, buf.length, null);
      if (!bytesRead) break;
      const chunk = buf.subarray(0, bytesRead);
      h.update(chunk);
      await output.write(chunk);
      opts.onBytes?.(bytesRead);
    }
    await output.close();
    output = undefined;
    return h.digest('hex');
  } catch (e) {
    await output?.close().catch(() => undefined);
    fs.rmSync(dest, { force: true });
    throw e;
  } finally {
    await input.close();
  }
}

/** A remote in a local (or mounted network) folder, laid out like the cache: `files/md5/XX/rest`. */
export class LocalRemote implements RemoteStorage {
  readonly db: ObjectDb;

  constructor(
    readonly name: string,
    readonly url: string,
    readonly jobs = 4,
  ) {
    this.db = new ObjectDb(url);
  }

  async has(refs: ObjectRef[]): Promise<boolean[]> {
    const out: boolean[] = [];
    for (const r of refs) out.push(await this.db.check(r.oid, r.hashName));
    return out;
  }

  async upload(ref: ObjectRef, sourceFile: string, opts: ObjectTransferOptions = {}): Promise<void> {
    const dest = this.db.path(ref.oid, ref.hashName);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const tmp = path.join(path.dirname(dest), tempName());
    const md5 = await copyHashing(sourceFile, tmp, opts);
    // Legacy file objects are named by their dos2unix hash, not their bytes; only DVC 3 objects and manifests verify.
    const verifiable = ref.hashName === 'md5' || ref.oid.endsWith('.dir');
    if (verifiable && md5 !== contentMd5(ref.oid)) {
      fs.rmSync(tmp, { force: true });
      throw new HashMismatch(sourceFile, contentMd5(ref.oid), md5);
    }
    this.db.commitTemp(tmp, ref.oid, ref.hashName);
  }

  async download(ref: ObjectRef, destFile: string, opts: ObjectTransferOptions = {}): Promise<void> {
    await copyHashing(this.db.path(ref.oid, ref.hashName), destFile, opts);
  }
}
