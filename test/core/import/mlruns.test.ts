import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { importMlflow, isWalHeader, openMlflowSource, NotAnMlflowSource, type ImportSummary } from '../../../src/core/import';
import { openStore, type Store } from '../../../src/core/openStore';
import * as R from '../../../src/core/registry';
import * as T from '../../../src/core/tracking';
import { loadSqlJs } from '../../../src/core/store/sqljs';
import { tempDir } from '../../helpers/tmp';

const T0 = 1714000000000;
const PARENT = 'a1'.repeat(16);
const CHILD = 'c1'.repeat(16);
const GONE = 'de'.repeat(16);
const TRASHED = '0d'.repeat(16);

function write(file: string, text: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** An mlruns folder as MLflow's FileStore writes it (PyYAML safe_dump, keys sorted, status as an int enum). */
function writeMlruns(root: string) {
  const expMeta = (id: string, name: string, stage: string, t: number) =>
    `artifact_location: ${pathToFileURL(path.join(root, id)).href}\ncreation_time: ${t}\nexperiment_id: '${id}'\nlast_update_time: ${t + 5}\nlifecycle_stage: ${stage}\nname: ${name}\n`;
  const runMeta = (
    dir: string,
    exp: string,
    id: string,
    name: string,
    status: number,
    start: number,
    end: number | null,
    stage = 'active',
    deleted: number | null = null,
  ) =>
    write(
      path.join(dir, id, 'meta.yaml'),
      `artifact_uri: ${pathToFileURL(path.join(dir, id, 'artifacts')).href}\ndeleted_time: ${deleted ?? 'null'}\nend_time: ${end ?? 'null'}\nentry_point_name: ''\n` +
        `experiment_id: '${exp}'\nlifecycle_stage: ${stage}\nrun_id: ${id}\nrun_name: ${name}\nrun_uuid: ${id}\nsource_name: ''\nsource_type: 4\nsource_version: ''\n` +
        `start_time: ${start}\nstatus: ${status}\ntags: []\nuser_id: alice\n`,
    );
  write(path.join(root, '0', 'meta.yaml'), expMeta('0', 'Default', 'active', T0 - 1000));
  write(path.join(root, '1', 'meta.yaml'), expMeta('1', 'mnist', 'active', T0));
  write(path.join(root, '1', 'tags', 'mlflow.note.content'), 'Digits, small CNN');
  const e1 = path.join(root, '1');
  runMeta(e1, '1', PARENT, 'sweep', 3, T0 + 1000, T0 + 90000);
  runMeta(e1, '1', CHILD, 'lr-0.01', 4, T0 + 2000, T0 + 40000);
  runMeta(e1, '1', GONE, 'thrown-away', 5, T0 + 3000, T0 + 4000, 'deleted', T0 + 5000);
  for (const [id, name] of [
    [PARENT, 'sweep'],
    [CHILD, 'lr-0.01'],
    [GONE, 'thrown-away'],
  ]) {
    write(path.join(e1, id, 'tags', 'mlflow.runName'), name);
    write(path.join(e1, id, 'tags', 'mlflow.user'), 'alice');
  }
  write(path.join(e1, CHILD, 'tags', 'mlflow.parentRunId'), PARENT);
  write(path.join(e1, CHILD, 'params', 'lr'), '0.01');
  write(path.join(e1, CHILD, 'params', 'model', 'layers'), '[32, 64]');
  // Python's str(float): nan, inf; the oldest files have no step column.
  write(path.join(e1, CHILD, 'metrics', 'loss'), `${T0 + 2000} 2.0 0\n${T0 + 2100} 1.0 1\n${T0 + 2200} nan 2\n${T0 + 2300} 0.5 3\n`);
  write(path.join(e1, CHILD, 'metrics', 'train', 'acc'), `${T0 + 2000} 0.5 0\n${T0 + 2100} inf 1\n${T0 + 2200} -inf 2\n`);
  write(path.join(e1, PARENT, 'metrics', 'best_loss'), `${T0 + 80000} 0.3\n${T0 + 85000} 0.2\n`);
  write(path.join(e1, CHILD, 'artifacts', 'model', 'MLmodel'), 'flavors: {}\n');
  write(path.join(e1, CHILD, 'artifacts', 'plot.txt'), 'a plot');
  // A dataset input: <exp>/datasets/<id>/meta.yaml and <run>/inputs/<id>/meta.yaml
  write(
    path.join(e1, 'datasets', 'd5e7', 'meta.yaml'),
    'digest: 3c7e9a1f\nname: mnist-train\nprofile: \'{"num_rows": 60000}\'\nschema: null\nsource: /data/mnist\nsource_type: local\n',
  );
  write(
    path.join(e1, CHILD, 'inputs', 'i9', 'meta.yaml'),
    `destination_id: d5e7\ndestination_type: RUN\nsource_id: d5e7\nsource_type: DATASET\ntags:\n  mlflow.data.context: training\n`,
  );
  // A deleted experiment lives in .trash, its runs deleted with it.
  const trash = path.join(root, '.trash');
  write(path.join(trash, '2', 'meta.yaml'), expMeta('2', 'old-exp', 'deleted', T0 + 1));
  runMeta(path.join(trash, '2'), '2', TRASHED, 'from-old', 3, T0 + 100, T0 + 200, 'deleted', T0 + 300);
  write(path.join(trash, '2', TRASHED, 'params', 'seed'), '7');
  // The registry.
  const m = path.join(root, 'models', 'mnist-classifier');
  write(
    path.join(m, 'meta.yaml'),
    `creation_timestamp: ${T0 + 95000}\ndescription: CNN for digits\nlast_updated_timestamp: ${T0 + 99000}\nname: mnist-classifier\n`,
  );
  write(path.join(m, 'tags', 'owner'), 'vision');
  write(path.join(m, 'aliases', 'champion'), '2');
  const ver = (v: number, stage: string, run: string) =>
    write(
      path.join(m, `version-${v}`, 'meta.yaml'),
      `creation_timestamp: ${T0 + 95000 + v}\ncurrent_stage: ${stage}\ndescription: ''\nlast_updated_timestamp: ${T0 + 98000 + v}\nname: mnist-classifier\n` +
        `run_id: ${run}\nrun_link: ''\nsource: models:/m-${v}\nstatus: READY\nstatus_message: null\nstorage_location: null\nuser_id: bob\nversion: ${v}\n`,
    );
  ver(1, 'Archived', PARENT);
  ver(2, 'Production', CHILD);
  write(path.join(m, 'version-2', 'tags', 'validated'), 'true');
}

async function setup(t: { after: (fn: () => void) => void }) {
  const base = tempDir();
  const mlruns = path.join(base, 'mlruns');
  writeMlruns(mlruns);
  const ws = path.join(base, 'ws');
  fs.mkdirSync(ws);
  const store = await openStore(ws);
  t.after(() => store.close());
  return { base, mlruns, ws, store };
}

async function importPath(store: Store, p: string, opts: Parameters<typeof importMlflow>[2] = {}): Promise<ImportSummary> {
  const src = await openMlflowSource(p);
  try {
    return await importMlflow(store, src, opts);
  } finally {
    src.close();
  }
}

function rowCounts(store: Store) {
  const tables = [
    'experiments',
    'experiment_tags',
    'runs',
    'params',
    'tags',
    'latest_metrics',
    'run_inputs',
    'registered_models',
    'registered_model_tags',
    'registered_model_aliases',
    'model_versions',
    'model_version_tags',
  ];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number(store.one<{ n: number }>(`SELECT count(*) AS n FROM ${t}`)!.n);
  out.points = Number(store.one<{ n: number | null }>('SELECT sum(n) AS n FROM metric_chunks')!.n ?? 0);
  return out;
}

test('an mlruns folder imports completely: ids, times, stages, nested keys, NaN/Inf histories, inputs, registry, artifacts', async (t) => {
  const { mlruns, ws, store } = await setup(t);
  const s = await importPath(store, mlruns);
  assert.equal(s.kind, 'mlruns');
  assert.deepEqual(s.warnings, []);
  assert.equal(s.cancelled, false);
  assert.deepEqual(
    {
      e: s.created.experiments,
      r: s.created.runs,
      p: s.created.params,
      pts: s.created.metricPoints,
      i: s.created.inputs,
      m: s.created.models,
      v: s.created.modelVersions,
      a: s.created.aliases,
      art: s.created.artifacts,
    },
    { e: 2, r: 4, p: 3, pts: 9, i: 1, m: 1, v: 2, a: 1, art: 1 },
  );
  assert.equal(s.skipped.experiments, 1, 'Default matched by name');

  const mnist = T.getExperimentByName(store, 'mnist');
  assert.equal(mnist.experiment_id, '1');
  assert.equal(mnist.creation_time, T0);
  assert.equal(mnist.last_update_time, T0 + 5);
  assert.deepEqual(mnist.tags, [{ key: 'mlflow.note.content', value: 'Digits, small CNN' }]);
  const old = T.getExperimentByName(store, 'old-exp');
  assert.equal(old.lifecycle_stage, 'deleted');

  const child = T.getRun(store, CHILD);
  assert.equal(child.info.status, 'FAILED');
  assert.equal(child.info.start_time, T0 + 2000);
  assert.equal(child.info.end_time, T0 + 40000);
  assert.equal(child.info.run_name, 'lr-0.01');
  assert.equal(child.info.user_id, 'alice');
  assert.deepEqual(child.data.params, [
    { key: 'lr', value: '0.01' },
    { key: 'model/layers', value: '[32, 64]' },
  ]);
  assert.equal(child.data.tags.find((x) => x.key === 'mlflow.parentRunId')?.value, PARENT);
  const loss = T.getMetricHistory(store, CHILD, 'loss');
  assert.deepEqual([...loss.steps], [0, 1, 2, 3]);
  assert.deepEqual([...loss.timestamps], [T0 + 2000, T0 + 2100, T0 + 2200, T0 + 2300]);
  assert.equal(loss.values[0], 2);
  assert.ok(Number.isNaN(loss.values[2]));
  assert.equal(loss.values[3], 0.5);
  assert.deepEqual([...T.getMetricHistory(store, CHILD, 'train/acc').values], [0.5, Infinity, -Infinity]);
  const best = T.getMetricHistory(store, PARENT, 'best_loss');
  assert.deepEqual([...best.steps], [0, 0], 'two-column lines are step 0');
  assert.deepEqual([...best.values], [0.3, 0.2]);
  assert.deepEqual(T.getRun(store, PARENT).data.metrics, [{ key: 'best_loss', value: 0.2, timestamp: T0 + 85000, step: 0 }]);
  assert.deepEqual(child.inputs.dataset_inputs, [
    {
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
      dataset: { name: 'mnist-train', digest: '3c7e9a1f', source_type: 'local', source: '/data/mnist', profile: '{"num_rows": 60000}' },
    },
  ]);

  const gone = T.getRun(store, GONE);
  assert.equal(gone.info.lifecycle_stage, 'deleted');
  assert.equal(gone.info.status, 'KILLED');
  assert.equal(store.one<{ d: number }>('SELECT deleted_time AS d FROM runs WHERE run_uuid = ?', [GONE])!.d, T0 + 5000);
  const trashed = T.getRun(store, TRASHED);
  assert.equal(trashed.info.lifecycle_stage, 'deleted');
  assert.equal(trashed.info.experiment_id, old.experiment_id);
  assert.deepEqual(trashed.data.params, [{ key: 'seed', value: '7' }]);

  // Artifacts were copied into the workspace; the run points at them.
  assert.equal(child.info.artifact_uri, `mlflow-artifacts:/1/${CHILD}/artifacts`);
  assert.equal(fs.readFileSync(path.join(ws, '.mlops', 'artifacts', '1', CHILD, 'artifacts', 'model', 'MLmodel'), 'utf8'), 'flavors: {}\n');

  const model = R.getRegisteredModel(store, 'mnist-classifier');
  assert.equal(model.description, 'CNN for digits');
  assert.equal(model.creation_timestamp, T0 + 95000);
  assert.deepEqual(model.tags, [{ key: 'owner', value: 'vision' }]);
  assert.deepEqual(model.aliases, [{ alias: 'champion', version: '2' }]);
  const v2 = R.getModelVersion(store, 'mnist-classifier', 2);
  assert.equal(v2.current_stage, 'Production');
  assert.equal(v2.run_id, CHILD);
  assert.equal(v2.user_id, 'bob');
  assert.equal(v2.status_message, '');
  assert.deepEqual(v2.tags, [{ key: 'validated', value: 'true' }]);
  assert.deepEqual(v2.aliases, ['champion']);
  assert.equal(R.getModelVersion(store, 'mnist-classifier', 1).current_stage, 'Archived');
});

test('importing twice adds nothing; lines appended to a metric file since are the only new points', async (t) => {
  const { mlruns, store } = await setup(t);
  await importPath(store, mlruns);
  const before = rowCounts(store);
  const again = await importPath(store, mlruns);
  assert.deepEqual(rowCounts(store), before);
  assert.ok(
    Object.values(again.created).every((n) => n === 0),
    JSON.stringify(again.created),
  );
  assert.equal(again.skipped.runs, 4);
  assert.equal(again.skipped.metricPoints, 9);
  assert.equal(again.skipped.modelVersions, 2);
  assert.equal(again.updatedRuns, 0);

  // MLflow logged two more points (one repeats an existing point exactly: MLflow's file store keeps both).
  fs.appendFileSync(path.join(mlruns, '1', CHILD, 'metrics', 'loss'), `${T0 + 2400} 0.25 4\n${T0 + 2300} 0.5 3\n`);
  fs.writeFileSync(path.join(mlruns, '1', CHILD, 'tags', 'reviewed'), 'yes');
  const third = await importPath(store, mlruns);
  assert.equal(third.created.metricPoints, 2);
  assert.equal(third.created.tags, 1);
  assert.equal(third.updatedRuns, 1);
  const loss = T.getMetricHistory(store, CHILD, 'loss');
  assert.deepEqual([...loss.steps], [0, 1, 2, 3, 3, 4]);
  assert.equal(T.getRun(store, CHILD).data.metrics.find((m) => m.key === 'loss')?.value, 0.25);
  const fourth = await importPath(store, mlruns);
  assert.equal(fourth.created.metricPoints, 0);
});

test('the store replays an import from its journal after a restart', async (t) => {
  const { mlruns, ws, store } = await setup(t);
  await importPath(store, mlruns);
  const counts = rowCounts(store);
  // Read the files as a second process would (read-only): only the journal holds the import.
  const reader = await openStore(ws, { readOnly: true });
  try {
    assert.deepEqual(rowCounts(reader), counts);
    assert.ok(Number.isNaN(T.getMetricHistory(reader, CHILD, 'loss').values[2]));
  } finally {
    reader.close();
  }
});

test('cancelling mid-way leaves a consistent store and importing again completes it', async (t) => {
  const { mlruns, store } = await setup(t);
  const ac = new AbortController();
  let calls = 0;
  const first = await importPath(store, mlruns, {
    signal: ac.signal,
    batchPoints: 2,
    onProgress: (done, total) => {
      assert.ok(done <= total);
      if (++calls === 6) ac.abort();
    },
  });
  assert.equal(first.cancelled, true);
  assert.ok(first.created.runs < 4, `stopped early: ${JSON.stringify(first.created)}`);
  // Whatever was imported is whole rows, readable as usual.
  for (const r of store.all<{ run_uuid: string }>('SELECT run_uuid FROM runs')) T.getRun(store, r.run_uuid);
  const rest = await importPath(store, mlruns, { batchPoints: 2 });
  assert.equal(rest.cancelled, false);
  assert.equal(first.created.runs + rest.created.runs, 4);
  assert.equal(first.created.metricPoints + rest.created.metricPoints, 9);

  const fresh = await (async () => {
    const ws2 = tempDir();
    const s2 = await openStore(ws2);
    try {
      await importPath(s2, mlruns);
      return rowCounts(s2);
    } finally {
      s2.close();
    }
  })();
  assert.deepEqual(rowCounts(store), fresh, 'a cancelled then resumed import equals an uninterrupted one');
});

test('--no-artifacts keeps the original artifact URIs', async (t) => {
  const { mlruns, ws, store } = await setup(t);
  const s = await importPath(store, mlruns, { copyArtifacts: false });
  assert.equal(s.created.artifacts, 0);
  assert.equal(T.getRun(store, CHILD).info.artifact_uri, pathToFileURL(path.join(mlruns, '1', CHILD, 'artifacts')).href);
  assert.equal(fs.existsSync(path.join(ws, '.mlops', 'artifacts', '1')), false);
});

test('a version registered from a folder outside every run is copied in, once; other sources are kept', async (t) => {
  const { base, mlruns, ws, store } = await setup(t);
  const outside = path.join(base, 'exported-model');
  write(path.join(outside, 'MLmodel'), 'flavors: {}\n');
  write(path.join(outside, 'data', 'weights.bin'), 'w');
  const v1 = path.join(mlruns, 'models', 'mnist-classifier', 'version-1', 'meta.yaml');
  fs.writeFileSync(v1, fs.readFileSync(v1, 'utf8').replace(/source: .*/, `source: ${pathToFileURL(outside).href}`));
  const s = await importPath(store, mlruns);
  const copied = R.getModelVersion(store, 'mnist-classifier', 1);
  assert.equal(copied.source, 'mlflow-artifacts:/models/mnist-classifier/1');
  assert.equal(fs.readFileSync(path.join(ws, '.mlops', 'artifacts', 'models', 'mnist-classifier', '1', 'data', 'weights.bin'), 'utf8'), 'w');
  assert.equal(R.getModelVersion(store, 'mnist-classifier', 2).source, 'models:/m-2', 'a models:/ source is kept');
  fs.rmSync(outside, { recursive: true });
  const again = await importPath(store, mlruns);
  assert.equal(R.getModelVersion(store, 'mnist-classifier', 1).source, 'mlflow-artifacts:/models/mnist-classifier/1', 'the copy survives its source');
  assert.ok(again.created.artifacts <= s.created.artifacts);
});

test('a folder that is not mlruns, a non-SQLite file and a missing path are refused, naming the path, changing nothing', async (t) => {
  const { base, store } = await setup(t);
  const before = rowCounts(store);
  const plain = path.join(base, 'plain');
  write(path.join(plain, 'notes', 'meta.yaml'), 'hello: world\n');
  await assert.rejects(
    openMlflowSource(plain),
    (e: Error) => e instanceof NotAnMlflowSource && e.message.includes(plain) && /not an MLflow mlruns folder/.test(e.message),
  );
  const text = path.join(base, 'mlflow.db');
  fs.writeFileSync(text, 'x'.repeat(4096));
  await assert.rejects(openMlflowSource(text), (e: Error) => e.message.includes(text) && /not an SQLite database/.test(e.message));
  const tiny = path.join(base, 'tiny.db');
  fs.writeFileSync(tiny, 'SQLite format 3\0');
  await assert.rejects(openMlflowSource(tiny), (e: Error) => e.message.includes(tiny) && /only 16 bytes/.test(e.message));
  await assert.rejects(openMlflowSource(path.join(base, 'nope')), /nope: no such file or folder/);
  // A real SQLite database that is not MLflow's.
  const SQL = await loadSqlJs();
  const other = new SQL.Database();
  other.exec('CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES (1)');
  fs.writeFileSync(path.join(base, 'x.db'), other.export());
  other.close();
  await assert.rejects(
    openMlflowSource(path.join(base, 'x.db')),
    (e: Error) => /x\.db/.test(e.message) && /not an MLflow tracking database \(it has no "experiments" table\)/.test(e.message),
  );
  assert.deepEqual(rowCounts(store), before);
});

test('the parent folder of mlruns is accepted; malformed files are skipped with a warning', async (t) => {
  const { base, mlruns, store } = await setup(t);
  write(path.join(mlruns, '1', CHILD, 'metrics', 'broken'), `${T0} 1.0 0\nnot a line\n`);
  write(path.join(mlruns, '1', 'f'.repeat(32), 'meta.yaml'), ': : not yaml [');
  const s = await importPath(store, base);
  assert.equal(s.source, mlruns);
  assert.equal(s.created.runs, 4);
  assert.ok(
    s.warnings.some((w) => /broken: 1 malformed line/.test(w)),
    s.warnings.join('\n'),
  );
  assert.ok(
    s.warnings.some((w) => w.includes(path.join('f'.repeat(32), 'meta.yaml'))),
    s.warnings.join('\n'),
  );
  assert.equal(T.getMetricHistory(store, CHILD, 'broken').values.length, 1);
});

test('WAL mode is read from header bytes 18 and 19', () => {
  const h = new Uint8Array(100);
  h[18] = 1;
  h[19] = 1;
  assert.equal(isWalHeader(h), false);
  h[18] = 2;
  h[19] = 2;
  assert.equal(isWalHeader(h), true);
});

test('experiment ids that are taken or too large for a number get the next free id; names still match', async (t) => {
  const { mlruns, store } = await setup(t);
  T.createExperiment(store, { name: 'mine' }); // takes id 1
  const big = '123456789012345678';
  fs.renameSync(path.join(mlruns, '.trash', '2'), path.join(mlruns, '.trash', big));
  const meta = path.join(mlruns, '.trash', big, 'meta.yaml');
  fs.writeFileSync(meta, fs.readFileSync(meta, 'utf8').replace("experiment_id: '2'", `experiment_id: '${big}'`));
  const runMeta = path.join(mlruns, '.trash', big, TRASHED, 'meta.yaml');
  fs.writeFileSync(runMeta, fs.readFileSync(runMeta, 'utf8').replace("experiment_id: '2'", `experiment_id: '${big}'`));
  const s = await importPath(store, mlruns);
  assert.deepEqual(s.experimentIds, { '1': '2', [big]: '3' });
  assert.equal(T.getRun(store, CHILD).info.experiment_id, '2');
  assert.equal(T.getRun(store, TRASHED).info.experiment_id, '3');
});
