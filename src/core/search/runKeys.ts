import { createHash } from 'node:crypto';
import { SearchSyntaxError } from './errors';
import { own } from './match';
import { compareStrings } from './order';
import { parseOrderTerm } from './parser';
import type { SearchableRun } from './searchableRun';

/**
 * Run ordering as MLflow 2.12.2's SQL store does it (sqlalchemy_store._get_orderby_clauses): each order_by term
 * sorts first by presence (for metrics: a value, then NaN, then missing, in both directions), then by the
 * value in the term's direction; then start_time DESC and run_uuid ASC break ties. A metric's ±Infinity
 * compares as ±Number.MAX_VALUE, which is what the SQL store keeps (so it ties with it).
 *
 * A run's sort key is a flat tuple [rank₀, value₀, rank₁, value₁, …, start_time, run_id]: the same tuple
 * orders a search and, encoded in a page token, says where the next page starts (keyset paging).
 */
export type KeyPart = number | string | null;
export type SortKey = KeyPart[];

const PRESENT = 0;
const NAN = 1;
const MISSING = 2;

export interface RunTerm {
  /** canonical name, e.g. `metric:rmse` (aliases resolved) */
  id: string;
  kind: 'number' | 'string';
  metric: boolean;
  ascending: boolean;
  get: (r: SearchableRun) => string | number | null | undefined;
}

type StringAttr = 'run_id' | 'run_name' | 'status' | 'user_id' | 'artifact_uri';
type NumericAttr = 'start_time' | 'end_time';
// SearchUtils.VALID_SEARCH_ATTRIBUTE_KEYS plus its _ALTERNATE_* aliases.
export const STRING_ATTRS: Record<string, StringAttr> = {
  run_id: 'run_id',
  run_name: 'run_name',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
  status: 'status',
  user_id: 'user_id',
  artifact_uri: 'artifact_uri',
};
export const NUMERIC_ATTRS: Record<string, NumericAttr> = { start_time: 'start_time', end_time: 'end_time', created: 'start_time', Created: 'start_time' };
export const ATTR_NAMES = ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'start_time', 'end_time', 'created'];

/** Parses order_by into terms; unknown keys and (unlike MLflow's 500) duplicate fields are INVALID_PARAMETER_VALUE. */
export function parseRunTerms(orderBy: string[] | undefined | null): RunTerm[] {
  const seen = new Set<string>();
  return (orderBy ?? []).map((o) => {
    const t = parseOrderTerm(o);
    const fail = (msg: string, hint?: string): never => {
      throw new SearchSyntaxError(msg, t.keyPos, o, 'order_by', hint);
    };
    let term: Omit<RunTerm, 'ascending'>;
    switch (t.entity) {
      case 'metric':
        term = { id: `metric:${t.key}`, kind: 'number', metric: true, get: (r) => own(r.metrics, t.key) };
        break;
      case 'param':
        term = { id: `param:${t.key}`, kind: 'string', metric: false, get: (r) => own(r.params, t.key) };
        break;
      case 'tag':
        term = { id: `tag:${t.key}`, kind: 'string', metric: false, get: (r) => own(r.tags, t.key) };
        break;
      case 'attribute': {
        const num = own(NUMERIC_ATTRS, t.key);
        const str = own(STRING_ATTRS, t.key);
        if (num) term = { id: `attribute:${num}`, kind: 'number', metric: false, get: (r) => r[num] };
        else if (str) term = { id: `attribute:${str}`, kind: 'string', metric: false, get: (r) => r[str] };
        else return fail(`Invalid attribute key '${t.key}'`, `Valid keys: ${ATTR_NAMES.join(', ')}`);
        break;
      }
      case 'dataset':
        return fail(`Cannot order runs by dataset field '${t.key}'`, 'Order by metrics, params, tags or attributes');
    }
    if (seen.has(term.id)) fail(`order_by names ${term.id.replace(':', ' ')} twice`, 'Each field may appear once');
    seen.add(term.id);
    return { ...term, ascending: t.ascending };
  });
}

function rankOf(v: string | number | null | undefined): number {
  if (v === undefined || v === null) return MISSING;
  return typeof v === 'number' && Number.isNaN(v) ? NAN : PRESENT;
}

