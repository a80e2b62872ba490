import type { Comparator } from './parser';

/**
 * SQL LIKE with % and _; every other character, regex metacharacters included, is literal. The u flag makes
 * _ one character, not one UTF-16 unit, as in SQL.
 */
export function likeToRegExp(pattern: string, insensitive: boolean): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, insensitive ? 'iu' : 'u');
}

/** Compiles a string comparison. A missing value never matches, even for != (MLflow's rule). */
export function stringTest(comparator: Comparator, value: string | string[]): (v: string | undefined | null) => boolean {
  const present = (v: string | undefined | null): v is string => v !== undefined && v !== null;
  switch (comparator) {
    case '=':
      return (v) => present(v) && v === value;
    case '!=':
      return (v) => present(v) && v !== value;
    case 'LIKE':
    case 'ILIKE': {
      const re = likeToRegExp(String(value), comparator === 'ILIKE');
      return (v) => present(v) && re.test(v);
    }
    case 'IN': {
      const set = new Set(value);
      return (v) => present(v) && set.has(v);
    }
    case 'NOT IN': {
      const set = new Set(value);
      return (v) => present(v) && !set.has(v);
    }
    default:
      throw new Error(`internal: ${comparator} is not a string comparator`);
  }
}

/** Compiles a numeric comparison; NaN and missing values never match. */
export function numberTest(comparator: Comparator, value: number): (v: number | undefined | null) => boolean {
  const ops: Partial<Record<Comparator, (a: number) => boolean>> = {
    '=': (a) => a === value,
    '!=': (a) => a !== value,
    '>': (a) => a > value,
    '>=': (a) => a >= value,
    '<': (a) => a < value,
    '<=': (a) => a <= value,
  };
  const f = ops[comparator];
  if (!f) throw new Error(`internal: ${comparator} is not a numeric comparator`);
  return (v) => typeof v === 'number' && !Number.isNaN(v) && f(v);
}

export const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
export const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];

/** Own-property lookup: keys such as `constructor` must not reach Object.prototype. */
export function own<V>(rec: Record<string, V> | undefined, key: string): V | undefined {
  return rec && Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;
}
