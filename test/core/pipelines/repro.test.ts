import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { StoreTracker } from '../../../src/core/launch';
import { openStore } from '../../../src/core/openStore';
import { PipelineGraphError, reproduce, type ReproResult } from '../../../src/core/pipelines';
import * as T from '../../../src/core/tracking';
import { open, repoWith, write } from './helpers';

const THREE = {
  'params.yaml': 'prep:\n  factor: 2\ntrain:\n  lr: 0.1\neval:\n  k: 5\n',
  'raw.txt': 'raw data\n',
  'dvc.yaml': `stages:
  prepare:
    cmd: echo prep-\${prep.factor} > prepared.txt && cat raw.txt >> prepared.txt
    deps: [raw.txt]
    params: [prep.factor]
    outs: [prepared.txt]
  train:
    cmd: cat prepared.txt > model.txt && echo trained >> model.txt
    deps: [prepared.txt]
    params: [train.lr]
    outs: [model.txt]
  evaluate:
    cmd: 'echo "{\\"acc\\": 0.9, \\"loss\\": {\\"val\\": 0.25}}" > metrics.json'
    deps: [model.txt]
    params: [eval.k]
    metrics:
    - metrics.json:
        cache: false
`,
};

const actions = (r: ReproResult) => Object.fromEntries(r.outcomes.map((o) => [o.stage, o.action]));

test('changing one param reruns exactly the stages downstream of it', async () => {
  const dir = repoWith(THREE);
  assert.deepEqual(actions(await reproduce(open(dir))), { prepare: 'ran', train: 'ran', evaluate: 'ran' });
  assert.deepEqual(actions(await reproduce(open(dir))), { prepare: 'skipped', train: 'skipped', evaluate: 'skipped' });
  write(dir, { 'params.yaml': THREE['params.yaml'].replace('lr: 0.1', 'lr: 0.2') });
  const st = await open(dir).status();
  assert.deepEqual(
    st.map((s) => [s.stage.name, s.state, s.changes.map((c) => `${c.kind}:${c.path}:${c.key ?? ''}:${c.state}`)]),
    [
      ['prepare', 'up-to-date', []],
      ['train', 'changed', ['param:params.yaml:train.lr:modified']],
      ['evaluate', 'up-to-date', []],
    ],
  );
  const before = fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8');
  // train's output comes out identical, so evaluate (whose dep did not change) stays skipped, as in DVC.
  assert.deepEqual(actions(await reproduce(open(dir))), { prepare: 'skipped', train: 'ran', evaluate: 'skipped' });
  const after = fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8');
  assert.equal(after, before.replace('train.lr: 0.1', 'train.lr: 0.2'));
  // A param interpolated into prepare's command changes the command and everything after it.
  write(dir, { 'params.yaml': THREE['params.yaml'].replace('factor: 2', 'factor: 3') });
  const st2 = await open(dir).status(['prepare']);
  assert.deepEqual(st2[0].changes.map((c) => c.kind).sort(), ['cmd', 'param']);
  assert.deepEqual(actions(await reproduce(open(dir))), { prepare: 'ran', train: 'ran', evaluate: 'ran' });
});

test('targets, --downstream, --single-item, --dry and --force', async () => {
  const dir = repoWith(THREE);
  assert.deepEqual(actions(await reproduce(open(dir), { targets: ['train'] })), { prepare: 'ran', train: 'ran' });
  assert.deepEqual(actions(await reproduce(open(dir), { targets: ['train'], downstream: true, dry: true })), { train: 'skipped', evaluate: 'would-run' });
  assert.ok(!fs.existsSync(path.join(dir, 'metrics.json')), 'dry runs nothing');
  fs.writeFileSync(path.join(dir, 'raw.txt'), 'new raw\n');
  const dry = await reproduce(open(dir), { dry: true });
  assert.deepEqual(actions(dry), { prepare: 'would-run', train: 'would-run', evaluate: 'would-run' });
  assert.deepEqual(dry.outcomes[0].changes, [{ kind: 'dep', path: 'raw.txt', state: 'modified' }]);
  assert.deepEqual(actions(await reproduce(open(dir), { targets: ['evaluate'], singleItem: true })), { evaluate: 'ran' });
  // model.txt changes with the new raw data, so evaluate (run above on the old model) runs again.
  assert.deepEqual(actions(await reproduce(open(dir))), { prepare: 'ran', train: 'ran', evaluate: 'ran' });
  assert.deepEqual(actions(await reproduce(open(dir), { force: true, runCache: false })), { prepare: 'ran', train: 'ran', evaluate: 'ran' });
  await assert.rejects(reproduce(open(dir), { targets: ['nope'] }), /no stage named 'nope'/);
});

