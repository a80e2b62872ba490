import { MlopsError, type ErrorCode } from '../errors';
import { SearchSyntaxError } from '../search';

/** MLflow's HTTP status for each error code (mlflow/exceptions.py). */
const STATUS: Record<string, number> = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  RESOURCE_CONFLICT: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
};

export class HttpError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = STATUS[code] ?? 400,
  ) {
    super(message);
  }
}

/**
 * Maps a thrown error to MLflow's error JSON. The client retries 5xx for minutes, so anything caused by
 * the request is a 4xx: only genuine server faults become 500.
 */
export function toErrorResponse(e: unknown): { status: number; body: { error_code: string; message: string } } {
  if (e instanceof HttpError) return { status: e.status, body: { error_code: e.code, message: e.message } };
  if (e instanceof SearchSyntaxError) return { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: e.message } };
  if (e instanceof MlopsError) {
    const code: ErrorCode = e.code;
    const status = code === 'DATA_LOSS' || code === 'INTERNAL_ERROR' || code === 'INVALID_STATE' ? 500 : (STATUS[code] ?? 400);
    return { status, body: { error_code: code, message: e.message } };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: msg } };
}
