import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/core/serving/scoring';
import { mlflowOracle, mlflowServerArgs, waitHealthy } from './oracle';
import { startS3Server, type S3Server } from './s3server';
import { tempDir } from './tmp';

/**
 * A team's tracking stack, as teams run it: the real MLflow 2.12.2 server over a PostgreSQL database (Debian's
 * postgresql, a cluster of its own in a temp folder on a free port) with its artifacts proxied to an
 * S3-compatible server (s3rver) on 127.0.0.1. Returns why not where a part is missing, for the test to skip with.
 */
export interface TeamStack {
  url: string;
  /** The environment for the real MLflow client (python) against this server. */
  clientEnv: NodeJS.ProcessEnv;
  python: string;
  s3: S3Server;
  /** The server's log, for failure messages. */
  log: string;
  close(): Promise<void>;
}

function pgBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : undefined;
}

/** Runs a PostgreSQL tool as the postgres user when we are root (initdb refuses root), else as ourselves. */
function pgRun(bin: string, tool: string, args: string[], asPostgres: boolean): void {
  const [cmd, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
}

export async function startTeamStack(): Promise<TeamStack | string> {
  const oracle = mlflowOracle();
  if ('skip' in oracle) return oracle.skip;
  const bin = pgBin();
  if (!bin) return 'PostgreSQL is not installed (apt-get install postgresql; .ci/run does)';
  const root = process.getuid?.() === 0;
  if (root && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root and there is no postgres user to run PostgreSQL as';
  const check = spawnSync(oracle.python, ['-c', 'import psycopg2, boto3'], { env: { ...process.env, ...oracle.env }, encoding: 'utf8' });
  if (check.status !== 0) return `the oracle's python lacks psycopg2 or boto3: ${check.stderr.trim().split('\n').pop()}`;

  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    // The cluster's folder belongs to whoever runs PostgreSQL (outside our 0700 temp folders when that is postgres).
    const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-pg-'));
    closers.push(() => fs.rmSync(pgDir, { recursive: true, force: true }));
    if (root) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      fs.chownSync(pgDir, uid, gid);
    }
    const pgPort = await freePort();
    pgRun(bin, 'initdb', ['-D', path.join(pgDir, 'data'), '-A', 'trust', '-U', 'mlflow', '--no-sync'], root);
    pgRun(
      bin,
      'pg_ctl',
      ['-D', path.join(pgDir, 'data'), '-o', `-p ${pgPort} -k ${pgDir} -h 127.0.0.1 -F`, '-l', path.join(pgDir, 'pg.log'), '-w', 'start'],
      root,
    );
    closers.push(() => pgRun(bin, 'pg_ctl', ['-D', path.join(pgDir, 'data'), '-m', 'immediate', 'stop'], root));
    pgRun(bin, 'createdb', ['-h', '127.0.0.1', '-p', String(pgPort), '-U', 'mlflow', 'mlflowdb'], root);

    const s3 = await startS3Server('team-artifacts');
    if (typeof s3 === 'string') throw new Error(s3);
    closers.push(() => s3.close());

    const dir = tempDir(undefined, 'mlflow-team-');
    const port = await freePort();
    const log = path.join(dir, 'mlflow-server.log');
    const s3Env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_DEFAULT_REGION: 'us-east-1', MLFLOW_S3_ENDPOINT_URL: s3.endpoint };
    const env = { ...process.env, ...oracle.env, ...s3Env, HOME: dir, PYTHONUNBUFFERED: '1' };
    const fd = fs.openSync(log, 'w');
    // Its own process group, so stopping it stops the gunicorn workers too.
    const child = spawn(oracle.python, mlflowServerArgs(port, `postgresql://mlflow@127.0.0.1:${pgPort}/mlflowdb`, `s3://${s3.bucket}/root`), {
      env,
      cwd: dir,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    fs.closeSync(fd);
    closers.push(async () => {
      if (child.exitCode !== null || !child.pid) return;
      const gone = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    });
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(url, child, log, 240);
    // The client reaches artifacts through the server (mlflow-artifacts:), never S3 itself: no AWS keys.
    const clientEnv = { ...process.env, ...oracle.env, MLFLOW_TRACKING_URI: url, HOME: dir };
    return { url, clientEnv, python: oracle.python, s3, log, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Runs a python snippet with the real MLflow client; its last stdout line is JSON. Asynchronous on purpose: the
 * S3 server the MLflow server writes artifacts to runs in this process and must keep answering meanwhile.
 */
export function mlflowClient(stack: TeamStack, code: string, env: NodeJS.ProcessEnv = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    const p = spawn(stack.python, ['-c', code], { env: { ...stack.clientEnv, ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 180_000);
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => {
      clearTimeout(timer);
      if (status !== 0) {
        const server = fs.readFileSync(stack.log, 'utf8').slice(-2000);
        return reject(new Error(`the MLflow client failed (${status}):\n${stderr.slice(-3000)}\nserver log:\n${server}`));
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
      } catch {
        reject(new Error(`the MLflow client printed no JSON:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}

/** A folder whose `python3` is the oracle's interpreter, to put first on PATH for scripts `mlops run` starts. */
export function pythonOnPath(stack: TeamStack): string {
  const dir = tempDir(undefined, 'py-');
  fs.symlinkSync(stack.python, path.join(dir, 'python3'));
  fs.symlinkSync(stack.python, path.join(dir, 'python'));
  return dir;
}
