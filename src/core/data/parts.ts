import type { BuildContext, ProgressFn } from './build';
import type { DvcConfig } from './config';
import type { DvcIgnore } from './dvcignore';
import type { HashPool } from './hashPool';
import type { ObjectDb } from './objectDb';
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
}

export interface OpOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export function buildContext(parts: RepoParts, opts: OpOptions, store?: ObjectDb): BuildContext {
  return { root: parts.root, statCache: parts.statCache, pool: parts.pool, dvcignore: parts.dvcignore, signal: opts.signal, onProgress: opts.onProgress, store };
}
