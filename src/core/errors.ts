/**
 * Typed errors of the core. Each carries the MLflow error code the REST server answers with,
 * so the mapping to HTTP lives in one place (the server) and the core stays protocol-free.
 */
export type ErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'BAD_REQUEST'
  | 'INVALID_STATE'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'INTERNAL_ERROR'
  | 'DATA_LOSS';

export class MlopsError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidParameter extends MlopsError {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super('INVALID_PARAMETER_VALUE', message);
  }
}

export class NotFound extends MlopsError {
  constructor(message: string) {
    super('RESOURCE_DOES_NOT_EXIST', message);
  }
}

export class AlreadyExists extends MlopsError {
  constructor(message: string) {
    super('RESOURCE_ALREADY_EXISTS', message);
  }
}

/** Another process owns the store. */
export class StoreLocked extends MlopsError {
  constructor(
    readonly lockFile: string,
    readonly ownerPid: number,
    readonly serverUrl?: string,
    readonly since?: number,
    readonly host?: string,
  ) {
    super(
      'TEMPORARILY_UNAVAILABLE',
      `The store is owned by ${ownerPid > 0 ? `process ${ownerPid}` : 'another process (it did not say which)'}` +
        `${host ? ` on another machine or container (${host})` : ''}${since ? ` since ${new Date(since).toISOString()}` : ''} (lock ${lockFile}).` +
        (serverUrl ? ` Talk to it through its server at ${serverUrl}.` : ' Close that process or wait for it to finish.'),
    );
  }
}

/** This process owned the store, but another owner has taken it: writing now would destroy that owner's data. */
export class OwnershipLost extends MlopsError {
  constructor(
    readonly lockFile: string,
    readonly newOwnerPid: number,
  ) {
    super(
      'TEMPORARILY_UNAVAILABLE',
      `This process no longer owns the store: process ${newOwnerPid} took it over (lock ${lockFile}). ` +
        'Writes are refused so that its data is not overwritten; restart to follow the new owner.',
    );
  }
}

/** A snapshot or journal that cannot be read. Nothing is deleted when this is thrown. */
export class CorruptStoreFile extends MlopsError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super('DATA_LOSS', `${file}: ${detail}`);
  }
}

/**
 * Whether an error says a registered model has no such alias (or no such model). MLflow 2.x answers a missing
 * alias with INVALID_PARAMETER_VALUE ("Registered model alias … not found"), and so does the local store.
 */
export function isMissingAlias(e: unknown): boolean {
  if (!(e instanceof MlopsError)) return false;
  return e.code === 'RESOURCE_DOES_NOT_EXIST' || (e.code === 'INVALID_PARAMETER_VALUE' && /alias.*not found/i.test(e.message));
}
