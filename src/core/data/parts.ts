import type { BuildContext, ProgressFn } from './build';
import type { DvcConfig } from './config';
import type { DvcIgnore } from './dvcignore';
import type { FolderSummaries } from './folderSummary';
import type { HashPool } from './hashPool';
import type { ObjectDb } from './objectDb';
import { putState } from './put';
import type { StatCache } from './statCache';

/** What every operation needs from an open repository. */
export interface RepoParts {
  root: string;
  dvcDir: string;
  config: DvcConfig;
  cache: ObjectDb;
  statCache: StatCache;
  pool: HashPool;
  dvcignore: DvcIgnore;
  /** Folder stat summaries (status of an unchanged folder without hashing); absent: always rebuild. */
  folders?: FolderSummaries;
}

export interface OpOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export function buildContext(parts: RepoParts, opts: OpOptions, store?: ObjectDb): BuildContext {
  return {
    root: parts.root,
    statCache: parts.statCache,
    pool: parts.pool,
    dvcignore: parts.dvcignore,
    folders: parts.folders,
    signal: opts.signal,
    onProgress: opts.onProgress,
    store,
    put: store ? putState(parts.config.cacheTypes()) : undefined,
  };
}
