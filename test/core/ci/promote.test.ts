import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStore, type Store } from '../../../src/core/openStore';
import * as R from '../../../src/core/registry';
import * as T from '../../../src/core/tracking';
import { artifactDirOf } from '../../../src/core/tracking/artifactDir';
import { promoteIfBetter as promoteOn, type PromoteOptions } from '../../../src/core/ci/promote';
import { LocalBackend, modelFolders } from '../../../src/core/backend';
import { tempDir } from '../../helpers/tmp';

let clock = Date.now();

/** A finished run that logged `rmse` = value, a model under artifacts/model, and (optionally) a dataset input. */
function trainedRun(store: Store, ws: string, value: number, digest = 'd1', folders = ['model']): string {
  const run = T.createRun(store, { run_name: `rmse-${value}` });
  const id = run.info.run_id;
  T.logBatch(store, id, {
    metrics: [
      { key: 'rmse', value: value * 2, timestamp: 1, step: 0 },
      { key: 'rmse', value, timestamp: 2, step: 1 },
    ],
  });
  if (digest) T.logInputs(store, id, [{ tags: [], dataset: { name: 'data/train.csv', digest, source_type: 'dvc', source: '{}' } }]);
  for (const f of folders) {
    const dir = path.join(artifactDirOf(ws, run.info.artifact_uri)!, f);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'MLmodel'), 'flavors: {}\n');
  }
  T.updateRun(store, id, { status: 'FINISHED', end_time: ++clock });
  return id;
}

/** Promotion on the local store (the team-server side runs in test/integration/ci/retrain.test.ts). */
const promoteIfBetter = (store: Store, ws: string, o: PromoteOptions) => promoteOn(new LocalBackend(store, ws), o);

const opts = { name: 'm', alias: 'champion', metric: 'rmse', mode: 'min' as const };

test('the first candidate becomes the champion; a worse one is registered but not promoted; a better one is', async (t) => {
  const ws = tempDir();
  const store = await openStore(ws);
  t.after(() => store.close());
  const first = trainedRun(store, ws, 0.5);
  const d1 = await promoteIfBetter(store, ws, { ...opts, runId: first, actor: 'ci-bot', reason: 'https://ci/1' });
  assert.equal(d1.promoted, true);
  assert.equal(d1.champion, undefined);
  assert.equal(R.getModelVersionByAlias(store, 'm', 'champion').version, '1');
  assert.match(d1.summary, /first @champion/);

  const worse = trainedRun(store, ws, 0.7);
  const d2 = await promoteIfBetter(store, ws, { ...opts, runId: worse, actor: 'ci-bot' });
  assert.equal(d2.promoted, false);
  assert.equal(d2.candidate.version, '2');
  assert.equal(d2.champion?.version, '1');
  assert.ok(Math.abs(d2.delta! - 0.2) < 1e-12);
  assert.equal(R.getModelVersionByAlias(store, 'm', 'champion').version, '1', 'the alias did not move');
  const tags2 = Object.fromEntries(R.getModelVersion(store, 'm', 2).tags.map((x) => [x.key, x.value]));
  assert.equal(tags2['mlops.promotion.decision'], 'rejected');
  assert.equal(tags2['mlops.promotion.by'], 'ci-bot');
  const tags1 = Object.fromEntries(R.getModelVersion(store, 'm', 1).tags.map((x) => [x.key, x.value]));
  assert.equal(tags1['mlops.promotion.decision'], 'promoted');
  assert.equal(tags1['mlops.promotion.reason'], 'https://ci/1');
  assert.match(tags1['mlops.promotion.challenged_by'], /^version 2: kept/);

  const better = trainedRun(store, ws, 0.3);
  const d3 = await promoteIfBetter(store, ws, { ...opts, runId: better });
  assert.equal(d3.promoted, true);
  assert.equal(R.getModelVersionByAlias(store, 'm', 'champion').version, '3');
  assert.equal(R.getModelVersion(store, 'm', 3).source, `${T.getRun(store, better).info.artifact_uri}/model`);
});

