import fs from 'node:fs';
import { connectionFromEnv, isServerUri, LocalBackend, RemoteBackend } from '../core/backend';
import { RestTracker, teamLaunchTracker } from '../core/launch';
import { openStore } from '../core/openStore';
import { readServerInfo } from '../core/server';
import { StoreLocked } from '../core/errors';
import { openCliTracker, type CliTracker } from './tracker';
import { workspacePaths } from '../core/paths';

export interface TrackingUriOption {
  trackingUri?: string;
}

/** The URL of the workspace's own server as its last owner wrote it (a terminal of the editor points there). */
function ownServerUrl(ws: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(workspacePaths.serverInfo(ws), 'utf8')).url;
  } catch {
    return undefined;
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/**
 * The team server a command talks to: `--tracking-uri`, else MLFLOW_TRACKING_URI when it is an http(s) URL.
 * The workspace's own server (what the editor's terminals get in MLFLOW_TRACKING_URI) is the local store, not a
 * team server.
 */
export function teamServerUri(ws: string, opts: TrackingUriOption, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const uri = opts.trackingUri ?? env.MLFLOW_TRACKING_URI;
  if (opts.trackingUri !== undefined && !isServerUri(opts.trackingUri))
    throw new Error(`--tracking-uri must be an http(s):// URL of an MLflow server, got "${opts.trackingUri}"`);
  if (!isServerUri(uri)) return undefined;
  const own = ownServerUrl(ws);
  if (opts.trackingUri === undefined && own && sameOrigin(own, uri)) return undefined;
  return uri.trim();
}

export function openTeamServer(uri: string, env: NodeJS.ProcessEnv = process.env): RemoteBackend {
  return new RemoteBackend(connectionFromEnv(uri, env));
}

/** Runs `fn` against the team server and closes its connections afterwards. */
export async function withTeamServer<T>(uri: string, fn: (b: RemoteBackend) => Promise<T>): Promise<T> {
  const b = openTeamServer(uri);
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}

export interface LaunchTracker extends CliTracker {
  /** The team server the run went to, or the one it waits for (offline). */
  team?: { uri: string; offline: boolean };
}

/**
 * Where `mlops run` / `mlops sweep` log: the team server when one is configured and answers; when it does not,
 * the local store, with each run marked to be published when the server is back (`mlops publish --pending`),
 * unless `offline` is false (CI: a run logged on a runner's disk is lost with the runner).
 */
export async function openLaunchTracker(ws: string, opts: TrackingUriOption & { offline?: boolean }): Promise<LaunchTracker> {
  const uri = teamServerUri(ws, opts);
  if (!uri) return openCliTracker(ws);
  const remote = openTeamServer(uri);
  let local: CliTracker | undefined;
  try {
    const chosen = await teamLaunchTracker(remote, async () => (local = await openCliTracker(ws)).tracker);
    if (!chosen.offline) {
      console.error(`logging to the team server at ${remote.location}`);
      return { tracker: chosen.tracker, close: () => remote.close(), team: { uri, offline: false } };
    }
    await remote.close();
    if (opts.offline === false) {
      await local?.close();
      throw new Error(`${chosen.reason}; with --no-offline nothing was logged`);
    }
    console.error(`mlops: ${chosen.reason}; logging to the local store instead. The run is published there by "mlops publish --pending" once it answers.`);
    return { ...local!, tracker: chosen.tracker, team: { uri, offline: true } };
  } catch (e) {
    await remote.close();
    throw e;
  }
}

/** Writes tags on local runs: directly when this process can own the store, else through its owner's server. */
export async function setLocalTags(ws: string, tags: { runId: string; key: string; value: string }[]): Promise<void> {
  if (!tags.length) return;
  try {
    const store = await openStore(ws, { lockWaitMs: 500 });
    try {
      const local = new LocalBackend(store, ws);
      for (const t of tags) await local.setTag(t.runId, t.key, t.value);
    } finally {
      store.close();
    }
  } catch (e) {
    if (!(e instanceof StoreLocked)) throw e;
    const info = readServerInfo(ws);
    if (!info) throw new Error(`${e.message} It runs no server, so the local runs could not be marked as published (publishing again is harmless).`);
    const rest = new RestTracker(info);
    for (const t of tags) await rest.setTag(t.runId, t.key, t.value);
  }
}
