import { ServerUnreachable } from '../backend/connection';
import { PENDING_TAG } from '../backend/publish';
import type { RemoteBackend } from '../backend/remote';
import { RemoteTracker } from './remoteTracker';
import type { RunTracker } from './tracker';

/** A tracker whose runs carry one more tag: how a run logged offline remembers the server it belongs on. */
export function markedPending(tracker: RunTracker, serverUrl: string): RunTracker {
  const t = Object.create(tracker) as RunTracker;
  t.createRun = (o) => tracker.createRun({ ...o, tags: [...o.tags, { key: PENDING_TAG, value: serverUrl }] });
  return t;
}

export type TeamLaunch = { tracker: RunTracker; offline: false } | { tracker: RunTracker; offline: true; reason: string };

/**
 * Where a launched run logs when a team server is configured: the server when it answers; when it cannot be
 * reached, the local tracker, each run marked to be published once it is back. Other errors (a wrong token)
 * are the caller's to show: logging somewhere the user did not choose would hide them.
 */
export async function teamLaunchTracker(remote: RemoteBackend, local: () => Promise<RunTracker> | RunTracker): Promise<TeamLaunch> {
  try {
    await remote.ping();
    return { tracker: new RemoteTracker(remote), offline: false };
  } catch (e) {
    if (!(e instanceof ServerUnreachable)) throw e;
    return { tracker: markedPending(await local(), remote.location), offline: true, reason: e.message };
  }
}
