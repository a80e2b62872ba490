import { SearchSyntaxError } from './errors';
import { compareValues, numberTest, NUMERIC_COMPARATORS, stringTest, STRING_COMPARATORS } from './match';
import { parseFilter, parseOrderTerm, type Clause } from './parser';

export interface SearchableRun {
  run_id: string;
  run_name: string;
  status: string;
  user_id: string;
  artifact_uri: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  experiment_id: string;
  /** latest values; NaN possible */
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  datasets?: { name: string; digest: string; context?: string }[];
}

const STRING_ATTRS: Record<string, keyof SearchableRun> = {
  run_id: 'run_id',
  run_name: 'run_name',
  'run name': 'run_name',
  status: 'status',
  user_id: 'user_id',
  artifact_uri: 'artifact_uri',
};
const NUMERIC_ATTRS: Record<string, keyof SearchableRun> = { start_time: 'start_time', end_time: 'end_time', created: 'start_time', Created: 'start_time' };
const DATASET_FIELDS = ['name', 'digest', 'context'] as const;

function fail(c: Clause, input: string, msg: string, pos = c.pos): never {
  throw new SearchSyntaxError(msg, pos, input);
}

function compileClause(c: Clause, input: string): (r: SearchableRun) => boolean {
  const { comparator: op, value } = c;
  switch (c.entity) {
    case 'metric': {
      if (!NUMERIC_COMPARATORS.includes(op)) fail(c, input, `Invalid comparator '${op}' for metric '${c.key}'; use one of ${NUMERIC_COMPARATORS.join(' ')}`, c.valuePos);
      if (typeof value !== 'number') fail(c, input, `Expected a number for metric '${c.key}', got '${value}'`, c.valuePos);
      const t = numberTest(op, value);
      return (r) => t(r.metrics[c.key]);
    }
    case 'param':
    case 'tag': {
      if (!STRING_COMPARATORS.includes(op)) fail(c, input, `Invalid comparator '${op}' for ${c.entity} '${c.key}'; use one of ${STRING_COMPARATORS.join(' ')}`, c.valuePos);
      if (typeof value !== 'string') fail(c, input, `Expected a quoted string for ${c.entity} '${c.key}', e.g. ${c.entity}s.${c.key} = '${value}'`, c.valuePos);
      const t = stringTest(op, value);
      return c.entity === 'param' ? (r) => t(r.params[c.key]) : (r) => t(r.tags[c.key]);
    }
    case 'attribute': {
      const numeric = NUMERIC_ATTRS[c.key];
      if (numeric) {
        if (!NUMERIC_COMPARATORS.includes(op)) fail(c, input, `Invalid comparator '${op}' for attribute '${c.key}'`, c.valuePos);
        if (typeof value !== 'number') fail(c, input, `Expected an integer (epoch ms) for attribute '${c.key}'`, c.valuePos);
        const t = numberTest(op, value);
        return (r) => t(r[numeric] as number | null);
      }
      const attr = STRING_ATTRS[c.key] ?? STRING_ATTRS[c.key.toLowerCase()];
      if (!attr) {
        fail(c, input, `Invalid attribute key '${c.key}'. Valid keys: ${[...Object.keys(STRING_ATTRS), 'start_time', 'end_time', 'created'].join(', ')}`, c.keyPos);
      }
      if (op === 'IN' || op === 'NOT IN') {
        if (attr !== 'run_id') fail(c, input, `${op} is only supported for run_id`, c.pos);
        // MLflow silently drops run ids that are not lowercase.
        const ids = (value as string[]).filter((v) => v === v.toLowerCase());
        const t = stringTest(op, ids);
        return (r) => t(r.run_id);
      }
      if (!STRING_COMPARATORS.includes(op)) fail(c, input, `Invalid comparator '${op}' for attribute '${c.key}'; use one of ${STRING_COMPARATORS.join(' ')}`, c.valuePos);
      if (typeof value !== 'string') fail(c, input, `Expected a quoted string for attribute '${c.key}'`, c.valuePos);
      const t = stringTest(op, value);
      return (r) => t(r[attr] as string);
    }
    case 'dataset': {
      const field = DATASET_FIELDS.find((f) => f === c.key);
      if (!field) fail(c, input, `Invalid dataset key '${c.key}'; use name, digest or context`, c.keyPos);
      if (![...STRING_COMPARATORS, 'IN', 'NOT IN'].includes(op)) fail(c, input, `Invalid comparator '${op}' for dataset '${c.key}'`, c.valuePos);
      if (typeof value === 'number') fail(c, input, `Expected a quoted string for dataset '${c.key}'`, c.valuePos);
      const t = stringTest(op, value);
      return (r) => (r.datasets ?? []).some((d) => t(d[field]));
    }
  }
}

/** A predicate for MLflow's run filter grammar. Throws SearchSyntaxError with the position of the problem. */
export function compileRunFilter(filter: string | undefined): (run: SearchableRun) => boolean {
  const input = filter ?? '';
  const preds = parseFilter(input).map((c) => compileClause(c, input));
  return (r) => preds.every((p) => p(r));
}

/** A comparator for MLflow's run order_by; ties and the default order are start_time DESC, then run_id. */
export function compileRunOrder(orderBy: string[] | undefined): (a: SearchableRun, b: SearchableRun) => number {
  const terms = (orderBy ?? []).map((o) => {
    const t = parseOrderTerm(o);
    let get: (r: SearchableRun) => string | number | undefined | null;
    if (t.entity === 'metric') get = (r) => r.metrics[t.key];
    else if (t.entity === 'param') get = (r) => r.params[t.key];
    else if (t.entity === 'tag') get = (r) => r.tags[t.key];
    else if (t.entity === 'attribute') {
      const attr = NUMERIC_ATTRS[t.key] ?? STRING_ATTRS[t.key] ?? STRING_ATTRS[t.key.toLowerCase()];
      if (!attr) throw new SearchSyntaxError(`Invalid attribute key '${t.key}' in order_by`, 0, o);
      get = (r) => r[attr] as string | number | null;
    } else throw new SearchSyntaxError(`Cannot order by dataset fields`, 0, o);
    return { get, ascending: t.ascending };
  });
  return (a, b) => {
    for (const t of terms) {
      const c = compareValues(t.get(a), t.get(b), t.ascending);
      if (c) return c;
    }
    return b.start_time - a.start_time || (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0);
  };
}
