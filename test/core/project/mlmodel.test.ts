import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InvalidMLmodel, isModelDir, loadMLmodel, parseMLmodel } from '../../../src/core/project';
import { tempDir } from '../../helpers/tmp';

// tests/resources/example_mlflow_1x_sklearn_model/MLmodel (MLflow 1.30.1)
const SKLEARN_1X = `flavors:
  python_function:
    env: conda.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.10.16
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.2
mlflow_version: 1.30.1
model_uuid: 4d622e7b02614d1eb71f44eeb927be4f
utc_time_created: '2024-10-29 07:39:02.032550'
`;

// Abbreviated from tests/resources/example_mlflow_2.12_langchain_model/MLmodel
const LANGCHAIN_212 = `artifact_path: chain
databricks_runtime: '14.3'
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.langchain
    python_version: 3.10.12
    streamable: true
mlflow_version: 2.12.2
model_size_bytes: 6875
model_uuid: bbdda59aafe84e11b2fc25a95e46aee1
run_id: 84552a129bfb45faa87f5fb3f05eb9cf
saved_input_example_info:
  artifact_path: input_example.json
  type: json_object
signature:
  inputs: '[{"type": "array", "items": {"type": "object", "properties": {"content":
    {"type": "string", "required": true}, "role": {"type": "string", "required": true}}},
    "name": "messages", "required": true}]'
  outputs: '[{"type": "string", "required": true}]'
  params: null
utc_time_created: '2024-05-17 23:15:28.764394'
`;

test('MLflow 1.x sklearn model: flavors kept as written, versions stay strings', () => {
  const { model, diagnostics } = parseMLmodel(SKLEARN_1X);
  assert.deepEqual(diagnostics, []);
  assert.ok(model);
  assert.equal(model.flavors.python_function.python_version, '3.10.16');
  assert.equal(model.flavors.sklearn.sklearn_version, '1.5.2');
  assert.equal(model.flavors.sklearn.code, null);
  assert.equal(model.mlflowVersion, '1.30.1');
  assert.equal(model.modelUuid, '4d622e7b02614d1eb71f44eeb927be4f');
  assert.equal(model.utcTimeCreated, '2024-10-29 07:39:02.032550');
  assert.equal(model.createdMs, Date.UTC(2024, 9, 29, 7, 39, 2, 32));
  assert.equal(model.runId, undefined);
  assert.equal(model.artifactPath, undefined);
  assert.equal(model.signature, undefined);
});

test('MLflow 2.12 model: run id, folded JSON signature, input example, unknown keys kept', () => {
  const { model, diagnostics } = parseMLmodel(LANGCHAIN_212);
  assert.deepEqual(diagnostics, []);
  assert.ok(model);
  assert.equal(model.artifactPath, 'chain');
  assert.equal(model.runId, '84552a129bfb45faa87f5fb3f05eb9cf');
  assert.equal(model.modelSizeBytes, 6875);
  assert.equal(model.raw.databricks_runtime, '14.3');
  assert.deepEqual(model.flavors.python_function.env, { conda: 'conda.yaml', virtualenv: 'python_env.yaml' });
  assert.equal(model.signature?.inputs?.[0].name, 'messages');
  assert.equal(model.signature?.inputs?.[0].type, 'array');
  assert.deepEqual((model.signature?.inputs?.[0].raw.items as { properties: Record<string, unknown> }).properties.role, { type: 'string', required: true });
  assert.deepEqual(
    model.signature?.outputs?.map((o) => [o.type, o.required]),
    [['string', true]],
  );
  assert.equal(model.signature?.params, undefined);
  assert.deepEqual(model.inputExample, { artifactPath: 'input_example.json', type: 'json_object', pandasOrient: undefined, servingInputPath: undefined });
});

test('tensor signatures, params, and broken signature JSON', () => {
  const text = `flavors: {pytorch: {}}
signature:
  inputs: '[{"name": "images", "type": "tensor", "tensor-spec": {"dtype": "uint8", "shape": [-1, 28, 28, 1]}}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 10]}}]'
  params: '[{"name": "temperature", "type": "double", "default": 0.5, "shape": null}]'
`;
  const { model } = parseMLmodel(text);
  assert.equal(model?.signature?.tensorBased, true);
  assert.deepEqual(model?.signature?.inputs?.[0].tensorSpec, { dtype: 'uint8', shape: [-1, 28, 28, 1] });
  assert.deepEqual(model?.signature?.params, [{ name: 'temperature', type: 'double', default: 0.5, shape: null }]);
  const bad = parseMLmodel(`flavors: {}\nsignature:\n  inputs: '[{"name": '\n`);
  assert.equal(bad.diagnostics.length, 1);
  assert.match(bad.diagnostics[0].message, /signature.inputs is not valid JSON/);
  assert.equal(bad.diagnostics[0].range.start.line, 2);
  assert.ok(bad.model);
});

test('loadMLmodel reads a model folder; junk throws InvalidMLmodel', () => {
  const dir = tempDir();
  assert.equal(isModelDir(dir), false);
  fs.writeFileSync(path.join(dir, 'MLmodel'), LANGCHAIN_212);
  assert.equal(isModelDir(dir), true);
  const m = loadMLmodel(dir);
  assert.equal(m.dir, dir);
  assert.equal(m.inputExampleFile, path.join(dir, 'input_example.json'));
  fs.writeFileSync(path.join(dir, 'MLmodel'), 'flavors: [\n');
  assert.throws(() => loadMLmodel(dir), InvalidMLmodel);
  fs.writeFileSync(path.join(dir, 'MLmodel'), 'just text\n');
  assert.throws(() => loadMLmodel(path.join(dir, 'MLmodel')), /must be a YAML mapping/);
});
