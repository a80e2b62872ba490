import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { openStore } from '../../src/core/openStore';
import * as T from '../../src/core/tracking';
import { tempDir } from '../helpers/tmp';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist', 'cli.js');

// dist/cli.js is built by scripts/run-node-tests.mjs before the integration stage.
function mlops(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

test('mlops experiments list / runs list / runs show read the store, even while another process owns it', async () => {
  const ws = tempDir();
  const s = await openStore(ws);
  const exp = T.createExperiment(s, { name: 'demo' });
  const run = T.createRun(s, { experiment_id: exp, run_name: 'first' });
  T.logBatch(s, run.info.run_id, { params: [{ key: 'alpha', value: '0.5' }], metrics: [{ key: 'rmse', value: NaN, timestamp: 1, step: 3 }] });
  T.createRun(s, { run_name: 'in-default' });
  await s.durable(); // acknowledged: on disk, so other processes see it
  // The store stays open (owned by this process): the CLI must read it read-only.
  try {
    const exps = mlops(['experiments', 'list', '--workspace', ws]);
    assert.equal(exps.status, 0, exps.stderr);
    assert.match(exps.stdout, /demo\s+1\s+active/);
    const list = JSON.parse(mlops(['runs', 'list', '--workspace', ws, '--experiment', 'demo', '--json']).stdout);
    assert.equal(list.length, 1);
    assert.equal(list[0].info.run_name, 'first');
    assert.equal(list[0].data.metrics[0].value, 'NaN');
    const all = mlops(['runs', 'list', '--workspace', ws]);
    assert.match(all.stdout, /first/);
    assert.match(all.stdout, /in-default/);
    const show = mlops(['runs', 'show', run.info.run_id.slice(0, 8), '--workspace', ws]);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /alpha\s+0\.5/);
    assert.match(show.stdout, /rmse\s+NaN\s+\(step 3\)/);
  } finally {
    s.close();
  }
});

test('mlops reports bad input clearly with non-zero exit codes', async () => {
  const ws = tempDir();
  const none = mlops(['runs', 'show', 'ffff', '--workspace', ws]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no MLOps store in/);
  const s = await openStore(ws);
  s.close();
  const unknown = mlops(['runs', 'show', 'ffff', '--workspace', ws]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /no run with id "ffff"/);
  const noExp = mlops(['runs', 'list', '--experiment', 'nope', '--workspace', ws]);
  assert.match(noExp.stderr, /no experiment named "nope"/);
  const usage = mlops(['runs', 'frobnicate']);
  assert.equal(usage.status, 2);
  const help = mlops(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /experiments/);
});
