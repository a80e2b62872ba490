import { SearchSyntaxError } from './errors';
import { parseOrderTerm, type OrderTerm } from './parser';

export type SortValue = string | number | undefined | null;

function isMissing(v: SortValue): boolean {
  return v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v));
}

/** Missing and NaN go last in both directions (SearchUtils._get_value_for_sort). */
export function compareValues(a: SortValue, b: SortValue, ascending: boolean): number {
  const am = isMissing(a);
  const bm = isMissing(b);
  if (am || bm) return am && bm ? 0 : am ? 1 : -1;
  let c: number;
  if (typeof a === 'number' && typeof b === 'number') c = a < b ? -1 : a > b ? 1 : 0;
  else c = compareStrings(String(a), String(b));
  return ascending ? c : -c;
}

/**
 * Code-point order, as SQLite's binary collation (memcmp of UTF-8) sorts text; localeCompare would depend on
 * the machine. It is UTF-16 code-unit order except where a surrogate (a character above U+FFFF) meets one of
 * U+E000..U+FFFF, which code points put first.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length < b.length ? -1 : 1;
  const x = a.charCodeAt(i);
  const y = b.charCodeAt(i);
  if (x >= 0xd800 && y >= 0xd800) {
    const xs = x <= 0xdfff;
    if (xs !== y <= 0xdfff) return xs ? 1 : -1;
  }
  return x < y ? -1 : 1;
}

/**
 * Builds a comparator from order_by terms. `resolve` maps a parsed term to a value getter, or returns a
 * reason when the term names something this entity cannot be sorted by.
 */
export function compileOrder<T>(
  orderBy: string[] | undefined | null,
  resolve: (t: OrderTerm) => ((x: T) => SortValue) | { error: string; hint?: string },
  tieBreak: (a: T, b: T) => number,
): (a: T, b: T) => number {
  const terms = (orderBy ?? []).map((o) => {
    const t = parseOrderTerm(o);
    const get = resolve(t);
    if (typeof get !== 'function') throw new SearchSyntaxError(get.error, t.keyPos, o, 'order_by', get.hint);
    return { get, ascending: t.ascending };
  });
  return (a, b) => {
    for (const t of terms) {
      const c = compareValues(t.get(a), t.get(b), t.ascending);
      if (c) return c;
    }
    return tieBreak(a, b);
  };
}
