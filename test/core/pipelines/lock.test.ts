import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { reproduce, readLock, renderLock } from '../../../src/core/pipelines';
import { emitYaml } from '../../../src/core/pipelines/emit';
import { PyFloat, pyFloatRepr, pyJson, yamlFloat } from '../../../src/core/pipelines/pyvalue';
import { hasPython, md5sum, open, pyDirHash, repoWith } from './helpers';

test('floats and quoting as ruamel writes them', () => {
  assert.deepEqual([1e-5, 0.2, 1, 1e16, 1.5e-7, 123.456, -0.0001, 1e22].map(yamlFloat), [
    '1.0e-05',
    '0.2',
    '1.0',
    '1.0e+16',
    '1.5e-07',
    '123.456',
    '-0.0001',
    '1.0e+22',
  ]);
  assert.equal(pyFloatRepr(1e-5), '1e-05');
  assert.equal(pyJson({ b: [1, new PyFloat(2), 'é'], a: null, c: true }), '{"a": null, "b": [1, 2.0, "\\u00e9"], "c": true}');
  assert.equal(
    emitYaml({ schema: '2.0', s: { a: '123', b: 'true', c: 'x: y', d: '', e: "it's", f: null, g: [], h: ['- x', 'plain text'], i: '0123e45' } }),
    "schema: '2.0'\ns:\n  a: '123'\n  b: 'true'\n  c: 'x: y'\n  d: ''\n  e: it's\n  f:\n  g: []\n  h:\n  - '- x'\n  - plain text\n  i: '0123e45'\n",
  );
});

test('a long command folds at column 80 like PyYAML/ruamel (checked against PyYAML when installed)', (t) => {
  const cmd = 'python src/train.py data/features model.pkl --learning-rate 0.001 --epochs 10 --batch-size 64 --seed 42 --out results';
  const doc = { stages: { train: { cmd, deps: [{ path: 'a', hash: 'md5' }] } } };
  const ours = emitYaml(doc);
  assert.ok(
    ours.split('\n').some((l) => l.startsWith('      ')),
    ours,
  );
  let py: string;
  try {
    py = execFileSync(
      'python3',
      ['-c', 'import json,sys,yaml; sys.stdout.write(yaml.dump(json.loads(sys.argv[1]), default_flow_style=False, sort_keys=False))', JSON.stringify(doc)],
      { encoding: 'utf8' },
    );
  } catch {
    t.skip('python3 with PyYAML not installed');
    return;
  }
  assert.equal(ours, py);
});

