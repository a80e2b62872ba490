/**
 * MLproject parsing with MLflow's semantics (`mlflow/projects/_project_spec.py`). Anything MLflow would fail on
 * (or silently get wrong) becomes a diagnostic with a 0-based range, never an exception.
 */
import fs from 'node:fs';
import path from 'node:path';
import { getEntry, loadPyYaml, toPy, type PyEntry, type PyMapNode, type PyNode, type PyYamlDocument } from './pyyaml';
import { pyStr, pyStrRepr, type PyValue } from './pyvalue';
import { parseTemplate } from './template';
import {
  KNOWN_PARAMETER_TYPES,
  type Diagnostic,
  type DockerEnv,
  type EntryPoint,
  type EnvKind,
  type Parameter,
  type ParseResult,
  type Project,
  type ProjectEnv,
  type Range,
} from './types';

export const ENV_KEYS: EnvKind[] = ['conda_env', 'python_env', 'docker_env'];
const INVALID = 'Project configuration (MLproject file) was invalid: ';

/** Python truthiness of a loaded YAML value. */
function truthy(v: PyValue): boolean {
  switch (v.t) {
    case 'str':
      return v.v !== '';
    case 'int':
      return v.v !== 0n;
    case 'float':
      return v.v !== 0;
    case 'bool':
      return v.v;
    case 'none':
      return false;
    case 'date':
      return true;
    case 'list':
      return v.items.length > 0;
    case 'dict':
      return v.entries.length > 0;
  }
}

const isStr = (n: PyNode | undefined): n is PyNode & { kind: 'scalar'; value: { t: 'str'; v: string } } => n?.kind === 'scalar' && n.value.t === 'str';

/**
 * Parses MLproject text. `dir` is the project directory (env files are checked there); `file` names the
 * MLproject file for the returned project. `project` is undefined only when the YAML itself is unusable.
 */
export function parseProject(text: string, dir: string, file?: string): ParseResult {
  const absDir = path.resolve(dir);
  const yaml = loadPyYaml(text);
  const diagnostics: Diagnostic[] = [...yaml.diagnostics];
  const push = (severity: Diagnostic['severity'], range: Range, message: string, code: Diagnostic['code'] = 'mlproject') =>
    diagnostics.push({ severity, range, message, code });
  if (yaml.diagnostics.some((d) => d.severity === 'error' && /^YAML syntax error/.test(d.message))) return { diagnostics };
  const root = yaml.root;
  if (root === null) {
    push('error', yaml.rangeOf(0, 0), 'The MLproject file is empty; it needs at least an entry_points mapping');
    return { diagnostics };
  }
  if (root.kind !== 'map') {
    push('error', root.range, 'The top level of an MLproject file must be a mapping (name, entry_points, python_env, ...)');
    return { diagnostics };
  }

  const projectErrors: string[] = [];
  const fail = (range: Range, message: string) => {
    push('error', range, message);
    projectErrors.push(message);
  };

  // MLflow rejects any two environment keys, whatever their values.
  const envEntries = root.entries.filter((e) => isStr(e.key) && (ENV_KEYS as string[]).includes(e.key.value.v));
  if (envEntries.length > 1) {
    const names = envEntries.map((e) => pyStrRepr(pyStr(toPy(e.key))));
    const message = `Project cannot contain multiple environment fields: {${names.join(', ')}}`;
    projectErrors.push(message);
    for (const e of envEntries) push('error', e.key.range, message);
  }

  const nameEntry = getEntry(root, 'name');
  const declaredName = nameEntry && nameEntry.value.kind === 'scalar' && nameEntry.value.value.t !== 'none' ? pyStr(nameEntry.value.value) : undefined;

  const entryPoints = parseEntryPoints(root, yaml, push, text);

  const databricks = getEntry(root, 'databricks_spark_job');
  if (databricks) push('warning', databricks.key.range, 'databricks_spark_job is only used on Databricks; local runs ignore it');

  const env = parseEnv(root, absDir, fail, envEntries.length > 1);
  const project: Project = {
    dir: absDir,
    file: file ? path.resolve(absDir, file) : undefined,
    name: declaredName ?? path.basename(absDir),
    declaredName,
    entryPoints,
    env,
    errors: projectErrors,
    diagnostics,
  };
  return { project, diagnostics };
}

type Push = (severity: Diagnostic['severity'], range: Range, message: string, code?: Diagnostic['code']) => void;

/** The name of a mapping key, warning when YAML 1.1 did not read it as a string (e.g. `on:` is True). */
function keyName(entry: PyEntry, what: string, push: Push): { name: string; userKey: string | null } {
  const k = entry.key.kind === 'scalar' ? entry.key.value : toPy(entry.key);
  const name = pyStr(k);
  if (k.t === 'str') return { name, userKey: name };
  push(
    'warning',
    entry.key.range,
    `YAML 1.1 reads the ${what} name here as ${k.t === 'none' ? 'null' : `the ${k.t === 'bool' ? 'boolean' : k.t} ${name}`}, not a string; MLflow calls it '${name}' ` +
      `and can never match it to a value given by name. Quote it ("...") to keep the text.`,
  );
  return { name, userKey: null };
}

