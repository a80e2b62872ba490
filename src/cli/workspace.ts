import fs from 'node:fs';
import { openStore, Store } from '../core/openStore';

import { workspaceDir, type WorkspaceOption } from './workspaceDir';
import { workspacePaths } from '../core/paths';

export { workspaceDir, type WorkspaceOption };

/** The workspace folder, refusing one that does not exist (a typo must not look like an empty workspace). */
export function existingWorkspace(opts: WorkspaceOption): string {
  const ws = workspaceDir(opts);
  if (!fs.existsSync(ws)) throw new Error(`workspace folder ${ws} does not exist`);
  if (!fs.statSync(ws).isDirectory()) throw new Error(`workspace ${ws} is not a folder`);
  return ws;
}

/** For read commands that list things: a workspace with no store yet lists nothing, it is not an error. */
export async function withReadStoreOrEmpty<T>(opts: WorkspaceOption, fn: (store: Store) => T | Promise<T>, empty: (ws: string) => T): Promise<T> {
  const ws = existingWorkspace(opts);
  if (!Store.exists(ws)) return empty(ws);
  return withReadStore(opts, fn);
}

/** For maintenance commands: refuses a folder with no store instead of creating an empty one there. */
export function requireStore(opts: WorkspaceOption): string {
  const ws = existingWorkspace(opts);
  if (!Store.exists(ws)) throw new Error(`no MLOps store in ${ws} (expected ${workspacePaths.store(ws)}); nothing to do. Check --workspace`);
  return ws;
}

/**
 * Opens the workspace's store for reading: read-only whether or not another process (the editor,
 * `mlops server`) owns it. It sees every acknowledged write, takes no lock and never writes, so it works on a
 * read-only `.mlops` and cannot disturb an owner; it costs what the metadata costs (no histories loaded).
 * Damage it reads around is reported on stderr.
 */
export async function withReadStore<T>(opts: WorkspaceOption, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const ws = workspaceDir(opts);
  if (!Store.exists(ws)) throw new Error(`no MLOps store in ${ws} (expected ${workspacePaths.store(ws)}); log a run or pass --workspace`);
  const store = await openStore(ws, { readOnly: true });
  for (const n of store.report.notes) console.error(`mlops: warning: ${n}`);
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