test('DVC 3 example (get-started shape): dvc.lock equals the text computed with md5sum and Python', async (t) => {
  if (!hasPython()) return t.skip('python3 not installed (needed for the independent folder hash)');
  const dir = repoWith({
    'data/data.xml': '<posts>\n<row Id="1" Body="hello"/>\n<row Id="2" Body="world"/>\n</posts>\n',
    'params.yaml':
      'prepare:\n  split: 0.20\n  seed: 20170428\nfeaturize:\n  max_features: 100\n  ngrams: 1\ntrain:\n  seed: 20170428\n  n_est: 50\n  min_split: 0.01\n',
    'src/prepare.sh': 'mkdir -p data/prepared\nhead -n 2 "$1" > data/prepared/train.tsv\ntail -n 2 "$1" > data/prepared/test.tsv\n',
    'src/evaluate.sh': 'printf \'{"avg_prec": 0.5, "roc_auc": 0.75}\'\n',
    'dvc.yaml': `stages:
  prepare:
    cmd: sh src/prepare.sh data/data.xml
    deps:
    - data/data.xml
    - src/prepare.sh
    params:
    - prepare.seed
    - prepare.split
    outs:
    - data/prepared
  featurize:
    cmd: mkdir -p data/features && cat data/prepared/*.tsv > data/features/all.tsv
    deps:
    - data/prepared
    params:
    - featurize.max_features
    - featurize.ngrams
    outs:
    - data/features
  train:
    cmd: wc -c data/features/all.tsv > model.pkl
    deps:
    - data/features
    params:
    - train
    outs:
    - model.pkl
  evaluate:
    cmd: sh src/evaluate.sh > eval.json
    deps:
    - model.pkl
    metrics:
    - eval.json:
        cache: false
`,
  });
  const r = await reproduce(open(dir));
  assert.deepEqual(
    r.outcomes.map((o) => o.action),
    ['ran', 'ran', 'ran', 'ran'],
  );
  const m = (f: string) => md5sum(path.join(dir, f));
  const sz = (f: string) => fs.statSync(path.join(dir, f)).size;
  const prepared = pyDirHash(path.join(dir, 'data/prepared'));
  const features = pyDirHash(path.join(dir, 'data/features'));
  const expected = `schema: '2.0'
stages:
  prepare:
    cmd: sh src/prepare.sh data/data.xml
    deps:
    - path: data/data.xml
      hash: md5
      md5: ${m('data/data.xml')}
      size: ${sz('data/data.xml')}
    - path: src/prepare.sh
      hash: md5
      md5: ${m('src/prepare.sh')}
      size: ${sz('src/prepare.sh')}
    params:
      params.yaml:
        prepare.seed: 20170428
        prepare.split: 0.2
    outs:
    - path: data/prepared
      hash: md5
      md5: ${prepared.md5}
      size: ${prepared.size}
      nfiles: ${prepared.nfiles}
  featurize:
    cmd: mkdir -p data/features && cat data/prepared/*.tsv > data/features/all.tsv
    deps:
    - path: data/prepared
      hash: md5
      md5: ${prepared.md5}
      size: ${prepared.size}
      nfiles: ${prepared.nfiles}
    params:
      params.yaml:
        featurize.max_features: 100
        featurize.ngrams: 1
    outs:
    - path: data/features
      hash: md5
      md5: ${features.md5}
      size: ${features.size}
      nfiles: ${features.nfiles}
  train:
    cmd: wc -c data/features/all.tsv > model.pkl
    deps:
    - path: data/features
      hash: md5
      md5: ${features.md5}
      size: ${features.size}
      nfiles: ${features.nfiles}
    params:
      params.yaml:
        train:
          seed: 20170428
          n_est: 50
          min_split: 0.01
    outs:
    - path: model.pkl
      hash: md5
      md5: ${m('model.pkl')}
      size: ${sz('model.pkl')}
  evaluate:
    cmd: sh src/evaluate.sh > eval.json
    deps:
    - path: model.pkl
      hash: md5
      md5: ${m('model.pkl')}
      size: ${sz('model.pkl')}
    outs:
    - path: eval.json
      hash: md5
      md5: ${m('eval.json')}
      size: ${sz('eval.json')}
`;
  assert.equal(fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8'), expected);
  // Cached outputs are in the cache and git-ignored next to them, like data add; the metrics file (cache: false) is not.
  assert.equal(fs.readFileSync(path.join(dir, 'data/.gitignore'), 'utf8'), '/prepared\n/features\n');
  assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '/model.pkl\n');
  const obj = path.join(dir, '.dvc/cache/files/md5', m('model.pkl').slice(0, 2), m('model.pkl').slice(2));
  assert.equal(fs.readFileSync(obj, 'utf8'), fs.readFileSync(path.join(dir, 'model.pkl'), 'utf8'));
  assert.ok(fs.existsSync(path.join(dir, '.dvc/cache/files/md5', prepared.md5.slice(0, 2), prepared.md5.slice(2))));
  // The lock reads back to the same text.
  assert.equal(renderLock(readLock(path.join(dir, 'dvc.lock'))), expected);
  // Nothing changed: nothing runs.
  const again = await reproduce(open(dir));
  assert.deepEqual(
    again.outcomes.map((o) => o.action),
    ['skipped', 'skipped', 'skipped', 'skipped'],
  );
});

test('a lock written by DVC (legacy entries, other key order, quoted md5) reads back and reports up to date', async () => {
  const dir = repoWith({ foo: 'foo', 'dvc.yaml': 'stages:\n  copy:\n    cmd: cp foo bar\n    deps: [foo]\n    outs: [bar]\n' });
  await reproduce(open(dir));
  const lock = fs.readFileSync(path.join(dir, 'dvc.lock'), 'utf8');
  // DVC 2 style: no hash key, md5 before path.
  const legacy = lock.replace(/- path: (\w+)\n\s+hash: md5\n\s+md5: (\w+)/g, "- md5: '$2'\n      path: $1");
  fs.writeFileSync(path.join(dir, 'dvc.lock'), legacy);
  const st = await open(dir).status();
  assert.deepEqual(
    st.map((s) => s.state),
    ['up-to-date'],
  );
});