function parseEntryPoints(root: PyMapNode, yaml: PyYamlDocument, push: Push, text: string): EntryPoint[] {
  const ep = getEntry(root, 'entry_points');
  if (!ep) return [];
  if (ep.value.kind !== 'map') {
    push(
      'error',
      ep.value.kind === 'scalar' && ep.value.value.t === 'none' ? ep.key.range : ep.value.range,
      'entry_points must be a mapping of entry point names to {parameters, command}',
    );
    return [];
  }
  const out: EntryPoint[] = [];
  for (const entry of ep.value.entries) {
    const { name } = keyName(entry, 'entry point', push);
    const errors: string[] = [];
    const err = (range: Range, message: string, code: Diagnostic['code'] = 'mlproject') => {
      push('error', range, message, code);
      errors.push(message);
    };
    const body = entry.value;
    if (body.kind !== 'map') {
      err(
        body.kind === 'scalar' && body.value.t === 'none' ? entry.key.range : body.range,
        `Entry point ${name} must be a mapping with a command (and optional parameters)`,
      );
      out.push({ name, parameters: [], command: '', range: entry.key.range, errors });
      continue;
    }
    const parameters = parseParameters(body, name, push, err);
    const cmdEntry = getEntry(body, 'command');
    let command = '';
    let commandRange: Range | undefined;
    if (!cmdEntry || (cmdEntry.value.kind === 'scalar' && cmdEntry.value.value.t === 'none')) {
      err(cmdEntry?.key.range ?? entry.key.range, `Entry point ${name} has no command`);
    } else if (!isStr(cmdEntry.value)) {
      err(cmdEntry.value.range, `The command of entry point ${name} must be a string (quote it)`);
    } else {
      command = cmdEntry.value.value.v;
      commandRange = cmdEntry.value.range;
      checkTemplate(cmdEntry.value, command, parameters, name, yaml, text, err);
    }
    out.push({ name, parameters, command, range: entry.key.range, commandRange, errors });
  }
  return out;
}

function parseParameters(body: PyMapNode, epName: string, push: Push, err: (r: Range, m: string) => void): Parameter[] {
  const pe = getEntry(body, 'parameters');
  if (!pe) return [];
  if (pe.value.kind !== 'map') {
    err(
      pe.value.kind === 'scalar' && pe.value.value.t === 'none' ? pe.key.range : pe.value.range,
      `parameters of entry point ${epName} must be a mapping of names to a type or {type, default}`,
    );
    return [];
  }
  const params: Parameter[] = [];
  for (const p of pe.value.entries) {
    const { name, userKey } = keyName(p, 'parameter', push);
    let type = 'string';
    let typeRange = p.value.range;
    let def: PyValue | undefined;
    if (isStr(p.value)) {
      type = p.value.value.v;
    } else if (p.value.kind === 'map') {
      const t = getEntry(p.value, 'type');
      if (t) {
        typeRange = t.value.range;
        type = t.value.kind === 'scalar' ? pyStr(t.value.value) : pyStr(toPy(t.value));
        if (!isStr(t.value)) {
          err(t.value.range, `Parameter ${name} of entry point ${epName}: type must be one of ${KNOWN_PARAMETER_TYPES.slice(0, 5).join(', ')}`);
        }
      }
      const d = getEntry(p.value, 'default');
      if (d) {
        const v = toPy(d.value);
        if (v.t !== 'none') def = v;
      }
    } else {
      err(
        p.value.kind === 'scalar' && p.value.value.t === 'none' ? p.key.range : p.value.range,
        `Parameter ${name} of entry point ${epName} must be a type name (e.g. float) or a mapping {type: ..., default: ...}`,
      );
      type = '';
    }
    if (type && !(KNOWN_PARAMETER_TYPES as readonly string[]).includes(type)) {
      err(typeRange, `Unknown type '${type}' for parameter ${name} of entry point ${epName}; expected one of string, float, int, path, uri`);
    }
    params.push({
      name,
      userKey,
      type: type || 'string',
      default: def,
      defaultText: def ? pyStr(def) : undefined,
      required: def === undefined,
      range: p.key.range,
    });
  }
  return params;
}

