import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp';
import { cli, commitEpochs, GIT_ENV, LocalRunner, log, mlopsBin, quickstart, sh } from './workflowRunner';

test(
  'the generated workflow, run step by step from fresh clones: first promotes, worse does not, better does; pull requests never promote',
  { timeout: 300_000 },
  async () => {
    const repo = tempDir(undefined, 'mlops-origin-');
    const remote = tempDir(undefined, 'mlops-remote-');
    const bin = mlopsBin();
    fs.cpSync(quickstart, repo, { recursive: true, filter: (src) => !src.includes(`${path.sep}.mlops`) });
    const env = { PATH: `${bin}:${process.env.PATH}`, ...GIT_ENV };
    Object.assign(process.env, GIT_ENV);
    const setup = await sh(
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

    await commitEpochs(repo, 10);
    const first = await runner.job('push');
    assert.equal(first.failed, false, log(first));
    assert.ok(fs.existsSync(path.join(first.ws, 'data/train.csv')), 'the data was pulled into the fresh clone');
    assert.equal(first.decision.promoted, true);
    assert.match(first.outputs, /^exit=0$/m);
    assert.match(first.summary, /## Model lin: promoted/);
    assert.match(first.summary, /is the first @champion/);

    await commitEpochs(repo, 3);
    const worse = await runner.job('push');
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

    await commitEpochs(repo, 40);
    const pr = await runner.job('pull_request');
    assert.equal(pr.failed, false, log(pr));
    assert.equal(pr.decision.dryRun, true);
    assert.equal(pr.decision.promoted, true, 'better…');
    assert.match(pr.summary, /would be promoted \(dry run\)/, '…but a pull request only says so');
    assert.ok(pr.log.some((l) => l.name === 'Comment on the pull request' && l.code === 0));

    const better = await runner.job('push');
    assert.equal(better.decision.promoted, true);
    assert.equal(better.decision.champion.version, '1', 'the pull request registered nothing');
    assert.equal(better.decision.candidate.version, '3');
    const show = await sh(better.ws, 'mlops report --vs lin@champion --format json', { PATH: `${bin}:${process.env.PATH}` });
    assert.equal(show.code, 0, show.out);
    assert.equal(JSON.parse(show.out).runs[0].role, '@champion (v3)');
  },
);

/** `mlops server` over a folder of its own, in a child process: the team's MLflow server for the workflow. */
async function teamServer(): Promise<{ url: string; token: string; ws: string; stop(): Promise<void> }> {
  const ws = tempDir(undefined, 'mlops-team-');
  const token = 'team-secret-token';
  const child = spawn(process.execPath, [cli, 'server', '--workspace', ws, '--token', token], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!/MLFLOW_TRACKING_URI=(\S+)/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`mlops server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /MLFLOW_TRACKING_URI=(\S+)/.exec(out)![1];
  return {
    url,
    token,
    ws,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

test(
  "with the MLFLOW_TRACKING_URI secret the workflow trains, compares and promotes on the team's server; nothing lands on the runner; a server that is down fails the job",
  { timeout: 300_000 },
  async (t) => {
    const team = await teamServer();
    t.after(() => team.stop());
    const repo = tempDir(undefined, 'mlops-origin-');
    const bin = mlopsBin();
    fs.cpSync(quickstart, repo, { recursive: true, filter: (src) => !src.includes(`${path.sep}.mlops`) });
    Object.assign(process.env, GIT_ENV);
    const env = { PATH: `${bin}:${process.env.PATH}`, ...GIT_ENV };
    const setup = await sh(
      repo,
      [
        'git init -q -b main',
        "mlops ci init --model lin --metric final_rmse --mode min --experiment ci --install 'mlops --version'",
        'git add -A',
        'git commit -qm init',
      ].join(' && '),
      env,
    );
    assert.equal(setup.code, 0, setup.out);
    assert.match(setup.out, /MLFLOW_TRACKING_URI \(optional\)/);
    const runner = new LocalRunner(repo, bin);
    const secrets = { MLFLOW_TRACKING_URI: team.url, MLFLOW_TRACKING_TOKEN: team.token };
    const onTeam = { ...env, MLFLOW_TRACKING_URI: team.url, MLFLOW_TRACKING_TOKEN: team.token };

    await commitEpochs(repo, 10);
    const first = await runner.job('push', secrets);
    assert.equal(first.failed, false, log(first));
    assert.equal(first.decision.promoted, true, log(first));
    assert.match(first.log.find((l) => l.name === 'Train')!.out, /logging to the team server/);
    assert.ok(!fs.existsSync(path.join(runner.cache, 'store')), 'no store travels in the cache: the team server holds it');
    assert.ok(!fs.existsSync(path.join(first.ws, '.mlops', 'store.snapshot')), 'no local store on the runner');
    const models = await sh(repo, 'mlops models show lin --json', onTeam);
    assert.equal(models.code, 0, models.out);
    assert.match(models.out, /"champion"/, "the team's registry holds the champion");

    await commitEpochs(repo, 3);
    const worse = await runner.job('push', secrets);
    assert.equal(worse.failed, false, log(worse));
    assert.equal(worse.decision.promoted, false);
    assert.equal(worse.decision.champion.version, '1');
    assert.match(worse.outputs, /^exit=3$/m);
    assert.match(worse.summary, /\| epochs \| `10` \| `3` \|/, "the report compares the team's champion run with the candidate");
    assert.ok(fs.existsSync(path.join(worse.ws, 'mlops-report/charts/rmse.svg')), 'history charts read from the team server');
    const report = await sh(repo, 'mlops report --vs lin@champion --format json', onTeam);
    assert.equal(report.code, 0, report.out);
    assert.equal(JSON.parse(report.out.slice(report.out.indexOf('{'))).runs[0].role, '@champion (v1)');

    await team.stop();
    const down = await runner.job('push', secrets);
    assert.equal(down.failed, true, 'a team server that does not answer fails the job…');
    assert.match(log(down), /with --no-offline nothing was logged/, '…with the reason, instead of logging on the runner');
    assert.equal(down.decision, undefined);
  },
);