test('min-delta, max mode, NaN, a tie, and the champion run itself', async (t) => {
  const ws = tempDir();
  const store = await openStore(ws);
  t.after(() => store.close());
  await promoteIfBetter(store, ws, { ...opts, runId: trainedRun(store, ws, 0.5) });
  assert.equal(
    (await promoteIfBetter(store, ws, { ...opts, minDelta: 0.1, runId: trainedRun(store, ws, 0.45) })).promoted,
    false,
    'better, but not by min-delta',
  );
  assert.equal((await promoteIfBetter(store, ws, { ...opts, runId: trainedRun(store, ws, 0.5) })).promoted, false, 'a tie is not better');
  assert.equal((await promoteIfBetter(store, ws, { ...opts, runId: trainedRun(store, ws, NaN) })).promoted, false, 'NaN never wins');
  const champ = R.getModelVersionByAlias(store, 'm', 'champion');
  const again = await promoteIfBetter(store, ws, { ...opts, runId: champ.run_id });
  assert.equal(again.promoted, false);
  assert.match(again.summary, /already @champion/);
  assert.equal(R.listModelVersions(store, 'm').length, 4, 'the champion run itself registers nothing new');
  const hi = await promoteIfBetter(store, ws, { ...opts, name: 'acc', mode: 'max', runId: trainedRun(store, ws, 0.5) });
  assert.equal(hi.promoted, true);
  assert.equal((await promoteIfBetter(store, ws, { ...opts, name: 'acc', mode: 'max', runId: trainedRun(store, ws, 0.6) })).promoted, true);
  assert.equal((await promoteIfBetter(store, ws, { ...opts, name: 'acc', mode: 'max', runId: trainedRun(store, ws, 0.55) })).promoted, false);
});

test('a dry run decides without writing; the newest finished run is the default candidate', async (t) => {
  const ws = tempDir();
  const store = await openStore(ws);
  t.after(() => store.close());
  trainedRun(store, ws, 0.5);
  const newest = trainedRun(store, ws, 0.4);
  const d = await promoteIfBetter(store, ws, { ...opts, dryRun: true });
  assert.equal(d.candidate.runId, newest);
  assert.equal(d.promoted, true);
  assert.equal(d.candidate.version, undefined);
  assert.deepEqual(R.listRegisteredModels(store), [], 'nothing registered');
});

test('data differences are reported; models are found or asked for; bad options are refused', async (t) => {
  const ws = tempDir();
  const store = await openStore(ws);
  t.after(() => store.close());
  await promoteIfBetter(store, ws, { ...opts, runId: trainedRun(store, ws, 0.5, 'aaa') });
  const d = await promoteIfBetter(store, ws, { ...opts, runId: trainedRun(store, ws, 0.4, 'bbb') });
  assert.match(d.dataWarning!, /different data \(data\/train\.csv: aaa → bbb\)/);
  assert.equal((await promoteIfBetter(store, ws, { ...opts, runId: trainedRun(store, ws, 0.3, 'bbb') })).dataWarning, undefined);
  const two = trainedRun(store, ws, 0.2, 'bbb', ['a', 'b']);
  assert.deepEqual(await modelFolders(new LocalBackend(store, ws), two), ['a', 'b']);
  await assert.rejects(() => promoteIfBetter(store, ws, { ...opts, runId: two }), /several models \(a, b\); pass --artifact-path/);
  assert.equal((await promoteIfBetter(store, ws, { ...opts, runId: two, artifactPath: 'b' })).promoted, true);
  await assert.rejects(() => promoteIfBetter(store, ws, { ...opts, runId: trainedRun(store, ws, 0.1, 'bbb', []) }), /logged no model/);
  await assert.rejects(() => promoteIfBetter(store, ws, { ...opts, runId: 'ffffffff' }), /no run with id/);
  await assert.rejects(() => promoteIfBetter(store, ws, { ...opts, mode: 'best' as never }), /--mode must be min or max/);
  await assert.rejects(() => promoteIfBetter(store, ws, { ...opts, minDelta: -1 }), /--min-delta/);
  await assert.rejects(() => promoteIfBetter(store, ws, { ...opts, metric: 'nope' }), /no finished run logged the metric "nope"/);
});
