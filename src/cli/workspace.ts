import path from 'node:path';
import { openStore, Store } from '../core/openStore';
import { StoreLocked } from '../core/store/errors';

import { workspaceDir, type WorkspaceOption } from './workspaceDir';

export { workspaceDir, type WorkspaceOption };

/**
 * Opens the workspace's store for reading. When another process (the editor, `mlops server`) owns it, the
 * CLI reads it read-only: it sees every acknowledged write and never touches the files.
 */
export async function withReadStore<T>(opts: WorkspaceOption, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const ws = workspaceDir(opts);
  if (!Store.exists(ws)) throw new Error(`no MLOps store in ${ws} (expected ${path.join(ws, '.mlops')}); log a run or pass --workspace`);
  let store: Store;
  try {
    store = await openStore(ws);
  } catch (e) {
    if (!(e instanceof StoreLocked)) throw e;
    store = await openStore(ws, { readOnly: true });
  }
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** Opens the store as its owner, waiting briefly for another owner to finish. */
export async function withWriteStore<T>(opts: WorkspaceOption & { recover?: boolean }, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const store = await openStore(workspaceDir(opts), { lockWaitMs: 2000, recover: opts.recover });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
