/**
 * Which columns of a run comparison differ. Dependency-free on purpose: the compare webview imports this
 * file into its browser bundle.
 */

export interface DiffableRun {
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

export interface Columns {
  params: string[];
  metrics: string[];
  tags: string[];
}

const has = Object.prototype.hasOwnProperty;

function same(a: unknown, b: unknown): boolean {
  // NaN equals NaN here: two runs that both logged NaN do not differ.
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

function keysOf(maps: Record<string, unknown>[]): string[] {
  const keys = new Set<string>();
  for (const m of maps) for (const k in m) if (has.call(m, k)) keys.add(k);
  return [...keys].sort();
}

function differing(maps: Record<string, unknown>[]): string[] {
  return keysOf(maps).filter((k) => {
    const first = maps[0];
    if (!has.call(first, k)) return maps.length > 0 && maps.some((m) => has.call(m, k));
    for (let i = 1; i < maps.length; i++) {
      // a value missing in one run counts as different
      if (!has.call(maps[i], k) || !same(maps[i][k], first[k])) return true;
    }
    return false;
  });
}

/** Every key of the runs' params, metrics and tags, each list sorted. */
export function allColumns(runs: DiffableRun[]): Columns {
  return {
    params: keysOf(runs.map((r) => r.params)),
    metrics: keysOf(runs.map((r) => r.metrics)),
    tags: keysOf(runs.map((r) => r.tags)),
  };
}

/** The keys whose values are not all equal across the runs (missing in some run = different), sorted. */
export function diffColumns(runs: DiffableRun[]): Columns {
  return {
    params: differing(runs.map((r) => r.params)),
    metrics: differing(runs.map((r) => r.metrics)),
    tags: differing(runs.map((r) => r.tags)),
  };
}
