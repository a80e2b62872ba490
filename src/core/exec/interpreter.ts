/**
 * Finding interpreters and realising a project's environment (local Python, python_env venv, conda, Docker).
 * Each missing piece becomes a MissingTool error that says what to install.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadPyYaml, toPy } from '../project/pyyaml';
import { pyStr, shlexQuote } from '../project/pyvalue';
import type { ProjectEnv } from '../project/types';
import { EnvironmentSetupFailed, MissingTool } from './errors';
import { launch, processAlive } from './launch';
import { workspacePaths } from '../paths';

const INSTALL_PYTHON =
  'Install Python 3 (https://www.python.org/downloads/, or your package manager, e.g. `apt-get install python3`) or select an interpreter in the Python extension.';

/** The first executable called `name` on PATH (or `name` itself when it is a path to an executable). */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const isExec = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return isExec(name) ? path.resolve(name) : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if (isExec(p)) return p;
  }
  return undefined;
}

/** `preferred` (e.g. the Python extension's interpreter) when it exists, else python3, else python on PATH. */
export function findPython(opts: { preferred?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const env = opts.env ?? process.env;
  if (opts.preferred) {
    const p = findExecutable(opts.preferred, env);
    if (p) return p;
  }
  const found = findExecutable('python3', env) ?? findExecutable('python', env);
  if (!found) throw new MissingTool('Python', INSTALL_PYTHON);
  return found;
}

/** conda (from $CONDA_EXE, else conda/mamba on PATH), or undefined. */
export function findConda(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CONDA_EXE && findExecutable(env.CONDA_EXE, env)) return env.CONDA_EXE;
  return findExecutable('conda', env) ?? findExecutable('mamba', env);
}

/** Runs a program without a shell, collecting its output; never throws for a non-zero exit. */
export function runProgram(
  file: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; signal?: AbortSignal; onOutput?: (c: string) => void } = {},
): Promise<{ code: number | null; output: string; error?: Error }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    const take = (b: Buffer) => {
      const s = b.toString('utf8');
      output += s;
      opts.onOutput?.(s);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output, error });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** True when a Docker engine answers `docker info`. */
export async function dockerAvailable(env: NodeJS.ProcessEnv = process.env, timeoutMs = 15_000): Promise<boolean> {
  const docker = findExecutable('docker', env);
  if (!docker) return false;
  const r = await runProgram(docker, ['info', '--format', '{{.ServerVersion}}'], { env, timeoutMs });
  return r.code === 0;
}

export interface PreparedEnv {
  kind: ProjectEnv['kind'];
  /** The interpreter `python` resolves to inside the command (host side; undefined for Docker). */
  python?: string;
  /** The environment to launch the command with (PATH adjusted). */
  env: NodeJS.ProcessEnv;
  /** Turns the entry point command into what to run with `/bin/sh -c`. */
  wrapCommand(command: string): string;
  /** One line for the terminal / run description. */
  description: string;
}

export interface PrepareOptions {
  projectDir: string;
  /** Where venvs and shims go (default `<projectDir>/.mlops/envs`). */
  cacheDir?: string;
  /** Interpreter chosen in the Python extension, if any. */
  python?: string;
  /** Environment to start from (default process.env). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Like `mlflow run --env-manager local`: ignore the project's environment and use the local interpreter. */
  envManager?: 'local' | 'project';
  /** Names of variables passed into a Docker container (default: every MLFLOW_* variable of baseEnv). */
  forwardEnv?: string[];
  onOutput?: (chunk: string) => void;
  signal?: AbortSignal;
}

const sha = (algo: 'sha1' | 'sha256', data: string | Buffer) => createHash(algo).update(data).digest('hex');

/**
 * MLflow commands say `python ...`, but many systems only have `python3`. A shim folder with `python` and
 * `python3` links to the chosen interpreter goes first on PATH.
 */
