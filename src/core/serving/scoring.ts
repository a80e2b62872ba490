import net from 'node:net';
import http from 'node:http';
import { shlexQuote } from '../project/pyvalue';
import { MissingTool } from '../exec/errors';
import { runProgram } from '../exec/interpreter';
import { launch, type LaunchResult } from '../exec/launch';
import { MlopsError } from '../errors';

export interface ScoringServer {
  url: string;
  port: number;
  pid?: number;
  /** Settles when the process ends (on stop, or by itself). */
  exited: Promise<LaunchResult>;
  stop(): Promise<void>;
}

export interface ScoringOptions {
  python: string;
  /** Local folder of the model (the one holding MLmodel). */
  modelDir: string;
  port?: number;
  env?: NodeJS.ProcessEnv;
  onLog?: (line: string) => void;
  /** Reports what is happening while it starts. */
  onProgress?: (message: string) => void;
  /** How long to wait for /ping (default 180 s: the first start imports sklearn, pandas, …). */
  startTimeoutMs?: number;
  signal?: AbortSignal;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Fails with what to install when the interpreter cannot import mlflow (or gunicorn is missing). */
export async function checkServingPython(python: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await runProgram(python, ['-c', 'import mlflow, sys; print(mlflow.__version__)'], { env, timeoutMs: 120_000 });
  if (r.error) throw new MissingTool(`Python (${python})`, `Select an interpreter that exists, or install Python 3: ${r.error.message}`);
  if (r.code !== 0) {
    throw new MissingTool(
      `the mlflow package in ${python}`,
      `Serving uses MLflow's own scoring server. Install it into that interpreter: ${shlexQuote(python)} -m pip install mlflow (or select another interpreter in the Python extension).`,
    );
  }
  return r.output.trim().split('\n').pop() ?? '';
}

function ping(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/ping`, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => (req.destroy(), resolve(false)));
  });
}

/**
 * Starts `python -m mlflow models serve -m DIR --env-manager local` on 127.0.0.1 in its own process group,
 * and resolves once it answers /ping. Abort (or stop()) terminates the whole group (gunicorn and its
 * workers). A process that dies while starting fails with the tail of its log.
 */
export async function startScoringServer(o: ScoringOptions): Promise<ScoringServer> {
  o.onProgress?.(`checking ${o.python} for mlflow`);
  await checkServingPython(o.python, o.env);
  const port = o.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const tail: string[] = [];
  const command = [o.python, '-m', 'mlflow', 'models', 'serve', '-m', o.modelDir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port)]
    .map(shlexQuote)
    .join(' ');
  let pid: number | undefined;
  let buffer = '';
  const exited = launch({
    command,
    cwd: o.modelDir,
    env: { ...process.env, ...o.env, MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING: 'false', GIT_PYTHON_REFRESH: 'quiet' },
    signal: ac.signal,
    graceMs: 3000,
    onStart: (p) => (pid = p),
    onOutput: (chunk) => {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        tail.push(line);
        if (tail.length > 40) tail.shift();
        o.onLog?.(line);
      }
    },
  });
  let ended = false;
  void exited.then(() => (ended = true));
  o.onProgress?.(`starting MLflow's scoring server on ${url}`);
  const deadline = Date.now() + (o.startTimeoutMs ?? 180_000);
  while (!(await ping(url))) {
    if (ended || ac.signal.aborted || Date.now() > deadline) {
      ac.abort();
      await exited;
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) throw new MlopsError('INVALID_STATE', 'serving was cancelled while the scoring server started');
      throw new MlopsError(
        'INTERNAL_ERROR',
        `${ended ? 'the scoring server exited while starting' : `the scoring server did not answer /ping within ${Math.round((o.startTimeoutMs ?? 180_000) / 1000)} s`}; its last output:\n${tail.join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    pid,
    exited,
    stop: async () => {
      ac.abort();
      await exited;
      o.signal?.removeEventListener('abort', onAbort);
    },
  };
}
