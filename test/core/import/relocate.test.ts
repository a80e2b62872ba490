import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { relocateVersionSource } from '../../../src/core/import/relocate';

const moved = { fromUri: 'mlflow-artifacts:/1/abc/artifacts', fromDir: '/src/mlartifacts/1/abc/artifacts', toUri: 'mlflow-artifacts:/7/abc/artifacts' };

test("a version source inside its run's old artifact location points into the copy", () => {
  assert.equal(relocateVersionSource('mlflow-artifacts:/1/abc/artifacts/model', moved), 'mlflow-artifacts:/7/abc/artifacts/model');
  assert.equal(relocateVersionSource('mlflow-artifacts:/1/abc/artifacts', moved), 'mlflow-artifacts:/7/abc/artifacts');
  assert.equal(relocateVersionSource(pathToFileURL('/src/mlartifacts/1/abc/artifacts/models/m1').href, moved), 'mlflow-artifacts:/7/abc/artifacts/models/m1');
  assert.equal(relocateVersionSource('/src/mlartifacts/1/abc/artifacts/model', moved), 'mlflow-artifacts:/7/abc/artifacts/model');
});

test('other sources are kept: runs:/, models:/, elsewhere, or no copy made', () => {
  assert.equal(relocateVersionSource('runs:/abc/model', moved), 'runs:/abc/model');
  assert.equal(relocateVersionSource('models:/m-123', moved), 'models:/m-123');
  assert.equal(relocateVersionSource('s3://bucket/model', moved), 's3://bucket/model');
  assert.equal(relocateVersionSource('/src/mlartifacts/1/other/artifacts/model', moved), '/src/mlartifacts/1/other/artifacts/model');
  assert.equal(relocateVersionSource('mlflow-artifacts:/1/abcdef/artifacts/model', moved), 'mlflow-artifacts:/1/abcdef/artifacts/model');
  assert.equal(relocateVersionSource('mlflow-artifacts:/1/abc/artifacts/model', undefined), 'mlflow-artifacts:/1/abc/artifacts/model');
});
