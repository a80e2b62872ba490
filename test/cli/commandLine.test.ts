import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/core/openStore';
import * as R from '../../src/core/registry';
import * as T from '../../src/core/tracking';
import { tempDir } from '../helpers/tmp';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist', 'cli.js');

// dist/cli.js is built by scripts/run-node-tests.mjs before the integration stage. Output is a pipe, never a TTY.
function mlops(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const env = { ...process.env, ...opts.env };
  delete env.FORCE_COLOR;
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: opts.cwd, env });
}

test('list commands on a folder without a store print an empty list and exit 0', () => {
  const ws = tempDir();
  for (const cmd of [
    ['experiments', 'list'],
    ['runs', 'list'],
    ['models', 'list'],
  ]) {
    const json = mlops([...cmd, '--json', '--workspace', ws]);
    assert.equal(json.status, 0, `${cmd.join(' ')}: ${json.stderr}`);
    assert.deepEqual(JSON.parse(json.stdout), []);
    const text = mlops(cmd, { cwd: ws });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^No (experiments|runs|registered models) in /);
  }
  assert.ok(!fs.existsSync(path.join(ws, '.mlops')), 'reading created nothing');
  const typo = mlops(['runs', 'list', '--workspace', path.join(ws, 'typo')]);
  assert.equal(typo.status, 1);
  assert.match(typo.stderr, /workspace folder .*typo does not exist/);
});

