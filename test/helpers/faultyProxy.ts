import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultyProxy {
  endpoint: string;
  /** `METHOD /path?query` of every request received. */
  log: string[];
  failures: { slowDown: number; resets: number; cut: number };
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of an S3 server that fails the first attempt of requests the way S3 and networks do:
 * 503 SlowDown, a connection reset before any answer, or (downloads over 1 MiB) a body cut off half way.
 * Deterministic: each distinct request fails once at most, so a client with retries always gets through.
 */
export async function faultyProxy(upstream: string, opts: { faults?: boolean } = {}): Promise<FaultyProxy> {
  const faults = opts.faults ?? true;
  const log: string[] = [];
  const cutDone = new Set<string>();
  const target = new URL(upstream);
  const seen = new Set<string>();
  const failures = { slowDown: 0, resets: 0, cut: 0 };
  let n = 0;
  const server = http.createServer((req, res) => {
    const id = `${req.method} ${req.url} ${req.headers.range ?? ''}`;
    log.push(`${req.method} ${req.url}`);
    const first = faults && !seen.has(id);
    seen.add(id);
    const i = n++;
    if (first && req.method !== 'GET' && i % 3 === 0) {
      failures.slowDown++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml', connection: 'close' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    if (first && i % 3 === 1) {
      failures.resets++;
      req.socket.destroy();
      return;
    }
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        const len = Number(ur.headers['content-length'] ?? 0);
        if (faults && !cutDone.has(req.url!) && req.method === 'GET' && ur.statusCode === 200 && len > 1 << 20) {
          cutDone.add(req.url!);
          let sent = 0;
          ur.on('data', (c: Buffer) => {
            sent += c.length;
            if (sent > len / 2) {
              failures.cut++;
              ur.destroy();
              res.destroy();
            } else res.write(c);
          });
          return;
        }
        ur.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    failures,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
