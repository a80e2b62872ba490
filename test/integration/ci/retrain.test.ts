import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { tempDir } from '../../helpers/tmp';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist', 'cli.js');
const quickstart = path.join(root, 'examples', 'quickstart');

function sh(cwd: string, cmd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', cmd], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
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
class LocalRunner {
  readonly cache: string;
  constructor(
    private readonly origin: string,
    private readonly bin: string,
  ) {
    this.cache = tempDir(undefined, 'mlops-actions-cache-');
  }

  job(event: 'push' | 'pull_request', secrets: Record<string, string> = {}) {
    const ws = tempDir(undefined, 'mlops-runner-');
    fs.rmSync(ws, { recursive: true });
    assert.equal(sh(root, `git clone -q ${JSON.stringify(this.origin)} ${JSON.stringify(ws)}`).code, 0);
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
        PATH: `${this.bin}:${process.env.PATH}`,
      };
      if (step.name === 'Comment on the pull request') {
        // No GitHub here: check the comment would post the report.
        log.push({ name: step.name, code: fs.existsSync(path.join(ws, 'mlops-report/report.md')) ? 0 : 1, out: '' });
        continue;
      }
      const r = sh(ws, subst(step.run!, env), stepEnv);
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

function commitEpochs(repo: string, epochs: number) {
  const f = path.join(repo, 'MLproject');
  fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/epochs: \{type: int, default: \d+\}/, `epochs: {type: int, default: ${epochs}}`));
  assert.equal(sh(repo, `git commit -qam "epochs ${epochs}"`).code, 0);
}

test(
  'the generated workflow, run step by step from fresh clones: first promotes, worse does not, better does; pull requests never promote',
  { timeout: 300_000 },
  () => {
    const repo = tempDir(undefined, 'mlops-origin-');
    const remote = tempDir(undefined, 'mlops-remote-');
    const bin = tempDir(undefined, 'mlops-bin-');
    fs.writeFileSync(path.join(bin, 'mlops'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} "$@"\n`, { mode: 0o755 });
    fs.cpSync(quickstart, repo, { recursive: true, filter: (src) => !src.includes(`${path.sep}.mlops`) });
    const env = { PATH: `${bin}:${process.env.PATH}`, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };
    Object.assign(process.env, { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' });
    const setup = sh(
      repo,
      [
        'git init -q -b main',
        'mlops data init',
        'mlops data add data/train.csv',
        `mlops data remote add -d storage ${JSON.stringify(remote)}`,
        'mlops data push',
        "mlops ci init --model lin --metric final_rmse --mode min --experiment ci --install 'mlops --version'",
        'git add -A',
        'git commit -qm init',
      ].join(' && '),
      env,
    );
    assert.equal(setup.code, 0, setup.out);
    assert.match(setup.out, /wrote \.github\/workflows\/mlops-retrain\.yml/);
    assert.match(setup.out, /remote "storage" is a local folder/);
    const runner = new LocalRunner(repo, bin);

    commitEpochs(repo, 10);
    const first = runner.job('push');
    assert.equal(first.failed, false, first.log.map((l) => `## ${l.name} (${l.code})\n${l.out}`).join('\n'));
    assert.ok(fs.existsSync(path.join(first.ws, 'data/train.csv')), 'the data was pulled into the fresh clone');
    assert.equal(first.decision.promoted, true);
    assert.match(first.outputs, /^exit=0$/m);
    assert.match(first.summary, /## Model lin: promoted/);
    assert.match(first.summary, /is the first @champion/);

    commitEpochs(repo, 3);
    const worse = runner.job('push');
    assert.equal(worse.failed, false, 'not better is not a failure');
    assert.equal(worse.decision.promoted, false);
    assert.equal(worse.decision.champion.version, '1');
    assert.match(worse.outputs, /^exit=3$/m);
    assert.match(worse.summary, /not promoted/);
    assert.match(worse.summary, /\| epochs \| `10` \| `3` \|/);
    assert.deepEqual(worse.decision.candidate.data, worse.decision.champion.data, 'both trained on the same data version');
    assert.equal(worse.decision.dataWarning, undefined);
    const chart = fs.readFileSync(path.join(worse.ws, 'mlops-report/charts/rmse.svg'), 'utf8');
    assert.match(chart, /^<svg[^>]*>[\s\S]*<path [\s\S]*<\/svg>$/);

    commitEpochs(repo, 40);
    const pr = runner.job('pull_request');
    assert.equal(pr.failed, false, pr.log.map((l) => `## ${l.name} (${l.code})\n${l.out}`).join('\n'));
    assert.equal(pr.decision.dryRun, true);
    assert.equal(pr.decision.promoted, true, 'better…');
    assert.match(pr.summary, /would be promoted \(dry run\)/, '…but a pull request only says so');
    assert.ok(pr.log.some((l) => l.name === 'Comment on the pull request' && l.code === 0));

    const better = runner.job('push');
    assert.equal(better.decision.promoted, true);
    assert.equal(better.decision.champion.version, '1', 'the pull request registered nothing');
    assert.equal(better.decision.candidate.version, '3');
    const show = sh(better.ws, 'mlops report --vs lin@champion --format json', { PATH: `${bin}:${process.env.PATH}` });
    assert.equal(show.code, 0, show.out);
    assert.equal(JSON.parse(show.out).runs[0].role, '@champion (v3)');
  },
);
