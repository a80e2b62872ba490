import { openStore, type Store } from '../../../src/core/openStore';
import { startServer, type RunningServer } from '../../../src/core/server';
import { tempDir } from '../../helpers/tmp';

export interface Api {
  ws: string;
  store: Store;
  server: RunningServer;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; text: string }>;
  close(): Promise<void>;
}

/** A real store and server in a temp workspace, and a small client that speaks to it over 127.0.0.1. */
export async function startApi(opts: { maxArtifactBytes?: number } = {}): Promise<Api> {
  const ws = tempDir();
  const store = await openStore(ws);
  const server = await startServer({ store, workspace: ws, ...opts });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(server.url + path, {
      method,
      headers: {
        Authorization: `Bearer ${server.token}`,
        ...(body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array) ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: (body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)) as BodyInit | undefined,
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };
  return {
    ws,
    store,
    server,
    call,
    close: async () => {
      await server.close();
      store.close();
    },
  };
}
