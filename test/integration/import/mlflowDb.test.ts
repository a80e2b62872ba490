import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { importMlflow, openMlflowSource } from '../../../src/core/import';
import { openStore, type Store } from '../../../src/core/openStore';
import * as R from '../../../src/core/registry';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';
import { CHILD1, CHILD2, GONE, LIVE, OLD, PARENT, WAL_RUN } from './fixtures/mlflowDbRuns';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist', 'cli.js');
const script = path.join(__dirname, 'fixtures', 'make_mlflow_db.py');
const T0 = 1714000000000;
const MAX = 1.7976931348623157e308;

function makeDb(dir: string, ...flags: string[]): string {
  const out = path.join(dir, 'mlflow.db');
  execFileSync('python3', [script, out, ...flags]);
  return out;
}

/** What python's sqlite3 reads from the database: the reference the import is compared with. */
function pyQuery(db: string, sql: string): unknown[][] {
  const code = 'import json,sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(json.dumps([list(r) for r in c.execute(sys.argv[2])]))';
  return JSON.parse(execFileSync('python3', ['-c', code, db, sql], { encoding: 'utf8' }).replace(/\bNaN\b/g, 'null'));
}

function sha(file: string) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function mlops(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

async function importFile(store: Store, file: string, opts: Parameters<typeof importMlflow>[2] = {}) {
  const src = await openMlflowSource(file);
  try {
    return await importMlflow(store, src, opts);
  } finally {
    src.close();
  }
}

function counts(store: Store) {
  const out: Record<string, number> = {};
  for (const t of [
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
  ]) {
    out[t] = Number(store.one<{ n: number }>(`SELECT count(*) AS n FROM ${t}`)!.n);
  }
  out.points = Number(store.one<{ n: number | null }>('SELECT sum(n) AS n FROM metric_chunks')!.n ?? 0);
  return out;
}

test("an mlflow.db written with MLflow's schema imports completely, field by field, and leaves the file untouched", async (t) => {
  const dir = tempDir();
  const db = makeDb(dir);
  const hash = sha(db);
  const store = await openStore(path.join(dir, 'ws'));
  t.after(() => store.close());
  const s = await importFile(store, db);
  assert.equal(s.schemaVersion, '0584bdc529eb');
  assert.deepEqual(s.warnings, []);
  assert.equal(sha(db), hash, 'the source is never written');

  // Experiments: every one, with times, stages and tags.
  const exps = pyQuery(db, 'SELECT experiment_id, name, lifecycle_stage, creation_time, last_update_time FROM experiments ORDER BY experiment_id');
  assert.deepEqual(
    T.listExperiments(store, 'ALL').map((e) => [Number(e.experiment_id), e.name, e.lifecycle_stage, e.creation_time, e.last_update_time]),
    exps.map((e) => (e[0] === 0 ? [0, 'Default', 'active', T.getExperiment(store, 0).creation_time, T.getExperiment(store, 0).last_update_time] : e)),
  );
  assert.deepEqual(
    T.getExperiment(store, 1).tags,
    pyQuery(db, 'SELECT key, value FROM experiment_tags WHERE experiment_id = 1 ORDER BY key').map(([key, value]) => ({ key, value })),
  );

  // Runs: every column we keep.
  const runs = pyQuery(
    db,
    'SELECT run_uuid, name, experiment_id, user_id, status, start_time, end_time, lifecycle_stage, deleted_time FROM runs ORDER BY run_uuid',
  );
  const ours = store.all<Record<string, unknown>>(
    'SELECT run_uuid, name, experiment_id, user_id, status, start_time, end_time, lifecycle_stage, deleted_time FROM runs ORDER BY run_uuid',
  );
  assert.deepEqual(
    ours.map((r) => Object.values(r)),
    runs,
  );
  assert.equal(T.getRun(store, CHILD1).data.tags.find((x) => x.key === 'mlflow.parentRunId')?.value, PARENT);
  assert.equal(T.getRun(store, CHILD2).data.tags.find((x) => x.key === 'note')?.value, '', 'a NULL tag value becomes empty');

  // Params and tags, all of them.
  assert.deepEqual(
    store.all('SELECT run_uuid, key, value FROM params ORDER BY run_uuid, key').map((r) => Object.values(r)),
    pyQuery(db, 'SELECT run_uuid, key, value FROM params ORDER BY run_uuid, key'),
  );
  assert.deepEqual(
    store.all('SELECT run_uuid, key, value FROM tags ORDER BY run_uuid, key').map((r) => Object.values(r)),
    pyQuery(db, "SELECT run_uuid, key, coalesce(value, '') FROM tags ORDER BY run_uuid, key"),
  );

  // Metric histories: identical, point by point, NaN included (MLflow stores it as 0 with is_nan = 1).
  const points = pyQuery(db, 'SELECT run_uuid, key, step, timestamp, value, is_nan FROM metrics ORDER BY run_uuid, key, step, timestamp');
  const mine: unknown[][] = [];
  for (const r of store.all<{ run_uuid: string; key: string }>('SELECT DISTINCT run_uuid, key FROM metric_chunks ORDER BY run_uuid, key')) {
    const h = T.getMetricHistory(store, r.run_uuid, r.key);
    for (let i = 0; i < h.steps.length; i++) {
      const nan = Number.isNaN(h.values[i]);
      mine.push([r.run_uuid, r.key, h.steps[i], h.timestamps[i], nan ? 0 : h.values[i], nan ? 1 : 0]);
    }
  }
  assert.equal(mine.length, 34);
  assert.deepEqual(mine, points);
  assert.ok(Number.isNaN(T.getMetricHistory(store, CHILD2, 'loss').values[5]));
  assert.deepEqual([...T.getMetricHistory(store, CHILD2, 'grad_norm').values], [MAX, -MAX]);
  assert.deepEqual([...T.getMetricHistory(store, PARENT, 'best_loss').values], [0.3, 0.2]);
  // Latest values agree with MLflow's latest_metrics table.
  assert.deepEqual(
    store.all('SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics ORDER BY run_uuid, key').map((r) => Object.values(r)),
    pyQuery(db, 'SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics ORDER BY run_uuid, key'),
  );

  // Dataset inputs.
  assert.deepEqual(T.getRun(store, CHILD1).inputs.dataset_inputs, [
    {
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
      dataset: {
        name: 'mnist-train',
        digest: '3c7e9a1f',
        source_type: 'local',
        source: '{"uri": "/data/mnist"}',
        schema: '{"mlflow_colspec": []}',
        profile: '{"num_rows": 60000}',
      },
    },
  ]);

  // Registry: model, versions, stages, tags, aliases.
  const m = R.getRegisteredModel(store, 'mnist-classifier');
  assert.deepEqual([m.creation_timestamp, m.last_updated_timestamp, m.description], [T0 + 95000, T0 + 99000, 'CNN for digits']);
  assert.deepEqual(m.tags, [{ key: 'owner', value: 'vision' }]);
  assert.deepEqual(m.aliases, [
    { alias: 'champion', version: '2' },
    { alias: 'previous', version: '1' },
  ]);
  const versions = R.listModelVersions(store, 'mnist-classifier').map((v) => [
    Number(v.version),
    v.creation_timestamp,
    v.last_updated_timestamp,
    v.description,
    v.user_id,
    v.current_stage,
    v.source,
    v.run_id,
    v.status,
    v.status_message,
    v.run_link,
  ]);
  assert.deepEqual(
    versions,
    pyQuery(
      db,
      "SELECT version, creation_time, last_updated_time, coalesce(description, ''), user_id, current_stage, source, run_id, status, coalesce(status_message, ''), coalesce(run_link, '') FROM model_versions ORDER BY version DESC",
    ),
  );
  assert.deepEqual(R.getModelVersion(store, 'mnist-classifier', 2).tags, [{ key: 'validated', value: 'true' }]);
  assert.deepEqual(
    R.getLatestVersions(store, 'mnist-classifier', ['Production']).map((v) => v.version),
    ['2'],
  );
});

test('importing an mlflow.db twice creates nothing the second time', async (t) => {
  const dir = tempDir();
  const db = makeDb(dir);
  const store = await openStore(path.join(dir, 'ws'));
  t.after(() => store.close());
  const first = await importFile(store, db);
  const before = counts(store);
  assert.equal(before.points, 34);
  const second = await importFile(store, db);
  assert.deepEqual(counts(store), before);
  assert.ok(
    Object.values(second.created).every((n) => n === 0),
    JSON.stringify(second.created),
  );
  assert.equal(second.skipped.runs, first.created.runs);
  assert.equal(second.skipped.metricPoints, 34);
  assert.equal(second.skipped.modelVersions, 2);
  assert.equal(second.skipped.aliases, 2);
});

test('a run that finished and logged more in MLflow since the last import gets only the new points and its final status', async (t) => {
  const dir = tempDir();
  const db = makeDb(dir);
  const store = await openStore(path.join(dir, 'ws'));
  t.after(() => store.close());
  await importFile(store, db);
  assert.equal(T.getRun(store, LIVE).info.status, 'RUNNING');
  const py = [
    'import sqlite3,sys',
    'c=sqlite3.connect(sys.argv[1])',
    `c.execute("INSERT INTO metrics VALUES ('loss', 0.8, ${T0 + 72000}, '${LIVE}', 1, 0)")`,
    `c.execute("INSERT INTO metrics VALUES ('loss', 0.7, ${T0 + 73000}, '${LIVE}', 2, 0)")`,
    `c.execute("UPDATE runs SET status='FINISHED', end_time=${T0 + 74000} WHERE run_uuid='${LIVE}'")`,
    'c.commit()',
  ].join('\n');
  execFileSync('python3', ['-c', py, db]);
  const s = await importFile(store, db);
  assert.equal(s.created.metricPoints, 2);
  assert.equal(s.updatedRuns, 1);
  assert.deepEqual([...T.getMetricHistory(store, LIVE, 'loss').values], [0.9, 0.8, 0.7]);
  const info = T.getRun(store, LIVE).info;
  assert.equal(info.status, 'FINISHED');
  assert.equal(info.end_time, T0 + 74000);
});

test('cancelling an mlflow.db import mid-way leaves the store consistent; a rerun completes it exactly', async (t) => {
  const dir = tempDir();
  const db = makeDb(dir);
  const ws = path.join(dir, 'ws');
  const store = await openStore(ws);
  t.after(() => store.close());
  const ac = new AbortController();
  let n = 0;
  const first = await importFile(store, db, { signal: ac.signal, batchPoints: 3, onProgress: () => void (++n === 8 && ac.abort()) });
  assert.equal(first.cancelled, true);
  assert.ok(first.created.runs > 0 && first.created.runs < 6, JSON.stringify(first.created));
  assert.equal(first.created.models, 0);
  const rest = await importFile(store, db, { batchPoints: 3 });
  assert.equal(rest.cancelled, false);
  assert.equal(first.created.runs + rest.created.runs, 6);
  assert.equal(first.created.metricPoints + rest.created.metricPoints, 34);
  const other = await openStore(path.join(dir, 'ws2'));
  try {
    await importFile(other, db);
    assert.deepEqual(counts(store), counts(other));
  } finally {
    other.close();
  }
});

test('a WAL-mode mlflow.db warns that unflushed rows are invisible, imports the checkpointed ones and is not modified', async (t) => {
  const dir = tempDir();
  const db = makeDb(dir, '--wal');
  const header = fs.readFileSync(db).subarray(0, 20);
  assert.deepEqual([header[18], header[19]], [2, 2], 'the fixture really is in WAL mode');
  assert.ok(fs.statSync(`${db}-wal`).size > 0);
  const hashes = [sha(db), sha(`${db}-wal`)];
  // SQLite itself sees the unflushed run (asked on a copy: closing a connection checkpoints the WAL).
  const peek = path.join(dir, 'peek');
  fs.mkdirSync(peek);
  fs.copyFileSync(db, path.join(peek, 'mlflow.db'));
  fs.copyFileSync(`${db}-wal`, path.join(peek, 'mlflow.db-wal'));
  assert.deepEqual(pyQuery(path.join(peek, 'mlflow.db'), `SELECT count(*) FROM runs WHERE run_uuid = '${WAL_RUN}'`), [[1]]);
  const store = await openStore(path.join(dir, 'ws'));
  t.after(() => store.close());
  const s = await importFile(store, db);
  assert.equal(s.warnings.length, 1);
  assert.match(s.warnings[0], /mlflow\.db is in WAL mode: rows MLflow has not checkpointed .*\(\d+ bytes in mlflow\.db-wal\) are invisible/);
  assert.equal(s.created.runs, 6);
  assert.equal(store.one('SELECT 1 AS x FROM runs WHERE run_uuid = ?', [WAL_RUN]), undefined);
  assert.deepEqual([sha(db), sha(`${db}-wal`)], hashes);
});

test('an old schema without alembic_version, steps, is_nan or registry tables still imports', async (t) => {
  const dir = tempDir();
  const db = makeDb(dir, '--legacy');
  const store = await openStore(path.join(dir, 'ws'));
  t.after(() => store.close());
  const s = await importFile(store, db);
  assert.equal(s.schemaVersion, undefined);
  assert.match(s.warnings.join('\n'), /no alembic_version/);
  assert.equal(s.created.runs, 6);
  assert.equal(s.created.models, 0);
  assert.equal(s.created.metricPoints, pyQuery(db, 'SELECT count(*) FROM metrics')[0][0]);
  assert.deepEqual([...T.getMetricHistory(store, CHILD1, 'loss').steps], new Array(10).fill(0));
  assert.equal(T.getExperiment(store, 1).creation_time, 0);
  assert.equal(T.getRun(store, GONE).info.lifecycle_stage, 'deleted');
  assert.equal(T.getRun(store, OLD).info.experiment_id, '2');
});

test('mlops import: progress on stderr, a summary, --json, idempotent, a clear error for bad input; refuses while another process owns the store', async () => {
  const dir = tempDir();
  const db = makeDb(dir);
  const ws = path.join(dir, 'ws');
  let r = mlops(['import', db, '--workspace', ws]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /\[100%\] model mnist-classifier/);
  assert.match(r.stdout, /Imported .*mlflow\.db \(mlflow\.db, schema 0584bdc529eb\)/);
  assert.match(r.stdout, /runs\s+6\s+0/);
  assert.match(r.stdout, /metric points\s+34\s+0/);
  r = mlops(['import', db, '--workspace', ws, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const js = JSON.parse(r.stdout);
  assert.equal(js.created.runs, 0);
  assert.equal(js.created.metricPoints, 0);
  assert.equal(js.skipped.runs, 6);
  assert.equal(js.skipped.metricPoints, 34);
  assert.equal(js.cancelled, false);
  const list = JSON.parse(mlops(['runs', 'list', '--workspace', ws, '--experiment', 'mnist', '--all', '--json']).stdout);
  assert.equal(list.length, 5);
  assert.equal(
    list.find((x: { info: { run_id: string } }) => x.info.run_id === CHILD2).data.metrics.find((m: { key: string }) => m.key === 'loss').value,
    1.5 - 7 * 0.1,
  );

  const junk = path.join(dir, 'junk.db');
  fs.writeFileSync(junk, 'not sqlite at all, but long enough to have a header'.repeat(4));
  const fresh = path.join(dir, 'fresh');
  r = mlops(['import', junk, '--workspace', fresh]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`mlops: ${junk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not an SQLite database`));
  assert.equal(fs.existsSync(fresh), false, 'a bad source creates no store');

  // Another process owns the store: the import must not write behind its back.
  const owner = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
    const { openStore } = require(${JSON.stringify(path.join(root, 'src/core/openStore.ts'))});
    openStore(${JSON.stringify(ws)}).then(() => { process.stdout.write('owned\\n'); setInterval(() => {}, 1000); });
  `,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      owner.stdout.on('data', (d) => /owned/.test(String(d)) && resolve());
      owner.on('exit', (code) => reject(new Error(`owner exited ${code}`)));
    });
    const journal = path.join(ws, '.mlops', 'store.journal');
    const size = fs.existsSync(journal) ? fs.statSync(journal).size : 0;
    r = mlops(['import', db, '--workspace', ws]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`owned by process ${owner.pid}.*Run the import from that editor window .*or stop \`mlops server\``));
    assert.equal(fs.existsSync(journal) ? fs.statSync(journal).size : 0, size);
  } finally {
    owner.kill('SIGTERM');
  }
});
