import { RestTracker, StoreTracker, type RunTracker } from '../core/launch';
import { openStore, type Store } from '../core/openStore';
import { readServerInfo, startServer, type RunningServer } from '../core/server';
import { StoreLocked } from '../core/errors';

export interface CliTracker {
  tracker: RunTracker;
  close(): Promise<void>;
}

/**
 * Where a launched run logs from the command line: this process owns the store and serves it for the
 * script, or, when another process (the editor, `mlops server`) owns it, through that owner's server.
 */
export async function openCliTracker(ws: string): Promise<CliTracker> {
  let store: Store | undefined;
  let server: RunningServer | undefined;
  try {
    store = await openStore(ws);
    server = await startServer({ store, workspace: ws });
    const s = store;
    const srv = server;
    return { tracker: new StoreTracker(s, srv), close: async () => (await srv.close(), s.close()) };
  } catch (e) {
    await server?.close();
    store?.close();
    if (!(e instanceof StoreLocked)) throw e;
    const info = readServerInfo(ws);
    if (!info) throw new Error(`${e.message} It runs no server, so this run cannot be recorded; start one with "mlops server" there, or close that process.`);
    console.error(`logging through the store's owner at ${info.url}`);
    return { tracker: new RestTracker(info), close: async () => undefined };
  }
}

/**
 * Aborts the signal on Ctrl-C / SIGTERM while `fn` runs, so child processes are stopped, runs end KILLED and
 * long work stops after its current batch. `onInterrupt` tells the user what happens next.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>, onInterrupt?: () => void): Promise<T> {
  const ac = new AbortController();
  const onSignal = () => {
    onInterrupt?.();
    ac.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
