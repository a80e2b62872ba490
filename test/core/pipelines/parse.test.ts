import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parsePipeline } from '../../../src/core/pipelines/parse';
import { PipelineFileError } from '../../../src/core/pipelines/errors';
import { tempDir } from '../../helpers/tmp';

function parse(yaml: string, files: Record<string, string> = {}) {
  const dir = tempDir(undefined, 'mlops-pl-');
  for (const [f, t] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), t);
  }
  return { dir, p: parsePipeline(yaml, path.join(dir, 'dvc.yaml')) };
}

function errorOf(yaml: string, files: Record<string, string> = {}): PipelineFileError {
  try {
    parse(yaml, files);
  } catch (e) {
    assert.ok(e instanceof PipelineFileError, String(e));
    return e;
  }
  assert.fail('expected a PipelineFileError');
}

test('stage fields: cmd string or list, wdir, deps, outs/metrics/plots with flags, frozen, always_changed', () => {
  const { dir, p } = parse(`stages:
  prepare:
    cmd:
    - python prep.py
    - echo done
    wdir: src
    deps: [../data/raw, prep.py]
    outs:
    - ../data/prepared
    - cache.db:
        cache: false
        persist: true
        remote: store
        push: false
    metrics:
    - ../metrics.json:
        cache: false
    plots:
    - ../plots/loss.tsv:
        x: step
        y: loss
    frozen: true
    always_changed: true
`);
  const s = p.stages[0];
  assert.equal(s.name, 'prepare');
  assert.deepEqual(s.cmd, ['python prep.py', 'echo done']);
  assert.equal(s.wdir, path.join(dir, 'src'));
  assert.deepEqual(
    s.deps.map((d) => d.abs),
    [path.join(dir, 'data/raw'), path.join(dir, 'src/prep.py')],
  );
  assert.deepEqual(
    s.outs.map((o) => [o.path, o.kind, o.cache, o.persist, o.push, o.remote ?? null]),
    [
      ['../data/prepared', 'outs', true, false, true, null],
      ['cache.db', 'outs', false, true, false, 'store'],
      ['../metrics.json', 'metrics', false, false, true, null],
      ['../plots/loss.tsv', 'plots', true, false, true, null],
    ],
  );
  assert.deepEqual(s.outs[3].props, { x: 'step', y: 'loss' });
  assert.equal(s.frozen, true);
  assert.equal(s.alwaysChanged, true);
  assert.deepEqual(s.pos, { file: path.join(dir, 'dvc.yaml'), line: 2, col: 3 });
});

test('params: default params.yaml keys, other files, whole-file form; a wholly tracked file ignores its keys', () => {
  const { p } = parse(`stages:
  train:
    cmd: python train.py
    params:
    - train.lr
    - seed
    - config/extra.json:
      - model.depth
    - whole.yaml:
    - params.yaml:
`);
  assert.deepEqual(
    p.stages[0].params.map((x) => [x.file, x.keys]),
    [
      ['params.yaml', null],
      ['config/extra.json', ['model.depth']],
      ['whole.yaml', null],
    ],
  );
});

test('vars, params.yaml and ${} interpolation: exact values keep their type, dicts in cmd become --key value', () => {
  const { p } = parse(
    `vars:
- custom.yaml
- inline: 7
stages:
  train:
    cmd: python train.py --lr \${train.lr} --n \${inline} \${opts} --literal \\\${not_a_var}
    deps:
    - data/\${dataset}
    outs:
    - models/\${train.name}.pkl
`,
    {
      'params.yaml': 'train:\n  lr: 1.0\n  name: big model\ndataset: cifar\n',
      'custom.yaml': "opts:\n  epochs: 3\n  verbose: true\n  quiet: false\n  tag: it's\n  layers: [1, 2]\n",
    },
  );
  const s = p.stages[0];
  assert.equal(s.cmd, "python train.py --lr 1.0 --n 7 --epochs 3 --verbose --tag 'it'\"'\"'s' --layers 1 2 --literal ${not_a_var}");
  assert.deepEqual(
    s.deps.map((d) => d.path),
    ['data/cifar'],
  );
  assert.deepEqual(
    s.outs.map((o) => o.path),
    ['models/big model.pkl'],
  );
  // Interpolated values are part of the command, not params dependencies (DVC 3's tracked vars are for params show).
  assert.deepEqual(s.params, []);
});