test('store recover and snapshot refuse a folder with no store and create nothing there', () => {
  const ws = tempDir();
  for (const cmd of ['recover', 'snapshot']) {
    const r = mlops(['store', cmd, '--workspace', ws]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /no MLOps store in/);
    assert.doesNotMatch(r.stdout, /intact/);
    const missing = mlops(['store', cmd, '--workspace', path.join(ws, 'typo')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /does not exist/);
  }
  assert.deepEqual(fs.readdirSync(ws), []);
  assert.ok(!fs.existsSync(path.join(ws, 'typo')));
});

test('--workspace is accepted before the command name too', async () => {
  const ws = tempDir();
  const s = await openStore(ws);
  T.createRun(s, { run_name: 'before-the-command' });
  s.close();
  const r = mlops(['--workspace', ws, 'runs', 'list']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /before-the-command/);
  // After the command it still works, and the command's own --workspace wins over the global one.
  const other = tempDir();
  const both = mlops(['--workspace', other, 'runs', 'list', '--workspace', ws, '--json']);
  assert.equal(both.status, 0, both.stderr);
  assert.equal(JSON.parse(both.stdout)[0].info.run_name, 'before-the-command');
  const data = mlops(['--workspace', ws, 'data', 'init']);
  assert.equal(data.status, 0, data.stderr);
  assert.ok(fs.existsSync(path.join(ws, '.dvc', 'config')));
});

test('unknown commands and options print one line and a hint, not the whole help', () => {
  const top = mlops(['frobnicate']);
  assert.equal(top.status, 2);
  assert.equal(top.stdout, '');
  assert.deepEqual(top.stderr.trim().split('\n'), ["error: unknown command 'frobnicate'", '(run "mlops --help" for usage)']);
  const sub = mlops(['runs', 'lst']);
  assert.equal(sub.status, 2);
  assert.match(sub.stderr, /unknown command 'lst'/);
  assert.match(sub.stderr, /run "mlops runs --help" for usage/);
  assert.doesNotMatch(sub.stderr, /Usage:|Commands:|Options:/);
  const opt = mlops(['data', 'remote', 'list', '--bogus']);
  assert.equal(opt.status, 2);
  assert.match(opt.stderr, /unknown option '--bogus'\n\(run "mlops data remote list --help" for usage\)/);
});

function project(dir: string): string {
  const p = path.join(dir, 'proj');
  fs.mkdirSync(path.join(p, 'data'), { recursive: true });
  fs.writeFileSync(path.join(p, 'data', 'train.csv'), 'x\n1\n');
  fs.writeFileSync(
    path.join(p, 'MLproject'),
    'name: proj\nentry_points:\n  main:\n    parameters:\n      data: {type: path, default: data/train.csv}\n    command: "echo data={data}"\n',
  );
  return p;
}

test('mlops run from another folder resolves a relative path default against the project, a -P path against the cwd', () => {
  const dir = tempDir();
  const p = project(dir);
  const dry = mlops(['run', 'proj', '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`echo data=${path.join(p, 'data', 'train.csv').replace(/[.]/g, '\\.')}`));
  // A path typed by the user is relative to where it is typed, as with mlflow run.
  fs.writeFileSync(path.join(dir, 'other.csv'), 'x\n2\n');
  const given = mlops(['run', 'proj', '--dry-run', '-P', 'data=other.csv'], { cwd: dir });
  assert.equal(given.status, 0, given.stderr);
  assert.match(given.stdout, new RegExp(`echo data=${path.join(dir, 'other.csv').replace(/[.]/g, '\\.')}`));
  const wrong = mlops(['run', 'proj', '--dry-run', '-P', 'data=data/train.csv'], { cwd: dir });
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /no such file or directory was found/);
});

test('mlops run prints no ANSI colours when output is not a terminal, or when NO_COLOR is set', () => {
  const dir = tempDir();
  project(dir);
  const r = mlops(['run', 'proj', '--env-manager', 'local', '--workspace', dir], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\$ echo data=/);
  assert.match(r.stdout, /data=.*train\.csv/);
  assert.doesNotMatch(r.stdout + r.stderr, /\x1b\[/);
  // NO_COLOR wins over FORCE_COLOR.
  const env = { ...process.env, FORCE_COLOR: '1', NO_COLOR: '1' };
  const noColour = spawnSync(process.execPath, [cli, 'run', 'proj', '--env-manager', 'local', '--workspace', dir], { cwd: dir, env, encoding: 'utf8' });
  assert.equal(noColour.status, 0, noColour.stderr);
  assert.doesNotMatch(noColour.stdout, /\x1b\[/);
  const coloured = spawnSync(process.execPath, [cli, 'run', 'proj', '--env-manager', 'local', '--workspace', dir], {
    cwd: dir,
    env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '' },
    encoding: 'utf8',
  });
  assert.match(coloured.stdout, /\x1b\[1m\$ echo/, 'FORCE_COLOR keeps the styles, so the checks above can tell');
});

test('mlops models list and show print the registry, with --json', async () => {
  const ws = tempDir();
  const s = await openStore(ws);
  const run = T.createRun(s, { run_name: 'trainer' });
  R.createRegisteredModel(s, { name: 'churn', description: 'predicts churn', tags: [{ key: 'team', value: 'ml' }] });
  R.createModelVersion(s, { name: 'churn', source: 'runs:/x/model', run_id: run.info.run_id });
  R.createModelVersion(s, { name: 'churn', source: 'runs:/y/model', run_id: run.info.run_id });
  R.setRegisteredModelAlias(s, 'churn', 'champion', '1');
  R.createRegisteredModel(s, { name: 'empty' });
  s.close();
  const list = mlops(['models', 'list', '--workspace', ws]);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^NAME\s+LATEST\s+ALIASES/);
  assert.match(list.stdout, /churn\s+2\s+@champion→v1\s+\S+ \S+\s+predicts churn/);
  assert.match(list.stdout, /\nempty\s/);
  const json = JSON.parse(mlops(['models', 'list', '--json', '--workspace', ws]).stdout);
  assert.deepEqual(
    json.map((m: R.RegisteredModel) => m.name),
    ['churn', 'empty'],
  );
  assert.deepEqual(json[0].aliases, [{ alias: 'champion', version: '1' }]);
  const show = mlops(['models', 'show', 'churn', '--workspace', ws]);
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /Model churn\n\s+description\s+predicts churn/);
  assert.match(show.stdout, /tags\s+team=ml/);
  assert.match(show.stdout, /\n\s+2\s+None\s+READY\s+\S+/);
  assert.match(show.stdout, /\n\s+1\s+None\s+READY\s+@champion\s+/);
  const showJson = JSON.parse(mlops(['models', 'show', 'churn', '--json', '--workspace', ws]).stdout);
  assert.equal(showJson.registered_model.name, 'churn');
  assert.deepEqual(
    showJson.model_versions.map((v: R.ModelVersion) => v.version),
    ['2', '1'],
  );
  const missing = mlops(['models', 'show', 'nope', '--workspace', ws]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope/);
});