test('run-cache: going back to earlier inputs restores their outputs instead of running', async () => {
  const dir = repoWith({
    'params.yaml': 'n: 1\n',
    'in.txt': 'x\n',
    'dvc.yaml':
      'stages:\n  count:\n    cmd: echo "$(cat in.txt) ${n}" > out.txt && echo ran >> runs.log\n    deps: [in.txt]\n    params: [n]\n    outs: [out.txt]\n',
  });
  const runs = () => fs.readFileSync(path.join(dir, 'runs.log'), 'utf8').split('\n').filter(Boolean).length;
  await reproduce(open(dir));
  write(dir, { 'params.yaml': 'n: 2\n' });
  await reproduce(open(dir));
  assert.equal(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8'), 'x 2\n');
  write(dir, { 'params.yaml': 'n: 1\n' });
  const r = await reproduce(open(dir));
  assert.equal(r.outcomes[0].action, 'restored');
  assert.equal(runs(), 2, 'the command did not run again');
  assert.equal(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8'), 'x 1\n');
  assert.deepEqual(
    (await open(dir).status()).map((s) => s.state),
    ['up-to-date'],
  );
  // DVC's layout: .dvc/cache/runs/<key[:2]>/<key>/<value>
  const keys = fs.readdirSync(path.join(dir, '.dvc/cache/runs')).flatMap((p) => fs.readdirSync(path.join(dir, '.dvc/cache/runs', p)));
  assert.equal(keys.length, 2);
  assert.ok(keys.every((k) => /^[0-9a-f]{64}$/.test(k)));
  assert.equal((await reproduce(open(dir), { force: true })).outcomes[0].action, 'ran', '--force always runs');
  assert.equal(runs(), 3);
});

test('foreach and matrix stages run, and a group name selects all its members', async () => {
  const dir = repoWith({
    'dvc.yaml': `stages:
  gen:
    foreach: [a, b]
    do:
      cmd: echo \${item} > \${item}.txt
      outs:
      - \${item}.txt
  combine:
    matrix:
      src: [a, b]
      n: [1, 2]
    cmd: cat \${item.src}.txt > \${key}.out && echo \${item.n} >> \${key}.out
    deps:
    - \${item.src}.txt
    outs:
    - \${key}.out
`,
  });
  const repo = open(dir);
  assert.deepEqual([...repo.dag.upstream.get('combine@b-2')!], ['gen@b']);
  assert.deepEqual(actions(await reproduce(repo, { targets: ['combine'], jobs: 2 })), {
    'gen@a': 'ran',
    'gen@b': 'ran',
    'combine@a-1': 'ran',
    'combine@a-2': 'ran',
    'combine@b-1': 'ran',
    'combine@b-2': 'ran',
  });
  assert.equal(fs.readFileSync(path.join(dir, 'b-2.out'), 'utf8'), 'b\n2\n');
  const lock = fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8');
  assert.match(lock, /^ {2}combine@b-2:\n {4}cmd: cat b\.txt > b-2\.out && echo 2 >> b-2\.out\n/m);
});

test('independent stages run in parallel with jobs > 1', async () => {
  const wait = (me: string, other: string) =>
    `touch ${me}.started; i=0; while [ ! -e ${other}.started ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; if [ -e ${other}.started ]; then echo together > ${me}.out; else echo alone > ${me}.out; fi`;
  const dir = repoWith({
    'dvc.yaml': `stages:\n  a:\n    cmd: ${JSON.stringify(wait('a', 'b'))}\n    outs: [a.out]\n  b:\n    cmd: ${JSON.stringify(wait('b', 'a'))}\n    outs: [b.out]\n`,
  });
  await reproduce(open(dir), { jobs: 2 });
  assert.equal(fs.readFileSync(path.join(dir, 'a.out'), 'utf8'), 'together\n');
  assert.equal(fs.readFileSync(path.join(dir, 'b.out'), 'utf8'), 'together\n');
});

test('cycles and overlapping outputs are refused with the stages named', () => {
  const cyc = repoWith({
    'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    deps: [b.txt]\n    outs: [a.txt]\n  b:\n    cmd: y\n    deps: [a.txt]\n    outs: [b.txt]\n',
  });
  assert.throws(
    () => open(cyc),
    (e: Error) => e instanceof PipelineGraphError && /cycle: (a -> b -> a|b -> a -> b)/.test(e.message),
  );
  const self = repoWith({ 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    deps: [data]\n    outs: [data/out]\n' });
  assert.throws(() => open(self), /cycle: a -> a/);
  const overlap = repoWith({ 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    outs: [data]\n  b:\n    cmd: y\n    outs: [data/sub]\n' });
  assert.throws(() => open(overlap), /outputs overlap: 'data' \(stage 'a'\) and 'data\/sub' \(stage 'b'\)/);
  const twice = repoWith({ 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    outs: [o]\n  b:\n    cmd: y\n    outs: [o]\n' });
  assert.throws(() => open(twice), /outputs is written by two stages: 'o'/);
});

test('a failing command or a missing output fails the stage, stops the pipeline and keeps the lock', async () => {
  const dir = repoWith({
    'in.txt': 'x',
    'dvc.yaml':
      'stages:\n  a:\n    cmd: cp in.txt a.txt\n    deps: [in.txt]\n    outs: [a.txt]\n  b:\n    cmd: exit 3\n    deps: [a.txt]\n    outs: [b.txt]\n  c:\n    cmd: cp b.txt c.txt\n    deps: [b.txt]\n    outs: [c.txt]\n',
  });
  const r = await reproduce(open(dir));
  assert.deepEqual(actions(r), { a: 'ran', b: 'failed', c: 'not-run' });
  assert.match(r.outcomes[1].reason!, /command 'exit 3' exited with code 3/);
  assert.equal(r.ok, false);
  const lock = fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8');
  assert.ok(lock.includes('  a:\n') && !lock.includes('  b:\n'));
  write(dir, { 'dvc.yaml': 'stages:\n  a:\n    cmd: "true"\n    deps: [in.txt]\n    outs: [nothing.txt]\n' });
  const r2 = await reproduce(open(dir));
  assert.match(r2.outcomes[0].reason!, /output 'nothing.txt' was not created/);
  const missingDep = repoWith({ 'dvc.yaml': 'stages:\n  a:\n    cmd: "true"\n    deps: [gone.txt]\n    outs: [x]\n' });
  assert.match((await reproduce(open(missingDep))).outcomes[0].reason!, /dependency 'gone.txt' does not exist/);
});

test('stage runs are child runs of a pipeline run with params, dep hashes as inputs and declared metrics', async () => {
  const dir = repoWith(THREE);
  const store = await openStore(dir);
  try {
    const tracker = new StoreTracker(store, { url: 'http://127.0.0.1:9', token: 't' });
    const r = await reproduce(open(dir), { tracking: { tracker, workspace: dir, experimentName: 'pipes' } });
    assert.ok(r.pipelineRunId);
    const parent = T.getRun(store, r.pipelineRunId!);
    assert.equal(parent.info.status, 'FINISHED');
    const runs = Object.fromEntries(r.outcomes.map((o) => [o.stage, T.getRun(store, o.runId!)]));
    for (const run of Object.values(runs)) {
      assert.equal(run.data.tags.find((t) => t.key === 'mlflow.parentRunId')?.value, r.pipelineRunId);
      assert.equal(run.info.status, 'FINISHED');
      assert.equal(run.info.experiment_id, parent.info.experiment_id);
    }
    assert.deepEqual(runs.train.data.params, [{ key: 'train.lr', value: '0.1' }]);
    const input = runs.train.inputs.dataset_inputs[0].dataset;
    const lock = fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8');
    assert.equal(input.name, 'prepared.txt');
    assert.ok(lock.includes(`md5: ${input.digest}`));
    const metrics = Object.fromEntries(runs.evaluate.data.metrics.map((m) => [m.key, m.value]));
    assert.deepEqual(metrics, { acc: 0.9, 'loss/val': 0.25 });
    const art = T.artifactDirOf(dir, runs.evaluate.info.artifact_uri)!;
    assert.ok(fs.existsSync(path.join(art, 'metrics', 'metrics.json')));
    assert.ok(fs.readFileSync(path.join(art, 'stdout.log'), 'utf8').length >= 0);
  } finally {
    store.close();
  }
});

test('cancel stops the running stage: its run is KILLED and dvc.lock is unchanged', async () => {
  const dir = repoWith({
    'in.txt': 'x',
    'dvc.yaml': 'stages:\n  slow:\n    cmd: touch started && sleep 30 && cp in.txt out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n',
  });
  const store = await openStore(dir);
  try {
    const tracker = new StoreTracker(store, { url: 'http://127.0.0.1:9', token: 't' });
    const ac = new AbortController();
    const started = new Promise<void>((res) => {
      const t = setInterval(() => fs.existsSync(path.join(dir, 'started')) && (clearInterval(t), res()), 20);
    });
    const p = reproduce(open(dir), { signal: ac.signal, tracking: { tracker, workspace: dir } });
    await started;
    ac.abort();
    const r = await p;
    assert.equal(r.outcomes[0].action, 'killed');
    assert.equal(T.getRun(store, r.outcomes[0].runId!).info.status, 'KILLED');
    assert.equal(T.getRun(store, r.pipelineRunId!).info.status, 'KILLED');
    assert.ok(!fs.existsSync(path.join(dir, 'dvc.lock')));
    assert.ok(!fs.existsSync(path.join(dir, 'out.txt')));
  } finally {
    store.close();
  }
});

test('a command with no deps or outputs runs every time (DVC callback stage); frozen stages never run', async () => {
  const dir = repoWith({
    'dvc.yaml': 'stages:\n  ping:\n    cmd: echo x >> pings.log\n  frozen:\n    cmd: echo y > f.txt\n    outs: [f.txt]\n    frozen: true\n',
  });
  fs.writeFileSync(path.join(dir, 'f.txt'), 'y\n');
  const first = await reproduce(open(dir));
  assert.deepEqual(actions(first), { ping: 'ran', frozen: 'skipped' });
  assert.deepEqual(actions(await reproduce(open(dir))), { ping: 'ran', frozen: 'skipped' });
  assert.equal(fs.readFileSync(path.join(dir, 'pings.log'), 'utf8'), 'x\nx\n');
  fs.rmSync(path.join(dir, 'f.txt'));
  const r = await reproduce(open(dir), { targets: ['frozen'] });
  assert.match(r.outcomes[0].reason!, /is frozen and its output 'f.txt' is missing/);
});

test('status follows DVC: an output whose object left the cache is "not in cache", then deleted/modified', async () => {
  const dir = repoWith({ 'in.txt': 'x', 'dvc.yaml': 'stages:\n  a:\n    cmd: cp in.txt out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n' });
  await reproduce(open(dir));
  const objects = path.join(dir, '.dvc/cache/files/md5');
  for (const d of fs.readdirSync(objects)) fs.rmSync(path.join(objects, d), { recursive: true, force: true });
  const st = await open(dir).status();
  assert.deepEqual(st[0].changes, [{ kind: 'out', path: 'out.txt', state: 'not in cache' }]);
  assert.equal((await reproduce(open(dir))).outcomes[0].action, 'ran');
  fs.rmSync(path.join(dir, 'out.txt'));
  assert.deepEqual((await open(dir).status())[0].changes, [{ kind: 'out', path: 'out.txt', state: 'deleted' }]);
});