test('foreach over a list, a list of mappings and a mapping; names are group@key', () => {
  const { p } = parse(
    `stages:
  simple:
    foreach: [a, b]
    do:
      cmd: echo \${item} > \${item}.txt
      outs:
      - \${item}.txt
  composite:
    foreach:
    - {os: linux, py: 3.8}
    - {os: mac, py: 3.9}
    do:
      cmd: build \${item.os} \${item.py}
  mapped:
    foreach: \${models}
    do:
      cmd: train \${key} --depth \${item.depth}
`,
    { 'params.yaml': 'models:\n  us:\n    depth: 3\n  eu:\n    depth: 5\n' },
  );
  assert.deepEqual(
    p.stages.map((s) => [s.name, s.group, s.cmd]),
    [
      ['simple@a', 'simple', 'echo a > a.txt'],
      ['simple@b', 'simple', 'echo b > b.txt'],
      ['composite@0', 'composite', 'build linux 3.8'],
      ['composite@1', 'composite', 'build mac 3.9'],
      ['mapped@us', 'mapped', 'train us --depth 3'],
      ['mapped@eu', 'mapped', 'train eu --depth 5'],
    ],
  );
});

test('matrix: every combination, keys from values (or name+index for composite values)', () => {
  const { p } = parse(`stages:
  fit:
    matrix:
      model: [cnn, xgb]
      lr: [0.1, 1]
      cfg: [{a: 1}]
    cmd: fit \${item.model} \${item.lr} \${item.cfg.a} \${key}
`);
  assert.deepEqual(
    p.stages.map((s) => [s.name, s.cmd]),
    [
      ['fit@cnn-0.1-cfg0', 'fit cnn 0.1 1 cnn-0.1-cfg0'],
      ['fit@cnn-1-cfg0', 'fit cnn 1 1 cnn-1-cfg0'],
      ['fit@xgb-0.1-cfg0', 'fit xgb 0.1 1 xgb-0.1-cfg0'],
      ['fit@xgb-1-cfg0', 'fit xgb 1 1 xgb-1-cfg0'],
    ],
  );
});

test('errors name the file, line and column', () => {
  const e1 = errorOf('stages:\n  a:\n    cmd: x\n    dep: [y]\n');
  assert.match(e1.message, /dvc\.yaml:4:5: stage 'a': unknown key 'dep'/);
  assert.deepEqual([e1.pos.line, e1.pos.col], [4, 5]);
  const e2 = errorOf('stages:\n  a:\n    cmd: echo ${missing.key}\n');
  assert.match(e2.message, /dvc\.yaml:3:10: in 'cmd': could not find 'missing.key'/);
  const e3 = errorOf('stages:\n  a:\n    cmd: [x\n');
  assert.match(e3.message, /dvc\.yaml:\d+:\d+: not valid YAML/);
  const e4 = errorOf('stages:\n  a:\n    deps: [x]\n');
  assert.match(e4.message, /dvc\.yaml:2:3: stage 'a': "cmd" is required/);
  const e5 = errorOf('stages:\n  g:\n    foreach: 3\n    do:\n      cmd: x\n');
  assert.match(e5.message, /dvc\.yaml:3:14: stage 'g': "foreach" must be a list or a mapping/);
  const e6 = errorOf('stages:\n  a:\n    cmd: echo ${cfg}\n', { 'params.yaml': 'cfg: [1, 2]\n' });
  assert.match(e6.message, /its value is a list/);
  const e7 = errorOf('stages:\n  a:\n    cmd: x\n    frozen: yes\n');
  assert.match(e7.message, /dvc\.yaml:4:13: stage 'a': "frozen" must be true or false/);
  const e8 = errorOf('vars:\n- nope.yaml\nstages: {}\n');
  assert.match(e8.message, /dvc\.yaml:2:1: vars file 'nope.yaml' does not exist/);
});
