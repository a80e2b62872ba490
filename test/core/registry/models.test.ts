import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../../src/core/openStore';
import * as R from '../../../src/core/registry';
import * as T from '../../../src/core/tracking';
import { tempDir } from '../../helpers/tmp';

test('versions number from 1; an alias moves to the version it is set on; stages archive the others when asked', async (t) => {
  const store = await openStore(tempDir());
  t.after(() => store.close());
  const run = T.createRun(store, { run_name: 'trained' });
  R.createRegisteredModel(store, { name: 'churn', description: 'the churn model' });
  assert.throws(
    () => R.createRegisteredModel(store, { name: 'churn' }),
    (e: Error & { code?: string }) => e.code === 'RESOURCE_ALREADY_EXISTS',
  );
  const v1 = R.createModelVersion(store, { name: 'churn', source: `${run.info.artifact_uri}/model`, run_id: run.info.run_id });
  const v2 = R.createModelVersion(store, { name: 'churn', source: `${run.info.artifact_uri}/model`, run_id: run.info.run_id });
  assert.deepEqual([v1.version, v2.version], ['1', '2']);

  R.setRegisteredModelAlias(store, 'churn', 'champion', '1');
  assert.equal(R.getModelVersionByAlias(store, 'churn', 'champion').version, '1');
  R.setRegisteredModelAlias(store, 'churn', 'champion', '2');
  assert.equal(R.getModelVersionByAlias(store, 'churn', 'champion').version, '2', 'the alias moved');
  assert.deepEqual(R.getModelVersion(store, 'churn', '1').aliases, []);
  assert.throws(() => R.setRegisteredModelAlias(store, 'churn', 'latest', '1'), /reserved/);
  assert.throws(() => R.setRegisteredModelAlias(store, 'churn', 'v3', '1'), /reserved/);
  R.deleteRegisteredModelAlias(store, 'churn', 'champion');
  assert.throws(() => R.getModelVersionByAlias(store, 'churn', 'champion'));

  R.transitionModelVersionStage(store, 'churn', '1', 'production');
  assert.equal(R.getModelVersion(store, 'churn', '1').current_stage, 'Production', 'stages are case-insensitive on the way in');
  R.transitionModelVersionStage(store, 'churn', '2', 'Production', true);
  assert.equal(R.getModelVersion(store, 'churn', '1').current_stage, 'Archived', 'archive_existing_versions');
  assert.deepEqual(
    R.getLatestVersions(store, 'churn', ['Production']).map((v) => v.version),
    ['2'],
  );
  assert.deepEqual(
    R.versionsOfRun(store, run.info.run_id).map((v) => v.version),
    ['1', '2'],
  );
});

test('deleting a model deletes its versions and aliases; unknown names say which', async (t) => {
  const store = await openStore(tempDir());
  t.after(() => store.close());
  R.createRegisteredModel(store, { name: 'gone' });
  R.createModelVersion(store, { name: 'gone', source: 'file:///tmp/m' });
  R.setRegisteredModelAlias(store, 'gone', 'prod', '1');
  R.deleteRegisteredModel(store, 'gone');
  assert.deepEqual(R.listRegisteredModels(store), []);
  assert.deepEqual(R.listModelVersions(store, 'gone'), []);
  assert.throws(
    () => R.getRegisteredModel(store, 'gone'),
    (e: Error & { code?: string }) => e.code === 'RESOURCE_DOES_NOT_EXIST' && /gone/.test(e.message),
  );
});
