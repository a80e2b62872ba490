// The generated workflow run on this machine, step by step, as GitHub would run it (shared by the CI suites).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { tempDir } from '../../helpers/tmp';

const root = path.resolve(__dirname, '../../..');
export const cli = path.join(root, 'dist', 'cli.js');
export const quickstart = path.join(root, 'examples', 'quickstart');

/**
 * A bash script as GitHub runs a step (-eo pipefail). Asynchronous: a server the test runs in its own process
 * (a team server) must keep answering while the step runs.
 */
export function sh(cwd: string, cmd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', cmd], { cwd, env: { ...process.env, ...env } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

interface Step {
  name: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

/**
 * A runner for the generated workflow on this machine: each job starts from a fresh clone (no store, no
 * data), `run:` steps run in bash as GitHub runs them (-eo pipefail), `${{ }}` expressions and `if:` are
 * evaluated for the few forms the workflow uses, and actions/cache is a folder kept between jobs. Other
 * `uses:` steps (checkout, setup-node/python, upload-artifact) are what the clone and this machine provide.
 */
export class LocalRunner {
  readonly cache: string;
  constructor(
    private readonly origin: string,
    private readonly bin: string,
    /** What the runner's machine provides besides the workflow (a Python with its packages: PATH, PYTHONPATH). */
    private readonly machineEnv: NodeJS.ProcessEnv = {},
  ) {
    this.cache = tempDir(undefined, 'mlops-actions-cache-');
  }

  async job(event: 'push' | 'pull_request', secrets: Record<string, string> = {}) {
    const ws = tempDir(undefined, 'mlops-runner-');
    fs.rmSync(ws, { recursive: true });
    assert.equal((await sh(root, `git clone -q ${JSON.stringify(this.origin)} ${JSON.stringify(ws)}`)).code, 0);
    const doc = YAML.parse(fs.readFileSync(path.join(ws, '.github/workflows/mlops-retrain.yml'), 'utf8'));
    const job = doc.jobs.retrain as { env: Record<string, string>; steps: Step[] };
    const ctx: Record<string, string> = {
      'github.event_name': event,
      'github.server_url': 'https://github.example',
      'github.repository': 'team/project',
      'github.run_id': String(Date.now()),
      'github.ref': 'refs/heads/main',
      'github.token': 'x',
      'github.event.pull_request.number': '7',
    };
    const value = (ref: string, env: Record<string, string>): string => {
      if (ref.startsWith('secrets.')) return secrets[ref.slice(8)] ?? '';
      if (ref.startsWith('env.')) return env[ref.slice(4)] ?? '';
      if (ref in ctx) return ctx[ref];
      throw new Error(`the local runner does not know ${ref}`);
    };
    const evaluate = (expr: string, env: Record<string, string>): string => {
      const terms = expr.split('&&').map((t) => t.trim());
      const results = terms.map((t) => {
        if (t === 'always()') return 'true';
        const m = /^([\w.]+)\s*(==|!=)\s*'([^']*)'$/.exec(t);
        if (m) return String((value(m[1], env) === m[3]) === (m[2] === '=='));
        if (/^[\w.]+$/.test(t)) return value(t, env);
        throw new Error(`the local runner cannot evaluate ${t}`);
      });
      return terms.length === 1 ? results[0] : String(results.every((r) => r === 'true'));
    };
    const subst = (s: string, env: Record<string, string>) => s.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_m, e: string) => evaluate(e, env));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(job.env)) env[k] = subst(v, env);
    const files = { GITHUB_OUTPUT: path.join(ws, '.gh-output'), GITHUB_STEP_SUMMARY: path.join(ws, '.gh-summary') };
    for (const f of Object.values(files)) fs.writeFileSync(f, '');
    const log: { name: string; code: number; out: string }[] = [];
    let failed = false;
    for (const step of job.steps) {
      const cond = step.if ? evaluate(step.if, env) === 'true' : !failed;
      if (!cond || (failed && !step.if?.includes('always()'))) continue;
      if (step.uses?.startsWith('actions/cache/restore')) {
        const saved = path.join(this.cache, 'store');
        if (fs.existsSync(saved)) fs.cpSync(saved, path.join(ws, step.with!.path), { recursive: true });
        continue;
      }
      if (step.uses?.startsWith('actions/cache/save')) {
        fs.rmSync(path.join(this.cache, 'store'), { recursive: true, force: true });
        fs.cpSync(path.join(ws, step.with!.path), path.join(this.cache, 'store'), { recursive: true });
        continue;
      }
      if (step.uses?.startsWith('actions/upload-artifact')) continue;
      if (step.uses) continue; // checkout, setup-node, setup-python: the clone and this machine
      const stepEnv = {
        ...env,
        ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, subst(v, env)])),
        ...files,
        ...this.machineEnv,
        PATH: `${this.bin}:${this.machineEnv.PATH ?? process.env.PATH}`,
      };
      if (step.name === 'Comment on the pull request') {
        // No GitHub here: check the comment would post the report.
        log.push({ name: step.name, code: fs.existsSync(path.join(ws, 'mlops-report/report.md')) ? 0 : 1, out: '' });
        continue;
      }
      const r = await sh(ws, subst(step.run!, env), stepEnv);
      log.push({ name: step.name, ...r });
      if (r.code !== 0) failed = true;
    }
    const read = (f: string) => (fs.existsSync(path.join(ws, f)) ? fs.readFileSync(path.join(ws, f), 'utf8') : '');
    return {
      ws,
      failed,
      log,
      summary: read('.gh-summary'),
      outputs: read('.gh-output'),
      decision: read('mlops-report/decision.json') ? JSON.parse(read('mlops-report/decision.json')) : undefined,
    };
  }
}

/** Sets the quickstart's default epochs (more epochs: a lower rmse) and commits it. */
export async function commitEpochs(repo: string, epochs: number) {
  const f = path.join(repo, 'MLproject');
  fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/epochs: \{type: int, default: \d+\}/, `epochs: {type: int, default: ${epochs}}`));
  assert.equal((await sh(repo, `git commit -qam "epochs ${epochs}"`)).code, 0);
}

export const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };

/** A folder on PATH whose `mlops` is the built CLI. */
export function mlopsBin(): string {
  const bin = tempDir(undefined, 'mlops-bin-');
  fs.writeFileSync(path.join(bin, 'mlops'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} "$@"\n`, { mode: 0o755 });
  return bin;
}

export const log = (job: { log: { name: string; code: number; out: string }[] }) => job.log.map((l) => `## ${l.name} (${l.code})\n${l.out}`).join('\n');
