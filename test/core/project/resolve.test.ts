import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  InvalidEntryPoint,
  InvalidParameterArgument,
  InvalidParameterValue,
  InvalidProjectFile,
  MissingParameters,
  UnknownEntryPoint,
  loadProject,
  parseDashP,
  parseDashPEntries,
  parseProject,
  resolveEntryPoint,
  type Project,
} from '../../../src/core/project';
import { tempDir } from '../../helpers/tmp';
import { DOCKER_EXAMPLE, EXAMPLE_PROJECT, HYPERPARAM, MULTISTEP, QUIRKS } from './fixtures';

function project(text: string, files: Record<string, string> = {}): Project {
  const dir = tempDir();
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), body);
  }
  const { project: p, diagnostics } = parseProject(text, dir, 'MLproject');
  assert.ok(p, JSON.stringify(diagnostics));
  return p;
}

test('MLflow example_project: the documented invocations', () => {
  const p = project(EXAMPLE_PROJECT, { 'conda.yaml': 'name: x\n', 'data.txt': 'a\nb\n' });
  assert.equal(resolveEntryPoint(p, 'main').command, "echo 'Main entry point'");
  assert.equal(resolveEntryPoint(p, 'greeter', { name: 'world' }).command, 'python greeter.py hi world');
  assert.throws(
    () => resolveEntryPoint(p, 'greeter'),
    (e: unknown) => e instanceof MissingParameters && e.message === "No value given for missing parameters: 'name'",
  );
  const r = resolveEntryPoint(p, 'greeter', { name: 'a b', extra: '1' });
  assert.equal(r.command, "python greeter.py hi 'a b' --extra 1");
  assert.deepEqual(r.params, { greeting: 'hi', name: "'a b'" });
  assert.deepEqual(r.extraParams, { extra: '1' });
  assert.throws(
    () => resolveEntryPoint(p, 'line_count', { path: 'nofile' }, { cwd: p.dir }),
    (e: unknown) => e instanceof InvalidParameterValue && e.message === 'Got value nofile for parameter path, but no such file or directory was found.',
  );
  const lc = resolveEntryPoint(p, 'line_count', { path: 'data.txt' }, { cwd: p.dir });
  assert.equal(lc.command, `cat ${path.join(p.dir, 'data.txt')} | wc -l`);
  // Logged params keep the raw path value (MLflow logs with storage_dir=None).
  assert.deepEqual(lc.params, { path: 'data.txt' });
  assert.equal(lc.values.path, path.join(p.dir, 'data.txt'));
  assert.throws(
    () => resolveEntryPoint(p, 'download_uri', { uri: 'foo' }),
    (e: unknown) =>
      e instanceof InvalidParameterValue &&
      e.message === 'Expected URI for parameter uri but got foo' &&
      e.name === 'InvalidParameterValue' &&
      e.parameter === 'uri',
  );
  assert.equal(resolveEntryPoint(p, 'download_uri', { uri: 's3://b/k' }).command, 'curl s3://b/k | wc -l');
  assert.equal(resolveEntryPoint(p, 'sleep', { duration: 'abc' }, { validateNumbers: false }).command, 'sleep abc');
  assert.equal(resolveEntryPoint(p, 'test_tracking', { use_start_run: 'true' }).command, 'python tracking_test.py true');
  assert.throws(() => resolveEntryPoint(p, 'test_artifact_path'), /^MissingParameters: No value given for missing parameters: 'model'$/m);
});

test('beyond MLflow: int and float values are validated before anything runs', () => {
  const p = project(EXAMPLE_PROJECT, { 'conda.yaml': '' });
  assert.throws(
    () => resolveEntryPoint(p, 'sleep', { duration: 'abc' }),
    (e: unknown) =>
      e instanceof InvalidParameterValue && e.name === 'InvalidParameterValue' && e.value === 'abc' && /duration/.test(e.message) && /"abc"/.test(e.message),
  );
  for (const ok of ['3', '-2', '+7', '1_000', ' 5 ']) assert.doesNotThrow(() => resolveEntryPoint(p, 'sleep', { duration: ok }), ok);
  for (const bad of ['1.5', '', '1__0', '0x10', 'ten']) assert.throws(() => resolveEntryPoint(p, 'sleep', { duration: bad }), InvalidParameterValue, bad);
  const d = project(DOCKER_EXAMPLE);
  for (const ok of ['0.5', '.5', '5.', '1e-3', '-1E+5', 'inf', 'NaN', '1_0.5', '3']) {
    assert.doesNotThrow(() => resolveEntryPoint(d, 'main', { alpha: ok }), ok);
  }
  for (const bad of ['abc', '1e', '.', '1,5', '0x1p3']) {
    assert.throws(
      () => resolveEntryPoint(d, 'main', { alpha: bad }),
      (e: unknown) => e instanceof InvalidParameterValue && e.name === 'InvalidParameterValue' && e.message.includes('alpha'),
      bad,
    );
  }
});

