// The differential conformance suite: every scenario in scenarios/ (an ordinary script using the real MLflow
// client) runs against a fresh real MLflow 2.12.2 server and a fresh `mlops server`; the normalised
// observations must be equal. Prints "N passed, N failed" (scenarios). Skips, saying why, without the oracle.
//   node --import tsx test/conformance/run.ts [substring...]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/core/serving/scoring';
import { mlflowOracle, mlflowServerArgs, waitHealthy } from '../helpers/oracle';
import { KNOWN } from './known';
import { diffObservations, firstDifference, Normalizer, type Json, type Observation } from './normalize';

const here = __dirname;
const repo = path.resolve(here, '..', '..');

interface Server {
  name: string;
  url: string;
  token?: string;
  roots: string[];
  child: ChildProcess;
}

function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: string, cwd?: string): ChildProcess {
  const fd = fs.openSync(log, 'w');
  // Its own process group, so stopping it also stops the workers it forks (gunicorn).
  const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', fd, fd], detached: true });
  fs.closeSync(fd);
  return child;
}

function stop(s: Server | undefined) {
  if (!s?.child.pid || s.child.exitCode !== null) return;
  try {
    process.kill(-s.child.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
}

async function startOracle(env: NodeJS.ProcessEnv, dir: string): Promise<Server> {
  const port = await freePort();
  fs.mkdirSync(dir, { recursive: true });
  const log = path.join(dir, 'mlflow-server.log');
  const args = mlflowServerArgs(port, `sqlite:///${dir}/mlflow.db`, `${dir}/artifacts`);
  const child = startProcess(env.MLFLOW_ORACLE_PY!, args, { ...env, PYTHONUNBUFFERED: '1' }, log);
  const s = { name: 'mlflow', url: `http://127.0.0.1:${port}`, roots: [dir], child };
  await waitHealthy(s.url, child, log, 180).catch((e) => (stop(s), Promise.reject(e)));
  return s;
}

async function startOurs(dir: string): Promise<Server> {
  const port = await freePort();
  const token = crypto.randomBytes(24).toString('base64url');
  const log = path.join(dir, 'mlops-server.log');
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  const child = startProcess(
    process.execPath,
    [path.join(repo, 'dist', 'cli.js'), 'server', '--workspace', ws, '--port', String(port), '--token', token],
    process.env,
    log,
  );
  const s = { name: 'mlops', url: `http://127.0.0.1:${port}`, token, roots: [ws, dir], child };
  await waitHealthy(s.url, child, log, 60).catch((e) => (stop(s), Promise.reject(e)));
  return s;
}

interface ScenarioResult {
  scenario: string;
  observations: Observation[];
  crash: string | null;
  seconds: number;
}

function runDriver(s: Server, env: NodeJS.ProcessEnv, scenarios: string[], dir: string): Promise<Map<string, ScenarioResult>> {
  const out = path.join(dir, `${s.name}.jsonl`);
  const log = path.join(dir, `${s.name}-driver.log`);
  const work = path.join(dir, `${s.name}-cwd`);
  fs.mkdirSync(work);
  const denv: NodeJS.ProcessEnv = {
    ...env,
    MLFLOW_TRACKING_URI: s.url,
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
    MLFLOW_HTTP_REQUEST_TIMEOUT: '120',
    PYTHONUNBUFFERED: '1',
    MPLBACKEND: 'Agg',
  };
  if (s.token) denv.MLFLOW_TRACKING_TOKEN = s.token;
  else delete denv.MLFLOW_TRACKING_TOKEN;
  const child = startProcess(env.MLFLOW_ORACLE_PY!, [path.join(here, 'driver.py'), out, ...scenarios], denv, log, work);
  return new Promise((resolve) => {
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 4 * 60_000);
    child.on('exit', () => {
      clearTimeout(timer);
      const results = new Map<string, ScenarioResult>();
      const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
      for (const line of text.split('\n').filter(Boolean)) {
        const r = JSON.parse(line) as ScenarioResult;
        results.set(r.scenario, r);
      }
      if (results.size < scenarios.length) console.log(`${s.name} driver stopped early; log ${log}:\n${fs.readFileSync(log, 'utf8').slice(-3000)}`);
      resolve(results);
    });
  });
}

const crashLine = (c: string | null) => (c ? c.trim().split('\n').pop()! : null);

function compare(name: string, a: ScenarioResult | undefined, b: ScenarioResult | undefined, oracle: Server, ours: Server): { ok: boolean; lines: string[] } {
  if (!a || !b) return { ok: false, lines: [`  did not run on ${!a ? 'mlflow' : 'mlops'}`] };
  const na = new Normalizer(oracle.roots);
  const nb = new Normalizer(ours.roots);
  const norm = (n: Normalizer, r: ScenarioResult) => [
    ...r.observations.map((o) => ({ label: o.label, ...(o.error !== undefined ? { error: n.value(o.error as Json) } : { value: n.value(o.value as Json) }) })),
    ...(r.crash ? [{ label: '<crash>', value: n.str(crashLine(r.crash)!) }] : []),
  ];
  const diffs = diffObservations(norm(na, a), norm(nb, b));
  const lines: string[] = [];
  let failing = 0;
  for (const d of diffs) {
    const known = KNOWN[`${name}/${d.label}`];
    if (!known) failing++;
    const [x, y] = firstDifference(d.oracle, d.ours);
    lines.push(`  ${known ? `known (${known})` : 'DIFF'} ${d.label}\n    mlflow: ${x}\n    mlops:  ${y}`);
  }
  for (const key of Object.keys(KNOWN).filter((k) => k.startsWith(`${name}/`))) {
    if (!diffs.some((d) => `${name}/${d.label}` === key)) lines.push(`  now matches, remove from known.ts: ${key}`);
  }
  if (b.crash && !a.crash) lines.push(`  mlops side crashed:\n${b.crash}`);
  if (a.crash && !b.crash) lines.push(`  mlflow side crashed:\n${a.crash}`);
  return { ok: failing === 0, lines };
}

async function main() {
  const only = process.argv.slice(2);
  const scenarioDir = path.join(here, 'scenarios');
  const scenarios = fs
    .readdirSync(scenarioDir)
    .filter((f) => f.endsWith('.py') && (!only.length || only.some((o) => f.includes(o))))
    .sort()
    .map((f) => path.join(scenarioDir, f));
  const o = mlflowOracle();
  if ('skip' in o) {
    console.log(`conformance: skipped: ${o.skip}`);
    console.log('0 passed, 0 failed');
    return;
  }
  if (!process.env.MLOPS_SKIP_BUILD) {
    const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repo, stdio: 'inherit' });
    if (b.status !== 0) {
      console.log('conformance: build failed\n0 passed, 1 failed');
      process.exitCode = 1;
      return;
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-conformance-'));
  let oracle: Server | undefined;
  let ours: Server | undefined;
  const cleanup = () => (stop(oracle), stop(ours));
  process.once('SIGINT', () => (cleanup(), process.exit(130)));
  try {
    [oracle, ours] = await Promise.all([startOracle(o.env, path.join(dir, 'mlflow-side')), startOurs(dir)]);
    const [ra, rb] = await Promise.all([runDriver(oracle, o.env, scenarios, dir), runDriver(ours, o.env, scenarios, dir)]);
    let passed = 0;
    let failed = 0;
    for (const file of scenarios) {
      const name = path.basename(file, '.py');
      const { ok, lines } = compare(name, ra.get(name), rb.get(name), oracle, ours);
      const secs = `${ra.get(name)?.seconds ?? '?'}s/${rb.get(name)?.seconds ?? '?'}s`;
      console.log(`${ok ? '✔' : '✖'} ${name} (${ra.get(name)?.observations.length ?? 0} observations, ${secs})`);
      for (const l of lines) console.log(l);
      if (ok) passed++;
      else failed++;
    }
    console.log(`\nconformance: ${passed} passed, ${failed} failed${failed ? ` (server and driver logs in ${dir})` : ''}`);
    if (failed) process.exitCode = 1;
    else fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    cleanup();
  }
}

main().catch((e) => {
  console.log(`conformance: ${e instanceof Error ? e.stack : e}\n0 passed, 1 failed`);
  process.exitCode = 1;
});
