import path from 'node:path';
import { openStore, Store } from '../core/openStore';

export interface WorkspaceOption {
  workspace?: string;
}

export function workspaceDir(opts: WorkspaceOption): string {
  return path.resolve(opts.workspace ?? process.cwd());
}

/**
 * Opens the workspace's store for reading, read-only whether or not another process (the editor, `mlops
 * server`) owns it: it sees every acknowledged write, never touches the files, takes no lock, and costs what
 * the metadata costs (no room to grow, no histories loaded).
 */
export async function withReadStore<T>(opts: WorkspaceOption, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const ws = workspaceDir(opts);
  if (!Store.exists(ws)) throw new Error(`no MLOps store in ${ws} (expected ${path.join(ws, '.mlops')}); log a run or pass --workspace`);
  const store = await openStore(ws, { readOnly: true });
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
