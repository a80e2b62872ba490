/**
 * Entry point resolution: MLflow's `EntryPoint.compute_command` and `compute_parameters`, plus int/float
 * validation (MLflow passes those through unchecked; we reject them before anything runs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidEntryPoint, InvalidParameterArgument, InvalidParameterValue, InvalidProjectFile, MissingParameters, UnknownEntryPoint } from './errors';
import { shlexQuote } from './pyvalue';
import { parseTemplate, renderTemplate } from './template';
import type { EntryPoint, Parameter, Project, ResolvedEntryPoint } from './types';

export interface ResolveOptions {
  /**
   * Base for relative `path` values the user passes. `mlflow run` resolves them against the directory it is invoked
   * from (not the project), so a CLI passes its cwd; editors usually pass the project folder. Default: process.cwd().
   * A relative default written in the MLproject is the project author's path: it is resolved against the project
   * folder (MLflow 2.12 resolves it against the cwd too and fails when run from elsewhere), then against `cwd`.
   */
  cwd?: string;
  /** Environment used for `$SHELL` when a `.sh` file is the entry point. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Check int and float values (default true). False reproduces MLflow's pass-through exactly. */
  validateNumbers?: boolean;
}

export type UserParams = Record<string, string> | Iterable<readonly [string, string]>;

function toEntries(user: UserParams | undefined): Array<readonly [string, string]> {
  if (!user) return [];
  if (Symbol.iterator in Object(user)) return [...(user as Iterable<readonly [string, string]>)];
  return Object.entries(user as Record<string, string>);
}

/** Python's `urlparse(x).scheme` (3.9+ rules: no port-number special case). */
export function urlScheme(value: string): string {
  const v = value.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  const i = v.indexOf(':');
  if (i <= 0 || !/^[A-Za-z]/.test(v) || !/^[A-Za-z0-9+.-]+$/.test(v.slice(0, i))) return '';
  return v.slice(0, i).toLowerCase();
}

/** MLflow's `data_utils.is_uri`: any non-empty URL scheme. */
export function isUri(value: string): boolean {
  return urlScheme(value).length > 0;
}