test('docker example: short-form required float', () => {
  const p = project(DOCKER_EXAMPLE);
  assert.equal(resolveEntryPoint(p, 'main', { alpha: '0.5' }).command, 'python train.py --alpha 0.5 --l1-ratio 0.1');
  assert.throws(() => resolveEntryPoint(p, 'main', {}), /No value given for missing parameters: 'alpha'/);
  assert.deepEqual(p.env, { kind: 'docker_env', docker: { image: 'mlflow-docker-example', volumes: [], environment: [] } });
});

test('hyperparam: folded multi-line commands and YAML 1.1 defaults', () => {
  const p = project(HYPERPARAM, { 'conda.yaml': '' });
  const r = resolveEntryPoint(p, 'train');
  assert.equal(r.command, 'python train.py ../sklearn_elasticnet_wine/wine-quality.csv --batch-size 16 --epochs 32 --learning-rate 1e-1 --momentum 0.0');
  assert.deepEqual(r.params, {
    training_data: '../sklearn_elasticnet_wine/wine-quality.csv',
    epochs: '32',
    batch_size: '16',
    learning_rate: '1e-1',
    momentum: '0.0',
    seed: '97531',
  });
  const q = resolveEntryPoint(p, 'random', { metric: 'a b', x: "it's" });
  assert.equal(
    q.command,
    `python search_random.py  ../sklearn_elasticnet_wine/wine-quality.csv --max-runs 8 --metric 'a b' --training-experiment-id '' --x 'it'"'"'s'`,
  );
  assert.deepEqual(q.params, { training_data: '../sklearn_elasticnet_wine/wine-quality.csv', max_runs: '8', metric: "'a b'", training_experiment_id: "''" });
  assert.deepEqual(q.extraParams, { x: `'it'"'"'s'` });
});

test('PyYAML quirks reach the command exactly as MLflow builds it', () => {
  const p = project(QUIRKS);
  const r = resolveEntryPoint(p, 'main', undefined, { validateNumbers: false });
  assert.equal(r.command, `run 1e-05 1e+16 1000 True True 1e+3 y -.5 2020-01-01 31 '[1, '"'"'two'"'"']' '' '$HOME' {literal} {1e-05}`);
  assert.deepEqual(r.params, {
    a: '1e-05',
    b: '1e+16',
    c: '1000',
    d: 'True',
    e: 'True',
    f: '1e+3',
    g: 'y',
    h: '-.5',
    i: '2020-01-01',
    j: '31',
    k: `'[1, '"'"'two'"'"']'`,
    l: "''",
    m: "'$HOME'",
  });
  // With validation on, all these float/int defaults are still numbers to Python.
  assert.doesNotThrow(() => resolveEntryPoint(p, 'main'));
});

test('multistep: path params, entry point without parameters, missing params listed in declaration order', () => {
  const p = project(MULTISTEP, { 'conda.yaml': '', 'ratings.csv': 'x' });
  assert.equal(resolveEntryPoint(p, 'load_raw_data').command, 'python load_raw_data.py');
  assert.equal(resolveEntryPoint(p, 'load_raw_data', { a: '1', b: 'x y' }).command, "python load_raw_data.py --a 1 --b 'x y'");
  assert.throws(() => resolveEntryPoint(p, 'als'), /^MissingParameters: No value given for missing parameters: 'ratings_data'$/m);
  const etl = resolveEntryPoint(p, 'etl_data', { ratings_csv: path.join(p.dir, 'ratings.csv'), max_row_limit: '5' });
  assert.equal(etl.command, `python etl_data.py --ratings-csv ${path.join(p.dir, 'ratings.csv')} --max-row-limit 5`);
  // file: URIs are local paths too.
  const viaUri = resolveEntryPoint(p, 'etl_data', { ratings_csv: 'file://' + path.join(p.dir, 'ratings.csv') });
  assert.equal(viaUri.values.ratings_csv, path.join(p.dir, 'ratings.csv'));
  assert.throws(() => resolveEntryPoint(p, 'etl_data', { ratings_csv: 's3://bucket/r.csv' }), /remote/);
  assert.equal(resolveEntryPoint(p, 'main').command, 'python main.py --als-max-iter 10 --keras-hidden-units 20 --max-row-limit 100000');
});

