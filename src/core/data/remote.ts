import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RemoteConfig } from './config';
import { RemoteNotConfigured } from './errors';
import { LocalRemote } from './localRemote';
import { openS3Remote } from './s3/s3Remote';
import type { RemoteStorage } from './remoteStorage';

export type { ObjectRef, ObjectTransferOptions, RemoteStorage } from './remoteStorage';

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