function shimDir(python: string, cacheDir: string): string {
  const dir = path.join(cacheDir, 'shims', sha('sha1', python).slice(0, 12));
  fs.mkdirSync(dir, { recursive: true });
  for (const name of ['python', 'python3']) {
    const link = path.join(dir, name);
    try {
      if (fs.readlinkSync(link) === python) continue;
      fs.unlinkSync(link);
    } catch {
      // missing: create below
    }
    try {
      fs.symlinkSync(python, link);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return dir;
}

const withPath = (env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv => ({ ...env, PATH: env.PATH ? `${dir}${path.delimiter}${env.PATH}` : dir });

/** Makes the project's environment ready (creating a cached venv or conda env when needed). */
export async function prepareEnvironment(projectEnv: ProjectEnv, opts: PrepareOptions): Promise<PreparedEnv> {
  const baseEnv = opts.baseEnv ?? process.env;
  const cacheDir = opts.cacheDir ?? workspacePaths.envs(opts.projectDir);
  const kind = opts.envManager === 'local' ? 'local' : projectEnv.kind;
  const identity = (c: string) => c;

  if (kind === 'docker_env') {
    const docker = projectEnv.docker!;
    if (!(await dockerAvailable(baseEnv))) {
      throw new MissingTool(
        'A running Docker engine',
        'This project declares docker_env, so it runs in a container: install Docker (https://docs.docker.com/engine/install/) and start it so that `docker info` succeeds, or run with the local environment.',
      );
    }
    const forward = opts.forwardEnv ?? Object.keys(baseEnv).filter((k) => k.startsWith('MLFLOW_'));
    const args = ['docker', 'run', '--rm', '--network', 'host', '-v', `${opts.projectDir}:/mlflow/projects/code`, '-w', '/mlflow/projects/code'];
    for (const v of docker.volumes) args.push('-v', v);
    for (const e of docker.environment) args.push('-e', typeof e === 'string' ? e : `${e[0]}=${e[1]}`);
    for (const name of forward) args.push('-e', name);
    const prefix = args.map(shlexQuote).join(' ');
    return {
      kind,
      env: { ...baseEnv },
      wrapCommand: (c) => `${prefix} ${shlexQuote(docker.image)} /bin/sh -c ${shlexQuote(c)}`,
      description: `Docker image ${docker.image}`,
    };
  }

  if (kind === 'conda_env') {
    const conda = findConda(baseEnv);
    if (!conda) {
      throw new MissingTool(
        'conda',
        'This project declares conda_env: install Miniforge or Miniconda (https://docs.conda.io/en/latest/miniconda.html) and put conda on PATH, or run with the local environment.',
      );
    }
    const file = projectEnv.file!;
    // Same naming as MLflow (`mlflow-<sha1 of conda.yaml>`), so environments are shared with `mlflow run`.
    const name = `mlflow-${sha('sha1', fs.readFileSync(file, 'utf8'))}`;
    const list = await runProgram(conda, ['env', 'list', '--json'], { env: baseEnv, signal: opts.signal });
    let exists = false;
    try {
      exists = (JSON.parse(list.output).envs as string[]).some((p) => path.basename(p) === name);
    } catch {
      exists = false;
    }
    if (!exists) {
      opts.onOutput?.(`Creating conda environment ${name} from ${file}\n`);
      const r = await runProgram(conda, ['env', 'create', '-n', name, '--file', file], {
        env: baseEnv,
        signal: opts.signal,
        onOutput: opts.onOutput,
        cwd: opts.projectDir,
      });
      if (r.code !== 0) throw new EnvironmentSetupFailed(`conda env create -n ${name}`, r.code, r.output);
    }
    return {
      kind,
      env: { ...baseEnv },
      wrapCommand: (c) => `${shlexQuote(conda)} run --no-capture-output -n ${name} /bin/sh -c ${shlexQuote(c)}`,
      description: `conda environment ${name}`,
    };
  }

  const base = findPython({ preferred: opts.python, env: baseEnv });
  if (kind === 'python_env' && projectEnv.file) {
    const venv = await ensureVenv(projectEnv.file, base, cacheDir, opts, baseEnv);
    const bin = path.join(venv, 'bin');
    return {
      kind,
      python: path.join(bin, 'python'),
      env: { ...withPath(baseEnv, bin), VIRTUAL_ENV: venv },
      wrapCommand: identity,
      description: `virtualenv ${venv}`,
    };
  }
  // Link to the real interpreter, not to a launcher such as a pyenv shim that dispatches on its own name.
  const real = await runProgram(base, ['-c', 'import sys; print(sys.executable)'], { env: baseEnv });
  const exe = real.code === 0 && real.output.trim() && fs.existsSync(real.output.trim()) ? real.output.trim() : base;
  const shims = shimDir(exe, cacheDir);
  return { kind: 'local', python: exe, env: withPath(baseEnv, shims), wrapCommand: identity, description: `local Python ${exe}` };
}

export interface PythonEnvSpec {
  python?: string;
  buildDependencies: string[];
  dependencies: string[];
}

/** Reads python_env.yaml (`python`, `build_dependencies`, `dependencies`). */
export function readPythonEnv(file: string): PythonEnvSpec {
  const doc = loadPyYaml(fs.readFileSync(file, 'utf8'));
  const bad = doc.diagnostics.find((d) => d.severity === 'error');
  if (bad) throw new EnvironmentSetupFailed(`reading ${file} (line ${bad.range.start.line + 1}: ${bad.message})`, null, '');
  const root = doc.root ? toPy(doc.root) : { t: 'dict' as const, entries: [] };
  if (root.t !== 'dict') throw new EnvironmentSetupFailed(`reading ${file} (expected a mapping)`, null, '');
  const get = (k: string) => root.entries.find(([key]) => key.t === 'str' && key.v === k)?.[1];
  const list = (k: string): string[] => {
    const v = get(k);
    if (!v || v.t === 'none') return [];
    if (v.t !== 'list') throw new EnvironmentSetupFailed(`reading ${file} (${k} must be a list)`, null, '');
    return v.items.map(pyStr);
  };
  const py = get('python');
  return { python: py && py.t !== 'none' ? pyStr(py) : undefined, buildDependencies: list('build_dependencies'), dependencies: list('dependencies') };
}

/** The cache folder of a python_env.yaml: `<cacheDir>/<first 16 hex of sha256(content)>`. */
export function venvDirFor(pythonEnvFile: string, cacheDir: string): string {
  return path.join(cacheDir, sha('sha256', fs.readFileSync(pythonEnvFile)).slice(0, 16));
}

const READY = '.mlops-env-ready';
const inFlight = new Map<string, Promise<string>>();

async function ensureVenv(file: string, base: string, cacheDir: string, opts: PrepareOptions, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = venvDirFor(file, cacheDir);
  if (fs.existsSync(path.join(dir, READY))) return dir;
  let p = inFlight.get(dir);
  if (!p) {
    p = createVenvLocked(file, base, dir, opts, env).finally(() => inFlight.delete(dir));
    inFlight.set(dir, p);
  }
  return p;
}

/** Another process may be creating the same venv: a lock file with its pid serialises them. */
async function createVenvLocked(file: string, base: string, dir: string, opts: PrepareOptions, env: NodeJS.ProcessEnv): Promise<string> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const lock = `${dir}.lock`;
  for (;;) {
    if (fs.existsSync(path.join(dir, READY))) return dir;
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(lock, 'utf8') || 0);
      if (!owner || !processAlive(owner)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (fs.existsSync(path.join(dir, READY))) return dir;
    await createVenv(file, base, dir, opts, env);
    return dir;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

async function createVenv(file: string, base: string, dir: string, opts: PrepareOptions, env: NodeJS.ProcessEnv): Promise<void> {
  const spec = readPythonEnv(file);
  const say = (s: string) => opts.onOutput?.(s);
  const version = await runProgram(base, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { env });
  const have = version.output.trim();
  if (spec.python && have && spec.python.split('.').slice(0, 2).join('.') !== have.split('.').slice(0, 2).join('.')) {
    say(
      `Note: ${path.basename(file)} asks for Python ${spec.python}; creating the environment with Python ${have} (${base}). Install Python ${spec.python} and select it to match.\n`,
    );
  }
  // A half-built folder from an interrupted attempt is not trusted.
  fs.rmSync(dir, { recursive: true, force: true });
  say(`Creating virtualenv ${dir} (cached by the hash of ${path.basename(file)})\n`);
  const step = async (label: string, command: string) => {
    let output = '';
    const r = await launch({
      command,
      cwd: opts.projectDir,
      env,
      signal: opts.signal,
      onOutput: (c) => {
        output += c;
        say(c);
      },
    });
    if (r.killed) throw new EnvironmentSetupFailed(`${label} (cancelled)`, null, output);
    if (r.exitCode !== 0) {
      if (/ensurepip is not available|No module named venv/.test(output)) {
        throw new MissingTool(
          'The Python venv module',
          `Install it for ${base} (on Debian/Ubuntu: \`apt-get install python3-venv\`), or select another interpreter.`,
        );
      }
      throw new EnvironmentSetupFailed(label, r.exitCode, output);
    }
  };
  try {
    await step('python -m venv', `${shlexQuote(base)} -m venv ${shlexQuote(dir)}`);
    const py = shlexQuote(path.join(dir, 'bin', 'python'));
    if (spec.buildDependencies.length) {
      await step('pip install (build_dependencies)', `${py} -m pip install -U ${spec.buildDependencies.map(shlexQuote).join(' ')}`);
    }
    if (spec.dependencies.length) {
      // Like MLflow, dependencies go through a requirements file, so `-r other.txt` lines work (made absolute).
      const req = path.join(dir, 'requirements.mlops.txt');
      const lines = spec.dependencies.map((d) =>
        d.replace(/^(-[rc]\s+|--requirement[ =]|--constraint[ =])(?!\/)(.+)$/, (_, flag: string, rel: string) => flag + path.resolve(opts.projectDir, rel)),
      );
      fs.writeFileSync(req, lines.join('\n') + '\n');
      await step('pip install (dependencies)', `${py} -m pip install -r ${shlexQuote(req)}`);
    }
    fs.writeFileSync(path.join(dir, READY), JSON.stringify({ python: base, pythonVersion: have, file, created: new Date().toISOString() }) + '\n');
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
