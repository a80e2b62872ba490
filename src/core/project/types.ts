import type { PyValue } from './pyvalue';

/** 0-based, like VS Code positions. */
export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}
export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  range: Range;
  /** Which check produced it: 'yaml' (syntax/typing), 'mlproject' (structure), 'template' (command placeholders). */
  code?: 'yaml' | 'mlproject' | 'template';
}

/** The documented MLproject types, plus `bool` which MLflow's own tests use (no validation, like string). */
export const KNOWN_PARAMETER_TYPES = ['string', 'float', 'int', 'path', 'uri', 'bool'] as const;

export interface Parameter {
  /** Python `str()` of the YAML key, as MLflow uses it in the command and in logged params. */
  name: string;
  /**
   * The name a `-P` key must equal to set it. Null when YAML 1.1 read the key as something other than a string
   * (e.g. `on:` is the boolean True): MLflow can then never match a user value to it.
   */
  userKey: string | null;
  type: string;
  /** The YAML default as PyYAML loads it; undefined (no default, or `null`) means required. */
  default?: PyValue;
  /** Python `str()` of the default, before shell quoting. */
  defaultText?: string;
  required: boolean;
  range: Range;
}

export interface EntryPoint {
  name: string;
  /** Declaration order, which is also MLflow's order for missing-parameter errors. */
  parameters: Parameter[];
  /** The command template (`{param}` placeholders, `{{`/`}}` literal braces). */
  command: string;
  /** Where the entry point's key and its command sit, for code lenses and diagnostics. */
  range: Range;
  commandRange?: Range;
  /** Error messages that make this entry point unrunnable (unknown types, bad placeholders, no command). */
  errors: string[];
}

export type EnvKind = 'python_env' | 'conda_env' | 'docker_env';

export interface DockerEnv {
  image: string;
  volumes: string[];
  /** Either a variable name to copy from the host, or a [name, value] pair. */
  environment: Array<string | [string, string]>;
}

export interface ProjectEnv {
  kind: EnvKind | 'local';
  /** Absolute path of python_env.yaml / conda.yaml (declared, or the default file present in the project). */
  file?: string;
  docker?: DockerEnv;
}

export interface Project {
  /** Absolute project directory. */
  dir: string;
  /** Absolute path of the MLproject file; undefined when the folder has none (MLflow's empty spec). */
  file?: string;
  /** `name:` from the file, else the directory name (as MLflow shows it). */
  name: string;
  declaredName?: string;
  entryPoints: EntryPoint[];
  env: ProjectEnv;
  /** Errors that make the whole project unrunnable (several environments, a missing env file, ...). */
  errors: string[];
  /** Everything found while parsing, for the editor (empty for a folder without an MLproject file). */
  diagnostics: Diagnostic[];
}

export interface ParseResult {
  project?: Project;
  diagnostics: Diagnostic[];
}

export interface ResolvedEntryPoint {
  entryPoint: string;
  /** The final shell command (run it with `/bin/sh -c`). */
  command: string;
  /** Declared parameters, shell-quoted and with `path` values raw: exactly the strings MLflow logs as params. */
  params: Record<string, string>;
  /** Undeclared user parameters (appended as `--key value`), shell-quoted as MLflow logs them. */
  extraParams: Record<string, string>;
  /** Declared parameter values before quoting, with `path` values made absolute (what the command receives). */
  values: Record<string, string>;
}
