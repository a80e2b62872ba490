import path from 'node:path';

/**
 * Where MLOps Workbench keeps its files in a workspace: the one place these names are written. Everything under
 * `.mlops/` belongs to the workspace's store and its owner (see the README's "Where things live").
 */
export const STORE_DIR = '.mlops';

export const workspacePaths = {
  /** The store folder: snapshot, journal, metric segments, lock. */
  store: (ws: string) => path.join(ws, STORE_DIR),
  /** Run artifacts of the local store, as plain files. */
  artifacts: (ws: string) => path.join(ws, STORE_DIR, 'artifacts'),
  /** The owner's tracking server: URL and token, for terminals and other processes. */
  serverInfo: (ws: string) => path.join(ws, STORE_DIR, 'server.json'),
  /** A team-server run's launcher files until they are uploaded. */
  staging: (ws: string, runId: string) => path.join(ws, STORE_DIR, 'staging', runId),
  /** Environments built for MLproject entry points (virtualenvs). */
  envs: (ws: string) => path.join(ws, STORE_DIR, 'envs'),
  /** Served models and what they answered. */
  deployments: (ws: string) => path.join(ws, STORE_DIR, 'deployments'),
};
