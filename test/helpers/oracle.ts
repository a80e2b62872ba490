import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The real MLflow 2.12.2 (../shared/oracles, or $MLFLOW_ORACLE_DIR): the environment its setup script prints
 * (MLFLOW_ORACLE_PY, PYTHONPATH, ...), or why it is not available, for tests to skip with.
 */
export function mlflowOracle(): { env: NodeJS.ProcessEnv; python: string } | { skip: string } {
  const repo = path.resolve(__dirname, '..', '..');
  const dir = process.env.MLFLOW_ORACLE_DIR ?? path.resolve(repo, '..', 'shared', 'oracles');
  const setup = path.join(dir, 'setup-mlflow.sh');
  if (!fs.existsSync(setup)) return { skip: `no MLflow oracle at ${dir} (set MLFLOW_ORACLE_DIR)` };
  const r = spawnSync('bash', ['-c', 'eval "$(bash "$1")" && env -0', '_', setup], { encoding: 'utf8' });
  if (r.status !== 0) return { skip: `the oracle's setup failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  const env: NodeJS.ProcessEnv = {};
  for (const kv of r.stdout.split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  if (!env.MLFLOW_ORACLE_PY) return { skip: 'the oracle setup printed no MLFLOW_ORACLE_PY' };
  return { env, python: env.MLFLOW_ORACLE_PY };
}

/** Waits until a server's /health answers, failing early with the tail of its log when the process exits. */
export async function waitHealthy(url: string, child: ChildProcess, log: string, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the server for ${url} exited (${child.exitCode}); log ${log}:\n${fs.readFileSync(log, 'utf8').slice(-3000)}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server at ${url} was not healthy after ${seconds} s; log ${log}:\n${fs.readFileSync(log, 'utf8').slice(-3000)}`);
}

/** The real MLflow server's command line (after the interpreter): one worker on 127.0.0.1, artifacts proxied. */
export function mlflowServerArgs(port: number, backendStoreUri: string, artifactsDestination: string): string[] {
  const args = ['-m', 'mlflow', 'server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1'];
  return [...args, '--backend-store-uri', backendStoreUri, '--artifacts-destination', artifactsDestination];
}
