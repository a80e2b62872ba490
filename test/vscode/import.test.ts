import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ImportSummary } from '../../src/core/import';
import type { Store } from '../../src/core/openStore';
import * as R from '../../src/core/registry';
import * as T from '../../src/core/tracking';
import type { ExperimentsNode } from '../../src/vscode/experiments/experimentsTree';
import { CHILD1, CHILD2, GONE, LIVE, OLD, PARENT } from '../integration/import/fixtures/mlflowDbRuns';
import { api, eventually, EXTENSION_ID, workspaceDir } from './helpers';

const ALL_RUNS = [PARENT, CHILD1, CHILD2, LIVE, GONE, OLD];

/** Writes an mlflow.db with MLflow's schema (MLflow 2.x's SQLAlchemy layout) by running the fixture script with python3. */
function makeMlflowDb(dir: string): string {
  const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  const script = path.join(root, 'test', 'integration', 'import', 'fixtures', 'make_mlflow_db.py');
  const out = path.join(dir, 'mlflow.db');
  execFileSync('python3', [script, out], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
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
    'registered_models',
    'model_versions',
    'registered_model_aliases',
    'model_version_tags',
  ]) {
    out[t] = Number(store.one<{ n: number }>(`SELECT count(*) AS n FROM ${t}`)!.n);
  }
  out.points = Number(store.one<{ n: number | null }>('SELECT sum(n) AS n FROM metric_chunks')!.n ?? 0);
  return out;
}

type RunNode = Extract<ExperimentsNode, { kind: 'run' }>;
const isRun = (n: ExperimentsNode): n is RunNode => n.kind === 'run';

