import type { Comparator } from './parser';

/** SQL LIKE with % and _, every other character literal. */
export function likeToRegExp(pattern: string, insensitive: boolean): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, insensitive ? 'i' : '');
}

/** Compiles a string comparison. A missing value never matches, even for != (MLflow's rule). */
export function stringTest(comparator: Comparator, value: string | number | string[]): (v: string | undefined) => boolean {
  switch (comparator) {
    case '=':
      return (v) => v !== undefined && v === String(value);
    case '!=':
      return (v) => v !== undefined && v !== String(value);
    case 'LIKE':
    case 'ILIKE': {
      const re = likeToRegExp(String(value), comparator === 'ILIKE');
      return (v) => v !== undefined && re.test(v);
    }
    case 'IN': {
      const set = new Set(value as string[]);
      return (v) => v !== undefined && set.has(v);
    }
    case 'NOT IN': {
      const set = new Set(value as string[]);
      return (v) => v !== undefined && !set.has(v);
    }
    default:
      return () => false;
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
  const f = ops[comparator]!;
  return (v) => v !== undefined && v !== null && !Number.isNaN(v) && f(v);
}

export const STRING_COMPARATORS: Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
export const NUMERIC_COMPARATORS: Comparator[] = ['=', '!=', '>', '>=', '<', '<='];

/** Sort helper: missing and NaN go last in both directions. */
export function compareValues(a: string | number | undefined | null, b: string | number | undefined | null, ascending: boolean): number {
  const am = a === undefined || a === null || (typeof a === 'number' && Number.isNaN(a));
  const bm = b === undefined || b === null || (typeof b === 'number' && Number.isNaN(b));
  if (am || bm) return am && bm ? 0 : am ? 1 : -1;
  const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  return ascending ? c : -c;
}