function clamp(v: string | number): string | number {
  if (typeof v !== 'number') return v;
  return v === Infinity ? Number.MAX_VALUE : v === -Infinity ? -Number.MAX_VALUE : v;
}

function compareParts(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return compareStrings(String(a), String(b));
}

function compareTerm(t: RunTerm, x: string | number | null | undefined, y: string | number | null | undefined): number {
  const rx = rankOf(x);
  const ry = rankOf(y);
  if (rx !== ry) return rx - ry;
  if (rx !== PRESENT) return 0;
  const c = compareParts(clamp(x!), clamp(y!));
  return t.ascending ? c : -c;
}

/** start_time DESC, then run_id: MLflow's default order and every order's last tie-break. */
export function defaultRunOrder(a: SearchableRun, b: SearchableRun): number {
  return (a.start_time < b.start_time ? 1 : a.start_time > b.start_time ? -1 : 0) || compareStrings(a.run_id, b.run_id);
}

/** A comparator over runs for the terms (no key tuples built: for sorting lists in place). */
export function runComparator(terms: RunTerm[]): (a: SearchableRun, b: SearchableRun) => number {
  return (a, b) => {
    for (const t of terms) {
      const c = compareTerm(t, t.get(a), t.get(b));
      if (c) return c;
    }
    return defaultRunOrder(a, b);
  };
}

export interface RunSortKeys {
  terms: RunTerm[];
  /** short digest of the canonical terms: a page token is only valid for the order it was made for */
  signature: string;
  key(r: SearchableRun): SortKey;
  compare(a: SortKey, b: SortKey): number;
}

export function compileRunSortKeys(orderBy: string[] | undefined | null): RunSortKeys {
  const terms = parseRunTerms(orderBy);
  const canonical = terms.map((t) => `${t.id}:${t.ascending ? 'asc' : 'desc'}`).join('\n');
  const signature = createHash('sha256').update(canonical).digest('base64url').slice(0, 12);
  const n = terms.length;
  return {
    terms,
    signature,
    key(r) {
      const k: SortKey = new Array(2 * n + 2);
      for (let i = 0; i < n; i++) {
        const v = terms[i].get(r);
        const rank = rankOf(v);
        k[2 * i] = rank;
        k[2 * i + 1] = rank === PRESENT ? clamp(v!) : null;
      }
      k[2 * n] = r.start_time;
      k[2 * n + 1] = r.run_id;
      return k;
    },
    compare(a, b) {
      for (let i = 0; i < n; i++) {
        const ra = a[2 * i] as number;
        const rb = b[2 * i] as number;
        if (ra !== rb) return ra - rb;
        if (ra !== PRESENT) continue;
        const c = compareParts(a[2 * i + 1]!, b[2 * i + 1]!);
        if (c) return terms[i].ascending ? c : -c;
      }
      const sa = a[2 * n] as number;
      const sb = b[2 * n] as number;
      if (sa !== sb) return sa < sb ? 1 : -1;
      return compareStrings(a[2 * n + 1] as string, b[2 * n + 1] as string);
    },
  };
}

/** Why `k` cannot be a sort key for these terms, or undefined when it can (checks a decoded page token). */
export function sortKeyProblem(keys: RunSortKeys, k: unknown): string | undefined {
  const n = keys.terms.length;
  if (!Array.isArray(k) || k.length !== 2 * n + 2) return `expected a key of ${2 * n + 2} parts`;
  for (let i = 0; i < n; i++) {
    const t = keys.terms[i];
    const [rank, v] = [k[2 * i], k[2 * i + 1]];
    if (rank === PRESENT) {
      if (t.kind === 'number' ? typeof v !== 'number' || !Number.isFinite(v) : typeof v !== 'string') return `part ${i} is not a ${t.kind}`;
    } else if (!(rank === MISSING || (rank === NAN && t.metric)) || v !== null) return `part ${i} has an invalid rank`;
  }
  if (typeof k[2 * n] !== 'number' || !Number.isFinite(k[2 * n])) return 'start_time is not a number';
  if (typeof k[2 * n + 1] !== 'string') return 'run_id is not a string';
  return undefined;
}
