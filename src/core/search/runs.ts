import { SearchSyntaxError } from './errors';
import { numberTest, NUMERIC_COMPARATORS, own, stringTest, STRING_COMPARATORS } from './match';
import { parseFilter, type Clause, type Comparator } from './parser';
import { ATTR_NAMES, NUMERIC_ATTRS, parseRunTerms, runComparator, STRING_ATTRS } from './runKeys';
import type { SearchableRun } from './searchableRun';

export type { SearchableRun } from './searchableRun';

export { defaultRunOrder } from './runKeys';

const DATASET_FIELDS = ['name', 'digest', 'context'] as const;
const LIST_COMPARATORS: readonly Comparator[] = ['IN', 'NOT IN'];

function compileClause(c: Clause, input: string): (r: SearchableRun) => boolean {
  const { comparator: op, value } = c;
  const fail = (msg: string, pos: number, hint?: string): never => {
    throw new SearchSyntaxError(msg, pos, input, 'filter', hint);
  };
  const requireComparator = (allowed: readonly Comparator[], what: string) => {
    if (!allowed.includes(op)) fail(`Invalid comparator '${op}' for ${what}`, c.comparatorPos, `Use one of ${allowed.join(', ')}`);
  };
  switch (c.entity) {
    case 'metric': {
      requireComparator(NUMERIC_COMPARATORS, `metric '${c.key}'`);
      if (typeof value !== 'number') fail(`Expected a number for metric '${c.key}', found ${JSON.stringify(value)}`, c.valuePos);
      const t = numberTest(op, value as number);
      return (r) => t(asStored(own(r.metrics, c.key)));
    }
    case 'param':
    case 'tag': {
      const what = c.entity === 'param' ? 'params' : 'tags';
      requireComparator(STRING_COMPARATORS, `${c.entity} '${c.key}'`);
      if (typeof value !== 'string')
        fail(
          `Expected a quoted string for ${c.entity} '${c.key}', found ${JSON.stringify(value)}`,
          c.valuePos,
          `For example ${what}.\`${c.key}\` = '${value}'`,
        );
      const t = stringTest(op, value as string);
      return (r) => t(own(r[what], c.key));
    }
    case 'attribute': {
      const numeric = own(NUMERIC_ATTRS, c.key);
      if (numeric) {
        requireComparator(NUMERIC_COMPARATORS, `attribute '${c.key}'`);
        if (typeof value !== 'number') fail(`Expected an integer (epoch ms) for attribute '${c.key}', found ${JSON.stringify(value)}`, c.valuePos);
        const t = numberTest(op, value as number);
        return (r) => t(r[numeric]);
      }
      const attr = own(STRING_ATTRS, c.key);
      if (!attr) fail(`Invalid attribute key '${c.key}'`, c.keyPos, `Valid keys: ${ATTR_NAMES.join(', ')}`);
      if (LIST_COMPARATORS.includes(op)) {
        if (attr !== 'run_id') fail(`${op} is only supported for run_id among run attributes`, c.comparatorPos);
        // MLflow silently drops run ids that are not lowercase (ids are lowercase hex).
        const t = stringTest(
          op,
          (value as string[]).filter((v) => v === v.toLowerCase()),
        );
        return (r) => t(r.run_id);
      }
      requireComparator(STRING_COMPARATORS, `attribute '${c.key}'`);
      if (typeof value !== 'string') fail(`Expected a quoted string for attribute '${c.key}', found ${value}`, c.valuePos);
      const t = stringTest(op, value as string);
      return (r) => t(r[attr!]);
    }
    case 'dataset': {
      const field = DATASET_FIELDS.find((f) => f === c.key);
      if (!field) fail(`Invalid dataset key '${c.key}'`, c.keyPos, `Use datasets.name, datasets.digest or datasets.context`);
      requireComparator([...STRING_COMPARATORS, ...LIST_COMPARATORS], `dataset '${c.key}'`);
      if (typeof value === 'number') fail(`Expected a quoted string for dataset '${c.key}', found ${value}`, c.valuePos);
      const t = stringTest(op, value as string | string[]);
      return (r) => (r.datasets ?? []).some((d) => t(d[field!]));
    }
  }
}

/** A predicate for MLflow's run filter grammar. Throws SearchSyntaxError with the position of the problem. */
export function compileRunFilter(filter: string | undefined | null): (run: SearchableRun) => boolean {
  const input = filter ?? '';
  const preds = parseFilter(input).map((c) => compileClause(c, input));
  return (r) => preds.every((p) => p(r));
}

/**
 * A metric as MLflow's SQL store compares it in filters: it keeps NaN as 0 (with an is_nan flag the filter
 * ignores) and ±Infinity as ±Number.MAX_VALUE, so `metrics.m = 0` matches a NaN (checked on MLflow 2.12.2).
 */
function asStored(v: number | undefined): number | undefined {
  if (v === undefined) return v;
  if (Number.isNaN(v)) return 0;
  return v === Infinity ? Number.MAX_VALUE : v === -Infinity ? -Number.MAX_VALUE : v;
}

/** A comparator for MLflow's run order_by terms (metrics/params/tags/attributes); see runKeys for the rules. */
export function compileRunOrder(orderBy: string[] | undefined | null): (a: SearchableRun, b: SearchableRun) => number {
  return runComparator(parseRunTerms(orderBy));
}