/** MLflow's `get_local_path_or_none`: the local path for a schemeless value or `file:` URI without host. */
export function localPathOrNull(value: string): string | null {
  const scheme = urlScheme(value);
  if (scheme === '') return safeUnquote(value);
  if (scheme !== 'file') return null;
  const rest = value.slice(value.indexOf(':') + 1);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const netloc = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
    if (netloc !== '') return null;
    return safeUnquote(slash === -1 ? '' : rest.slice(slash).replace(/[?#].*$/s, ''));
  }
  return safeUnquote(rest.replace(/[?#].*$/s, ''));
}

/** `url2pathname` percent-decodes; invalid sequences stay as they are (like Python's unquote). */
function safeUnquote(s: string): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
    try {
      return decodeURIComponent(m);
    } catch {
      return m;
    }
  });
}

const INT_RE = /^\s*[+-]?\d(?:_?\d)*\s*$/;
const FLOAT_RE = /^\s*[+-]?(?:(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?|inf|infinity|nan)\s*$/i;

/** True when Python's `int(value)` accepts the text. */
export function isPythonInt(value: string): boolean {
  return INT_RE.test(value);
}
/** True when Python's `float(value)` accepts the text. */
export function isPythonFloat(value: string): boolean {
  return FLOAT_RE.test(value);
}

/** Checks one value against its parameter's type; returns the value the command receives. */
export function checkParameterValue(p: Parameter, value: string, opts: ResolveOptions = {}): string {
  const fromDefault = value === p.defaultText ? ' (its default)' : '';
  switch (p.type) {
    case 'uri':
      if (!isUri(value)) throw new InvalidParameterValue(p.name, value, p.type, `Expected URI for parameter ${p.name} but got ${value}`);
      return value;
    case 'path': {
      const local = localPathOrNull(value);
      if (local === null) {
        throw new InvalidParameterValue(
          p.name,
          value,
          p.type,
          `Got remote URI ${value} for path parameter ${p.name}; downloading remote path parameters is not supported, pass a local path`,
        );
      }
      const abs = path.resolve(opts.cwd ?? process.cwd(), local);
      if (!fs.existsSync(abs)) {
        throw new InvalidParameterValue(p.name, value, p.type, `Got value ${value} for parameter ${p.name}, but no such file or directory was found.`);
      }
      return abs;
    }
    case 'int':
      if (opts.validateNumbers !== false && !isPythonInt(value)) {
        throw new InvalidParameterValue(p.name, value, p.type, `Parameter ${p.name} expects an int but got ${JSON.stringify(value)}${fromDefault}`);
      }
      return value;
    case 'float':
      if (opts.validateNumbers !== false && !isPythonFloat(value)) {
        throw new InvalidParameterValue(p.name, value, p.type, `Parameter ${p.name} expects a float but got ${JSON.stringify(value)}${fromDefault}`);
      }
      return value;
    default:
      return value;
  }
}

/** Options for checking a parameter's MLproject default: a relative path default is looked up in the project first. */
function defaultOptions(p: Parameter, raw: string, project: Project, opts: ResolveOptions): ResolveOptions {
  if (p.type !== 'path') return opts;
  const local = localPathOrNull(raw);
  if (local === null || path.isAbsolute(local) || !fs.existsSync(path.resolve(project.dir, local))) return opts;
  return { ...opts, cwd: project.dir };
}

/** The command MLflow builds for an entry point name that is a script file rather than a declared entry point. */
export function scriptCommand(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const ext = path.extname(name);
  if (ext === '.py') return `python ${shlexQuote(name)}`;
  if (ext === '.sh') return `${env.SHELL || 'bash'} ${shlexQuote(name)}`;
  if (ext === '.R') return `Rscript -e "mlflow::mlflow_source('${shlexQuote(name)}')" --args`;
  return undefined;
}

/** Finds a declared entry point, or builds the implicit one for a `.py`/`.sh` file name. */
export function getEntryPoint(project: Project, name: string, env: NodeJS.ProcessEnv = process.env): EntryPoint {
  const declared = project.entryPoints.find((e) => e.name === name);
  if (declared) return declared;
  const command = scriptCommand(name, env);
  if (command === undefined)
    throw new UnknownEntryPoint(
      name,
      project.entryPoints.map((e) => e.name),
    );
  return { name, parameters: [], command, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, errors: [] };
}

/**
 * Builds the command for `entryName` with the user's parameters, as `mlflow run -e entryName -P k=v ...` would.
 * Throws MissingParameters, InvalidParameterValue, UnknownEntryPoint, InvalidEntryPoint or InvalidProjectFile.
 */
export function resolveEntryPoint(project: Project, entryName = 'main', userParams?: UserParams, opts: ResolveOptions = {}): ResolvedEntryPoint {
  if (project.errors.length) throw new InvalidProjectFile(project.file ?? project.dir, project.diagnostics, project.errors);
  const ep = getEntryPoint(project, entryName, opts.env ?? process.env);
  if (ep.errors.length) throw new InvalidEntryPoint(ep.name, ep.errors);
  const user = new Map<string, string>();
  for (const [k, v] of toEntries(userParams)) user.set(k, v);

  const given = (p: Parameter) => p.userKey !== null && user.has(p.userKey);
  const missing = ep.parameters.filter((p) => !given(p) && p.required).map((p) => p.name);
  if (missing.length) throw new MissingParameters(missing);

  const params: Record<string, string> = {};
  const values: Record<string, string> = {};
  const quoted: Record<string, string> = {};
  const declaredKeys = new Set<string>();
  for (const p of ep.parameters) {
    if (p.userKey !== null) declaredKeys.add(p.userKey);
    const raw = given(p) ? user.get(p.userKey!)! : p.defaultText!;
    const value = checkParameterValue(p, raw, given(p) ? opts : defaultOptions(p, raw, project, opts));
    params[p.name] = shlexQuote(raw);
    values[p.name] = value;
    quoted[p.name] = shlexQuote(value);
  }
  // A list keeps the user's order; a record would move integer-like keys first.
  const extras = [...user].filter(([k]) => !declaredKeys.has(k)).map(([k, v]) => [k, shlexQuote(v)] as const);
  const extraParams: Record<string, string> = Object.fromEntries(extras);

  const rendered = renderTemplate(parseTemplate(ep.command).parts, quoted);
  const command = [rendered, ...extras.map(([k, v]) => `--${k} ${v}`)].join(' ');
  return { entryPoint: ep.name, command, params, extraParams, values };
}

/** `-P name=value` arguments in order, split on the first `=` (MLflow's `_user_args_to_dict`). */
export function parseDashPEntries(args: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq === -1) throw new InvalidParameterArgument(`Invalid format for -P parameter: '${arg}'. Use -P name=value.`);
    const name = arg.slice(0, eq);
    if (seen.has(name)) throw new InvalidParameterArgument(`Repeated parameter: '${name}'`);
    seen.add(name);
    out.push([name, arg.slice(eq + 1)]);
  }
  return out;
}

/** `-P name=value` arguments as a record. Use parseDashPEntries when the order of numeric-looking names matters. */
export function parseDashP(args: readonly string[]): Record<string, string> {
  return Object.fromEntries(parseDashPEntries(args));
}
