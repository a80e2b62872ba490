import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RemoteConfig } from './config';
import { RemoteNotConfigured } from './errors';
import type { HashName } from './hash';
import { LocalRemote } from './localRemote';
import { openS3Remote } from './s3/s3Remote';

/** An object as a remote stores it: DVC 3 (`files/md5/…`) or legacy (`md5-dos2unix`, top level). */
export interface ObjectRef {
  oid: string;
  hashName: HashName;
}

export interface ObjectTransferOptions {
  signal?: AbortSignal;
  /** Called with the number of bytes moved since the last call. */
  onBytes?: (n: number) => void;
}

/**
 * Where pushed data lives. Implementations own their atomicity: an object is visible on the remote only once complete
 * (a local folder uses temp + rename; S3 PUT is atomic). Callers never see the layout.
 */
export interface RemoteStorage {
  readonly name: string;
  readonly url: string;
  /** Presence of each object, in order. May verify content (a local remote re-hashes objects not marked 0444). */
  has(refs: ObjectRef[], opts?: ObjectTransferOptions): Promise<boolean[]>;
  /** Sends a local file as the object; must verify it hashes to the id and leave nothing behind on failure/abort. */
  upload(ref: ObjectRef, sourceFile: string, opts?: ObjectTransferOptions): Promise<void>;
  /**
   * Writes the object's bytes to `destFile` (the caller's temp file; the caller verifies and moves it in place). May
   * return the md5 of the bytes written, computed while writing, which spares the caller re-reading the file.
   */
  download(ref: ObjectRef, destFile: string, opts?: ObjectTransferOptions): Promise<string | void>;
  /** How many transfers to run at once. */
  readonly jobs: number;
}

/** Builds the storage for a configured remote; new schemes plug in here and nowhere else. */
export function openRemote(cfg: RemoteConfig): RemoteStorage {
  const url = cfg.url;
  const jobs = cfg.options.jobs && /^[0-9]+$/.test(cfg.options.jobs) ? Math.max(1, Number(cfg.options.jobs)) : 4;
  if (/^file:\/\//i.test(url)) return new LocalRemote(cfg.name, fileURLToPath(url), jobs);
  if (/^s3:\/\//i.test(url)) return openS3Remote(cfg);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const scheme = url.slice(0, url.indexOf(':'));
    throw new RemoteNotConfigured(`remote "${cfg.name}": ${scheme}:// remotes are not supported yet (local folders and s3://)`);
  }
  return new LocalRemote(cfg.name, path.resolve(url), jobs);
}