test('a path with spaces is quoted in the command; required parameters all reported at once', () => {
  const p = project(
    `entry_points:\n  main:\n    parameters:\n      data: path\n      x: string\n      y: {type: int, default: null}\n      z: {type: int, default: 0}\n    command: "cat {data} {x} {y} {z}"\n`,
    { 'my data/f.csv': '1' },
  );
  assert.throws(
    () => resolveEntryPoint(p, 'main', {}),
    (e: unknown) => e instanceof MissingParameters && e.message === "No value given for missing parameters: 'data', 'x', 'y'",
  );
  const r = resolveEntryPoint(p, 'main', { data: 'my data/f.csv', x: '', y: '2' }, { cwd: p.dir });
  assert.equal(r.command, `cat '${path.join(p.dir, 'my data/f.csv')}' '' 2 0`);
});

test('script entry points: .py and .sh files get every param as --k v', () => {
  const p = project(`entry_points:\n  main:\n    command: "true"\n`);
  assert.deepEqual(resolveEntryPoint(p, 'train.py', { lr: '0.1', name: 'a b' }), {
    entryPoint: 'train.py',
    command: "python train.py --lr 0.1 --name 'a b'",
    params: {},
    extraParams: { lr: '0.1', name: "'a b'" },
    values: {},
  });
  assert.equal(resolveEntryPoint(p, 'my script.py').command, "python 'my script.py'");
  assert.equal(resolveEntryPoint(p, 'run.sh', {}, { env: { SHELL: '/bin/zsh' } }).command, '/bin/zsh run.sh');
  assert.equal(resolveEntryPoint(p, 'run.sh', {}, { env: {} }).command, 'bash run.sh');
  assert.throws(
    () => resolveEntryPoint(p, 'nope'),
    (e: unknown) =>
      e instanceof UnknownEntryPoint &&
      e.message === "Could not find nope among entry points ['main'] or interpret nope as a runnable script. Supported script file extensions: ['.py', '.sh']",
  );
});

test('a folder without an MLproject file is the empty spec', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'train.py'), 'print(1)\n');
  const p = loadProject(dir);
  assert.equal(p.name, path.basename(dir));
  assert.equal(p.file, undefined);
  assert.deepEqual(p.entryPoints, []);
  assert.throws(() => resolveEntryPoint(p), /Could not find main among entry points \[\]/);
  assert.equal(resolveEntryPoint(p, 'train.py', { a: '1' }).command, 'python train.py --a 1');
});

test('loadProject finds the file case-insensitively; broken YAML throws InvalidProjectFile', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'mlProject'), `name: hello\nentry_points:\n  main:\n    command: "echo hi"\n`);
  const p = loadProject(dir);
  assert.equal(p.name, 'hello');
  assert.equal(p.file, path.join(dir, 'mlProject'));
  assert.equal(resolveEntryPoint(p).command, 'echo hi');
  fs.writeFileSync(path.join(dir, 'mlProject'), `entry_points: [\n`);
  assert.throws(
    () => loadProject(dir),
    (e: unknown) => e instanceof InvalidProjectFile && /line \d+, column \d+: YAML syntax error/.test(e.message),
  );
});