function checkTemplate(
  node: PyNode,
  command: string,
  parameters: Parameter[],
  epName: string,
  yaml: PyYamlDocument,
  text: string,
  err: (r: Range, m: string, code?: Diagnostic['code']) => void,
): void {
  const parsed = parseTemplate(command);
  const declared = new Set(parameters.map((p) => p.name));
  const source = text.slice(node.start, node.end);
  // Locates a piece of the template in the source, so the squiggle lands on the placeholder itself. Falls back to
  // the whole command when escapes or line folding make the source differ from the value.
  const locate = (start: number, end: number): Range => {
    const piece = command.slice(start, end);
    let nth = 0;
    for (let i = command.indexOf(piece); i !== -1 && i < start; i = command.indexOf(piece, i + 1)) nth++;
    let at = -1;
    for (let k = 0, i = source.indexOf(piece); i !== -1; k++, i = source.indexOf(piece, i + 1)) {
      if (k === nth) {
        at = i;
        break;
      }
    }
    return at === -1 ? node.range : yaml.rangeOf(node.start + at, node.start + at + piece.length);
  };
  for (const p of parsed.problems) err(locate(p.start, p.end), `Command of entry point ${epName}: ${p.message}`, 'template');
  for (const part of parsed.parts) {
    if (part.kind !== 'field' || declared.has(part.name)) continue;
    const known = parameters.length ? `declared: ${parameters.map((p) => p.name).join(', ')}` : 'it declares no parameters';
    err(locate(part.start, part.end), `Placeholder {${part.name}} in the command of entry point ${epName} names no declared parameter (${known})`, 'template');
  }
}

function parseEnv(root: PyMapNode, dir: string, fail: (r: Range, m: string) => void, multiple: boolean): ProjectEnv {
  const docker = getEntry(root, 'docker_env');
  const python = getEntry(root, 'python_env');
  const conda = getEntry(root, 'conda_env');
  if (docker && truthy(toPy(docker.value))) {
    const d = docker.value;
    const env: DockerEnv = { image: '', volumes: [], environment: [] };
    if (d.kind !== 'map') {
      fail(d.range, `${INVALID}docker_env must be a mapping with an image attribute.`);
      return { kind: 'docker_env', docker: env };
    }
    const image = getEntry(d, 'image');
    if (!image || !truthy(toPy(image.value))) {
      fail(image?.key.range ?? docker.key.range, `${INVALID}Docker environment specified but no image attribute found.`);
    } else env.image = pyStr(toPy(image.value));
    const volumes = getEntry(d, 'volumes');
    if (volumes && truthy(toPy(volumes.value))) {
      const v = volumes.value;
      if (v.kind === 'seq' && v.items.every(isStr)) env.volumes = v.items.map((i) => pyStr(toPy(i)));
      else fail(v.range, `${INVALID}Docker volumes must be a list of strings, e.g.: '["/path1/:/path1", "/path2/:/path2"])`);
    }
    const environment = getEntry(d, 'environment');
    if (environment && truthy(toPy(environment.value))) {
      const v = environment.value;
      if (v.kind === 'seq' && v.items.every((i) => isStr(i) || i.kind === 'seq')) {
        for (const i of v.items) {
          if (isStr(i)) env.environment.push(i.value.v);
          else if (i.kind === 'seq' && i.items.length === 2) env.environment.push([pyStr(toPy(i.items[0])), pyStr(toPy(i.items[1]))]);
          else fail(i.range, `${INVALID}each new docker environment variable must be a [NAME, value] pair`);
        }
      } else {
        fail(
          v.range,
          `${INVALID}environment must be a list containing either strings (to copy environment variables from host system) ` +
            `or lists of string pairs (to define new environment variables).E.g.: '[["NEW_VAR", "new_value"], "VAR_TO_COPY_FROM_HOST"])`,
        );
      }
    }
    return { kind: 'docker_env', docker: env };
  }
  const fileEnv = (entry: PyEntry, kind: 'python_env' | 'conda_env', what: string): ProjectEnv => {
    if (!isStr(entry.value)) {
      fail(entry.value.range, `${kind} must be the relative path of a ${kind === 'python_env' ? 'python_env.yaml' : 'conda.yaml'} file`);
      return { kind };
    }
    const file = path.join(dir, entry.value.value.v);
    // With several env keys MLflow stops at that error; don't stack a second one on the same key.
    if (!multiple && !fs.existsSync(file)) fail(entry.value.range, `Project specified ${what} ${file}, but no such file was found.`);
    return { kind, file };
  };
  if (python && truthy(toPy(python.value))) return fileEnv(python, 'python_env', 'python_env file');
  if (conda && truthy(toPy(conda.value))) return fileEnv(conda, 'conda_env', 'conda environment file');
  return defaultEnv(dir);
}

/** MLflow's fallback when no env key is set: a python_env.yaml, else a conda.yaml, else the local interpreter. */
export function defaultEnv(dir: string): ProjectEnv {
  const py = path.join(dir, 'python_env.yaml');
  if (fs.existsSync(py)) return { kind: 'python_env', file: py };
  const conda = path.join(dir, 'conda.yaml');
  if (fs.existsSync(conda)) return { kind: 'conda_env', file: conda };
  return { kind: 'local' };
}
