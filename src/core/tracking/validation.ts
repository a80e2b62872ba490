import { InvalidParameter } from '../errors';

/** MLflow's limits (mlflow/utils/validation.py). */
export const LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 5000,
  experimentNameLength: 500,
  experimentTagValueLength: 5000,
  registryTagValueLength: 5000,
  aliasLength: 255,
};

const KEY_RE = /^[/\w.\- ]*$/;

/** Keys of params, metrics and tags: MLflow's character set, and no path tricks. */
export function validateKey(kind: string, key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidParameter(`Missing value for required parameter 'key' of a ${kind}.`, 'key');
  }
  if (key.length > LIMITS.keyLength) {
    throw new InvalidParameter(`${cap(kind)} key '${key.slice(0, 40)}…' had length ${key.length}, which exceeded length limit of ${LIMITS.keyLength}`, 'key');
  }
  if (!KEY_RE.test(key)) {
    throw new InvalidParameter(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
      'key',
    );
  }
  const normal = key.split('/').filter((p) => p !== '' && p !== '.');
  if (key.startsWith('/') || key.split('/').some((p) => p === '..' || p === '.') || normal.join('/') !== key) {
    throw new InvalidParameter(`Invalid ${kind} name: '${key}'. Names cannot resolve to a different path (no '..', '.', or leading or repeated '/').`, 'key');
  }
  return key;
}

export function validateValueLength(kind: string, key: string, value: string, limit: number): string {
  if (value.length > limit) {
    throw new InvalidParameter(
      `${cap(kind)} value '${value.slice(0, 40)}…' for key '${key}' had length ${value.length}, which exceeded length limit of ${limit}`,
      'value',
    );
  }
  return value;
}

/**
 * A run param or tag value longer than MLflow's limit is cut to the limit, as MLflow 2.12's server does
 * (MLFLOW_TRUNCATE_LONG_VALUES, on by default), counting characters as Python does (code points).
 */
export function truncateValue(value: string, limit: number): string {
  if (value.length <= limit) return value;
  const chars = [...value];
  return chars.length <= limit ? value : chars.slice(0, limit).join('');
}

export function requireString(field: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') {
    throw new InvalidParameter(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`, field);
  }
  return v;
}

export function optionalString(field: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied: expected a string.`, field);
  return v;
}

/** An int64 carried as a JSON number or a numeric string. */
export function requireInt(field: string, v: unknown, { min = Number.MIN_SAFE_INTEGER } = {}): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
    throw new InvalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied: expected an integer${min === 0 ? ' >= 0' : ''}.`, field);
  }
  return n;
}

export function optionalInt(field: string, v: unknown, opts?: { min?: number }): number | undefined {
  return v === undefined || v === null ? undefined : requireInt(field, v, opts);
}

/** A metric value: a number, or NaN / ±Infinity (the server turns JSON's "NaN", "Infinity" into numbers). */
export function requireMetricValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === 'NaN') return NaN;
    if (t === 'Infinity' || t === '+Infinity' || t === 'inf') return Infinity;
    if (t === '-Infinity' || t === '-inf') return -Infinity;
    if (t !== '' && !Number.isNaN(Number(t))) return Number(t);
  }
  throw new InvalidParameter(`Got invalid value ${JSON.stringify(v)} for metric: it must be a number.`, 'value');
}

function cap(s: string) {
  return s[0].toUpperCase() + s.slice(1);
}