test('projects and entry points with errors refuse to run, naming the problem', () => {
  const multi = project(`python_env: p.yaml\nconda_env: c.yaml\nentry_points:\n  main:\n    command: "x"\n`, { 'p.yaml': '', 'c.yaml': '' });
  assert.throws(
    () => resolveEntryPoint(multi),
    (e: unknown) => e instanceof InvalidProjectFile && /multiple environment fields: \{'python_env', 'conda_env'\}/.test(e.message),
  );
  const badType = project(`entry_points:\n  main:\n    parameters:\n      a: flaot\n    command: "x {a}"\n  ok:\n    command: "y"\n`);
  assert.throws(
    () => resolveEntryPoint(badType, 'main', { a: '1' }),
    (e: unknown) => e instanceof InvalidEntryPoint && /Unknown type 'flaot'/.test(e.message),
  );
  assert.equal(resolveEntryPoint(badType, 'ok').command, 'y');
  const badPlaceholder = project(`entry_points:\n  main:\n    parameters:\n      alpha: float\n    command: "x {alpah}"\n`);
  assert.throws(() => resolveEntryPoint(badPlaceholder, 'main', { alpha: '1' }), /Placeholder \{alpah\}.*declared: alpha/);
});

test('-P parsing follows mlflow run', () => {
  assert.deepEqual(parseDashP(['a=1', 'b=c=d', 'e=', 'f= g ']), { a: '1', b: 'c=d', e: '', f: ' g ' });
  assert.throws(
    () => parseDashP(['alpha']),
    (e: unknown) => e instanceof InvalidParameterArgument && e.message === "Invalid format for -P parameter: 'alpha'. Use -P name=value.",
  );
  assert.throws(
    () => parseDashP(['a=1', 'a=2']),
    (e: unknown) => e instanceof InvalidParameterArgument && e.message === "Repeated parameter: 'a'",
  );
  // Entries keep the given order even for numeric-looking names (a JS object would not).
  assert.deepEqual(parseDashPEntries(['z=1', '2=x']), [
    ['z', '1'],
    ['2', 'x'],
  ]);
  const p = project(`entry_points:\n  main:\n    command: "run"\n`);
  assert.equal(resolveEntryPoint(p, 'main', parseDashPEntries(['z=1', '2=x'])).command, 'run --z 1 --2 x');
});

test('a parameter whose YAML key is not a string can never be set by name (as in MLflow)', () => {
  const p = project(`entry_points:\n  main:\n    parameters:\n      on: {type: string, default: "d"}\n      "off": string\n    command: "run {True} {off}"\n`);
  assert.equal(p.entryPoints[0].parameters[0].name, 'True');
  assert.equal(p.entryPoints[0].parameters[0].userKey, null);
  const r = resolveEntryPoint(p, 'main', { on: 'x', off: 'y' });
  assert.equal(r.command, 'run d y --on x');
  assert.ok(p.diagnostics.some((d) => d.severity === 'warning' && /boolean True/.test(d.message)));
});

test('a relative path default resolves against the project folder when run from elsewhere; a given path against the cwd', () => {
  const p = project('entry_points:\n  main:\n    parameters:\n      data: {type: path, default: data/train.csv}\n    command: "cat {data}"\n', {
    'data/train.csv': 'x\n',
  });
  const elsewhere = tempDir();
  // MLflow 2.12.2 (checked with the oracle) fails here: "Got value data/train.csv for parameter data, but no such
  // file or directory was found", because it resolves the default against the cwd. The project's own file is meant.
  assert.equal(resolveEntryPoint(p, 'main', {}, { cwd: elsewhere }).values.data, path.join(p.dir, 'data/train.csv'));
  // A value the user passes is relative to where it is typed, exactly as in MLflow.
  fs.writeFileSync(path.join(elsewhere, 'mine.csv'), 'y\n');
  assert.equal(resolveEntryPoint(p, 'main', { data: 'mine.csv' }, { cwd: elsewhere }).values.data, path.join(elsewhere, 'mine.csv'));
  assert.throws(() => resolveEntryPoint(p, 'main', { data: 'data/train.csv' }, { cwd: elsewhere }), InvalidParameterValue);
  // A default missing from the project still resolves against the cwd (MLflow's behaviour, when it works there).
  const q = project('entry_points:\n  main:\n    parameters:\n      data: {type: path, default: here.csv}\n    command: "cat {data}"\n');
  fs.writeFileSync(path.join(elsewhere, 'here.csv'), 'z\n');
  assert.equal(resolveEntryPoint(q, 'main', {}, { cwd: elsewhere }).values.data, path.join(elsewhere, 'here.csv'));
});
