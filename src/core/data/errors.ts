import { MlopsError } from '../errors';

/** The folder is not inside a DVC repository (no `.dvc/` found walking up). */
export class NotADvcRepo extends MlopsError {
  constructor(readonly dir: string) {
    super('RESOURCE_DOES_NOT_EXIST', `${dir} is not inside a DVC repository (no .dvc folder found); run "mlops data init" first`);
  }
}

/** A path given to add/commit/checkout does not exist or is not a tracked output. */
export class OutputNotFound extends MlopsError {
  constructor(
    readonly target: string,
    detail: string,
  ) {
    super('RESOURCE_DOES_NOT_EXIST', `${target}: ${detail}`);
  }
}

/** A `.dvc` file or manifest that cannot be read. */
export class InvalidDvcFile extends MlopsError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super('INVALID_PARAMETER_VALUE', `${file}: ${detail}`);
  }
}

/** A path that DVC itself refuses (inside .git/.dvc, a symlinked parent, outside the repo, ...). */
export class InvalidTarget extends MlopsError {
  constructor(
    readonly target: string,
    detail: string,
  ) {
    super('INVALID_PARAMETER_VALUE', `${target}: ${detail}`);
  }
}

/** Checkout would overwrite or delete workspace files whose content is not in the cache. */
export class CheckoutConflict extends MlopsError {
  constructor(readonly paths: string[]) {
    super(
      'INVALID_STATE',
      `checkout would overwrite ${paths.length} modified file(s) whose content is not in the cache: ` +
        `${paths.slice(0, 10).join(', ')}${paths.length > 10 ? ', …' : ''}. Commit them first or use force.`,
    );
  }
}

/** Objects that are neither in the cache nor (for pull) on the remote. */
export class MissingObjects extends MlopsError {
  constructor(
    readonly oids: string[],
    where: string,
  ) {
    super('RESOURCE_DOES_NOT_EXIST', `${oids.length} object(s) missing from ${where}: ${oids.slice(0, 5).join(', ')}${oids.length > 5 ? ', …' : ''}`);
  }
}

/** Bytes whose md5 is not the one they were stored or sent under. */
export class HashMismatch extends MlopsError {
  constructor(
    readonly where: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super('DATA_LOSS', `${where}: expected md5 ${expected} but the content hashes to ${actual}`);
  }
}

export class RemoteNotConfigured extends MlopsError {
  constructor(detail: string) {
    super('INVALID_PARAMETER_VALUE', detail);
  }
}

export class InvalidConfig extends MlopsError {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super('INVALID_PARAMETER_VALUE', `${file}:${line}: ${detail}`);
  }
}

/** A file name Node cannot represent losslessly (not valid UTF-8 on disk). */
export class UnsupportedFileName extends MlopsError {
  constructor(readonly file: string) {
    super('INVALID_PARAMETER_VALUE', `${file}: the file name is not valid UTF-8; DVC-compatible hashing cannot represent it`);
  }
}

/** Thrown when an AbortSignal fires; nothing partial is left behind. */
export class Aborted extends MlopsError {
  constructor(what = 'operation') {
    super('INVALID_STATE', `${what} was cancelled`);
  }
}

export function checkAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new Aborted(what);
}
