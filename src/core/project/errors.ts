import { MlopsError } from '../errors';
import type { Diagnostic } from './types';

/** `No value given for missing parameters: 'a', 'b'` (MLflow's exact text). */
export class MissingParameters extends MlopsError {
  constructor(readonly names: string[]) {
    super('INVALID_PARAMETER_VALUE', `No value given for missing parameters: ${names.map((n) => `'${n}'`).join(', ')}`);
  }
}

/** A parameter value that its declared type rejects (path not found, not a URI, not an int/float). */
export class InvalidParameterValue extends MlopsError {
  /** `parameter` rather than `name`, which stays the error class name like every other error. */
  constructor(
    readonly parameter: string,
    readonly value: string,
    readonly type: string,
    message: string,
  ) {
    super('INVALID_PARAMETER_VALUE', message);
  }
}

/** The entry point is neither declared nor a `.py`/`.sh` script name (MLflow's exact text). */
export class UnknownEntryPoint extends MlopsError {
  constructor(
    readonly entryPoint: string,
    readonly available: string[],
  ) {
    super(
      'RESOURCE_DOES_NOT_EXIST',
      `Could not find ${entryPoint} among entry points [${available.map((a) => `'${a}'`).join(', ')}] or interpret ${entryPoint} ` +
        `as a runnable script. Supported script file extensions: ['.py', '.sh']`,
    );
  }
}

/** The entry point exists but its definition is broken (see the MLproject diagnostics). */
export class InvalidEntryPoint extends MlopsError {
  constructor(
    readonly entryPoint: string,
    readonly problems: string[],
  ) {
    super('INVALID_PARAMETER_VALUE', `Entry point ${entryPoint} cannot run: ${problems.join('; ')}`);
  }
}

/** The MLproject file cannot be used at all (bad YAML, several environments, a missing env file, ...). */
export class InvalidProjectFile extends MlopsError {
  constructor(
    readonly file: string,
    readonly diagnostics: Diagnostic[],
    problems?: string[],
  ) {
    const list =
      problems ??
      diagnostics.filter((d) => d.severity === 'error').map((d) => `line ${d.range.start.line + 1}, column ${d.range.start.character + 1}: ${d.message}`);
    super('INVALID_PARAMETER_VALUE', `${file}: ${list.join('; ')}`);
  }
}

/** `-P` arguments that do not follow `name=value` or repeat a name (MLflow's exact texts). */
export class InvalidParameterArgument extends MlopsError {
  constructor(message: string) {
    super('INVALID_PARAMETER_VALUE', message);
  }
}