describe('import from MLflow', () => {
  it('imports an mlflow.db through the command: experiments, runs, metric histories, models and artifacts land in the store and the tree; a second import adds nothing', async () => {
    const a = await api();
    const store = await a.store();
    const dir = path.join(workspaceDir(), `mlflow-import-${Date.now()}`);
    fs.mkdirSync(dir, { recursive: true });
    const db = makeMlflowDb(dir);
    // `mlflow server` keeps artifacts in mlartifacts/ next to the database: one run has a model folder there.
    const srcArtifacts = path.join(dir, 'mlartifacts', '1', CHILD1, 'artifacts', 'model');
    fs.mkdirSync(srcArtifacts, { recursive: true });
    fs.writeFileSync(path.join(srcArtifacts, 'MLmodel'), 'artifact_path: model\nflavors: {}\n');

    // Nothing of it is in the store yet (a fresh workspace per suite run).
    for (const id of ALL_RUNS) assert.throws(() => T.getRun(store, id), `run ${id} is not in the store before the import`);
    assert.throws(() => R.getRegisteredModel(store, 'mnist-classifier'));

    // First import, with the file as a Uri (what the explorer context or another extension passes).
    const first = await vscode.commands.executeCommand<ImportSummary | undefined>('mlops.importMlflow', vscode.Uri.file(db));
    assert.ok(first, 'the command returned a summary (it did not fail)');
    assert.equal(first.cancelled, false);
    assert.deepEqual(first.warnings, []);
    assert.equal(first.schemaVersion, '0584bdc529eb');
    assert.equal(first.created.runs, 6);
    assert.equal(first.created.metricPoints, 34);
    assert.equal(first.created.models, 1);
    assert.equal(first.created.modelVersions, 2);
    assert.equal(first.created.artifacts, 1);
    // "Default" matches the workspace's own; mnist and old-exp are new (keeping MLflow's id only where it is free).
    assert.equal(first.created.experiments, 2);
    const mnistId = first.experimentIds['1'] ?? '1';

    // Experiments: matched by name, with their tags and stages.
    const mnist = T.getExperimentByName(store, 'mnist');
    assert.equal(mnist.experiment_id, mnistId);
    assert.equal(mnist.lifecycle_stage, 'active');
    assert.deepEqual(
      [...mnist.tags].sort((x, y) => x.key.localeCompare(y.key)),
      [
        { key: 'mlflow.note.content', value: 'Digits, small CNN' },
        { key: 'team', value: 'vision' },
      ],
    );
    assert.equal(T.getExperimentByName(store, 'old-exp').lifecycle_stage, 'deleted');

    // Runs keep MLflow's ids, names, statuses, params and parent links.
    for (const id of ALL_RUNS) assert.equal(T.getRun(store, id).info.run_id, id);
    const child1 = T.getRun(store, CHILD1);
    assert.equal(child1.info.experiment_id, mnistId);
    assert.equal(child1.info.run_name, 'lr-0.01');
    assert.equal(child1.info.status, 'FINISHED');
    assert.deepEqual(
      [...child1.data.params].sort((x, y) => x.key.localeCompare(y.key)),
      [
        { key: 'lr', value: '0.01' },
        { key: 'model/layers', value: '[32, 64]' },
        { key: 'optimizer', value: 'adam' },
      ],
    );
    assert.equal(child1.data.tags.find((t) => t.key === 'mlflow.parentRunId')?.value, PARENT);
    assert.equal(T.getRun(store, CHILD2).info.status, 'FAILED');
    assert.equal(T.getRun(store, LIVE).info.status, 'RUNNING');
    assert.equal(T.getRun(store, GONE).info.lifecycle_stage, 'deleted');

    // Metric histories, point by point (NaN and ±Inf as MLflow stores them).
    const loss = T.getMetricHistory(store, CHILD1, 'loss');
    assert.deepEqual([...loss.steps], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(
      [...loss.values],
      Array.from({ length: 10 }, (_, s) => 2 / (s + 1)),
    );
    assert.equal(T.getMetricHistory(store, CHILD1, 'train/acc').values.length, 10);
    const loss2 = T.getMetricHistory(store, CHILD2, 'loss');
    assert.equal(loss2.values.length, 8);
    assert.ok(Number.isNaN(loss2.values[5]), 'the NaN point stays NaN');
    assert.deepEqual([...T.getMetricHistory(store, CHILD2, 'grad_norm').values], [1.7976931348623157e308, -1.7976931348623157e308]);
    assert.deepEqual([...T.getMetricHistory(store, PARENT, 'best_loss').values], [0.3, 0.2]);

    // Registry: the model, its versions, stages and aliases.
    const model = R.getRegisteredModel(store, 'mnist-classifier');
    assert.equal(model.description, 'CNN for digits');
    assert.deepEqual(model.aliases, [
      { alias: 'champion', version: '2' },
      { alias: 'previous', version: '1' },
    ]);
    assert.deepEqual(
      R.listModelVersions(store, 'mnist-classifier').map((v) => [v.version, v.current_stage, v.run_id]),
      [
        ['2', 'Production', CHILD2],
        ['1', 'Archived', CHILD1],
      ],
    );

    // The artifact folder was copied into the workspace, under the run's new artifact URI.
    const copied = T.artifactDirOf(workspaceDir(), child1.info.artifact_uri);
    assert.ok(copied && copied.startsWith(workspaceDir()), `artifacts in the workspace (${child1.info.artifact_uri})`);
    assert.equal(fs.readFileSync(path.join(copied, 'model', 'MLmodel'), 'utf8'), 'artifact_path: model\nflavors: {}\n');
    // …and the version registered from it points at the copy, not at the source MLflow folder.
    const v1 = R.getModelVersion(store, 'mnist-classifier', '1');
    assert.equal(v1.source, `${child1.info.artifact_uri}/model`);
    assert.ok(fs.existsSync(path.join(T.artifactDirOf(workspaceDir(), v1.source)!, 'MLmodel')));

    // The Experiments tree shows the imported experiment with its active runs, children under the parent.
    const tree = a.experimentsTree!;
    const expNode = await eventually(
      () => tree.getChildren().find((n): n is Extract<ExperimentsNode, { kind: 'experiment' }> => n.kind === 'experiment' && n.experiment.name === 'mnist'),
      'the imported experiment in the tree',
    );
    assert.equal(expNode.experiment.experiment_id, mnistId);
    assert.equal(expNode.runCount, 4, 'the deleted run is not counted');
    assert.ok(!tree.getChildren().some((n) => n.kind === 'experiment' && n.experiment.name === 'old-exp'), 'a deleted experiment is hidden');
    const top = tree.getChildren(expNode).filter(isRun);
    assert.deepEqual(top.map((n) => n.run.run_id).sort(), [LIVE, PARENT].sort());
    const parentNode = top.find((n) => n.run.run_id === PARENT)!;
    assert.equal(parentNode.hasChildren, true);
    assert.deepEqual(
      tree
        .getChildren(parentNode)
        .filter(isRun)
        .map((n) => n.run.run_id)
        .sort(),
      [CHILD1, CHILD2].sort(),
    );

    // Second import, with the path as a string: finds nothing new and changes nothing.
    const before = counts(store);
    const artifactsBefore = fs.readdirSync(path.join(workspaceDir(), '.mlops', 'artifacts'), { recursive: true }).length;
    const second = await vscode.commands.executeCommand<ImportSummary | undefined>('mlops.importMlflow', db);
    assert.ok(second, 'the second import returned a summary');
    assert.equal(second.cancelled, false);
    assert.ok(
      Object.values(second.created).every((n) => n === 0),
      `nothing created: ${JSON.stringify(second.created)}`,
    );
    assert.equal(second.updatedRuns, 0);
    assert.equal(second.skipped.runs, 6);
    assert.equal(second.skipped.metricPoints, 34);
    assert.equal(second.skipped.modelVersions, 2);
    assert.deepEqual(counts(store), before);
    assert.equal(fs.readdirSync(path.join(workspaceDir(), '.mlops', 'artifacts'), { recursive: true }).length, artifactsBefore);
    assert.equal(tree.getChildren().filter((n) => n.kind === 'experiment' && n.experiment.name === 'mnist').length, 1);
    assert.equal(tree.getChildren(expNode).filter(isRun).length, 2);
    assert.equal(T.getMetricHistory(store, CHILD1, 'loss').values.length, 10);
  });
});
