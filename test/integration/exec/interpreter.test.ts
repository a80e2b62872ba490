import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  EnvironmentSetupFailed,
  MissingTool,
  dockerAvailable,
  findExecutable,
  findPython,
  launch,
  prepareEnvironment,
  readPythonEnv,
  venvDirFor,
} from '../../../src/core/exec';
import { tempDir } from '../../helpers/tmp';

async function run(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  let out = '';
  const r = await launch({ command, cwd, env, onOutput: (c) => (out += c) });
  assert.equal(r.exitCode, 0, out);
  return out.trim();
}

test('findPython prefers the given interpreter, then python3/python on PATH, else says what to install', () => {
  const py = findPython();
  assert.ok(path.isAbsolute(py));
  assert.equal(findPython({ preferred: py }), py);
  const empty = tempDir();
  assert.throws(
    () => findPython({ env: { PATH: empty } }),
    (e: unknown) => e instanceof MissingTool && /Python is needed but was not found\. Install Python 3/.test(e.message),
  );
  // Only `python` present still works.
  fs.symlinkSync(py, path.join(empty, 'python'));
  assert.equal(findPython({ env: { PATH: empty } }), path.join(empty, 'python'));
  assert.equal(findExecutable('nope-not-here', { PATH: empty }), undefined);
});

test('local environment: `python` in a command runs the chosen interpreter even where only python3 exists', async () => {
  const dir = tempDir();
  const onlyPy3 = tempDir();
  fs.symlinkSync(findPython(), path.join(onlyPy3, 'python3'));
  const baseEnv = { PATH: `${onlyPy3}:/usr/bin:/bin`, HOME: process.env.HOME };
  const prepared = await prepareEnvironment({ kind: 'local' }, { projectDir: dir, baseEnv });
  assert.equal(prepared.kind, 'local');
  const exe = await run(prepared.wrapCommand('python -c "import sys; print(sys.executable)"'), dir, prepared.env);
  assert.equal(fs.realpathSync(exe), fs.realpathSync(prepared.python!));
  assert.ok(fs.existsSync(path.join(dir, '.mlops', 'envs', 'shims')));
});

test('python_env: a venv created once, cached by the hash of python_env.yaml', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'python_env.yaml');
  fs.writeFileSync(file, 'python: "3.0.1"\nbuild_dependencies: []\ndependencies: []\n');
  assert.deepEqual(readPythonEnv(file), { python: '3.0.1', buildDependencies: [], dependencies: [] });
  const messages: string[] = [];
  const opts = { projectDir: dir, onOutput: (c: string) => messages.push(c) };
  // Two concurrent requests share one creation.
  const [a, b] = await Promise.all([prepareEnvironment({ kind: 'python_env', file }, opts), prepareEnvironment({ kind: 'python_env', file }, opts)]);
  const venv = venvDirFor(file, path.join(dir, '.mlops', 'envs'));
  assert.equal(a.python, path.join(venv, 'bin', 'python'));
  assert.equal(b.python, a.python);
  assert.equal(messages.filter((m) => m.startsWith('Creating virtualenv')).length, 1);
  assert.ok(
    messages.some((m) => /asks for Python 3\.0\.1/.test(m)),
    'version mismatch is reported',
  );
  const prefix = await run('python -c "import sys; print(sys.prefix)"', dir, a.env);
  assert.equal(fs.realpathSync(prefix), fs.realpathSync(venv));
  const marker = path.join(venv, '.mlops-env-ready');
  const stamp = fs.statSync(marker).mtimeMs;
  const again = await prepareEnvironment({ kind: 'python_env', file }, opts);
  assert.equal(again.python, a.python);
  assert.equal(fs.statSync(marker).mtimeMs, stamp, 'cached env reused');
  // A different file content is a different environment.
  fs.writeFileSync(file, 'python: "3.0.1"\ndependencies: []\n# changed\n');
  assert.notEqual(venvDirFor(file, path.join(dir, '.mlops', 'envs')), venv);
  fs.writeFileSync(file, 'dependencies: numpy\n');
  await assert.rejects(
    prepareEnvironment({ kind: 'python_env', file }, opts),
    (e: unknown) => e instanceof EnvironmentSetupFailed && /dependencies must be a list/.test(e.message),
  );
});

test('conda_env without conda and docker_env without an engine say what to install', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'conda.yaml'), 'name: x\n');
  const noConda = { PATH: tempDir() };
  await assert.rejects(
    prepareEnvironment({ kind: 'conda_env', file: path.join(dir, 'conda.yaml') }, { projectDir: dir, baseEnv: noConda }),
    (e: unknown) =>
      e instanceof MissingTool && /conda is needed but was not found\. This project declares conda_env: install Miniforge or Miniconda/.test(e.message),
  );
  const docker = { kind: 'docker_env' as const, docker: { image: 'img:1', volumes: ['/a:/b'], environment: ['COPY', ['NEW', 'v w'] as [string, string]] } };
  await assert.rejects(
    prepareEnvironment(docker, { projectDir: dir, baseEnv: { PATH: tempDir() } }),
    (e: unknown) => e instanceof MissingTool && /A running Docker engine is needed.*install Docker/.test(e.message),
  );
  if (await dockerAvailable()) {
    const p = await prepareEnvironment(docker, { projectDir: dir, baseEnv: { ...process.env, MLFLOW_RUN_ID: 'r' } });
    assert.match(p.wrapCommand('python train.py'), /docker run --rm .*-v \/a:\/b -e COPY -e 'NEW=v w' -e MLFLOW_RUN_ID img:1 \/bin\/sh -c 'python train.py'/);
  } else {
    // The real docker CLI (if installed) without a daemon is also "no engine".
    await assert.rejects(prepareEnvironment(docker, { projectDir: dir }), MissingTool);
  }
});
