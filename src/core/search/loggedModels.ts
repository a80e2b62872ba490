import { tagValue, type TagsLike } from './domain';
import { SearchSyntaxError } from './errors';
import { numberTest, NUMERIC_COMPARATORS, own, stringTest, STRING_COMPARATORS } from './match';
import { compareStrings, compareValues, type SortValue } from './order';
import { parseFilter, parseOrderTerm, type Clause, type Comparator } from './parser';

/** The searchable face of an MLflow 3 LoggedModel; `metrics` are the values to compare (already dataset-scoped). */
export interface SearchableLoggedModel {
  model_id: string;
  name: string;
  creation_time: number;
  last_updated_time?: number;
  status?: string;
  model_type?: string;
  source_run_id?: string;
  metrics?: Record<string, number>;
  params?: TagsLike;
  tags?: TagsLike;
}

type StringAttr = 'model_id' | 'name' | 'status' | 'model_type' | 'source_run_id';
const STRING_ATTRS: StringAttr[] = ['name', 'model_id', 'status', 'model_type', 'source_run_id'];
const NUMERIC_ATTRS: Record<string, 'creation_time' | 'last_updated_time'> = {
  creation_time: 'creation_time',
  creation_timestamp: 'creation_time',
  last_updated_time: 'last_updated_time',
  last_updated_timestamp: 'last_updated_time',
};
const LIST: readonly Comparator[] = ['IN', 'NOT IN'];

function compileClause(c: Clause, input: string): (m: SearchableLoggedModel) => boolean {
  const { comparator: op, value } = c;
  const fail = (msg: string, pos: number, hint?: string): never => {
    throw new SearchSyntaxError(msg, pos, input, 'filter', hint);
  };
  const allow = (ok: readonly Comparator[], what: string) => {
    if (!ok.includes(op)) fail(`Invalid comparator '${op}' for ${what}`, c.comparatorPos, `Use one of ${ok.join(', ')}`);
  };
  const needString = (what: string) => {
    if (typeof value === 'number') fail(`Expected a quoted string for ${what}, found ${value}`, c.valuePos);
  };
  if (c.entity === 'metric' || (c.entity === 'attribute' && own(NUMERIC_ATTRS, c.key))) {
    const what = c.entity === 'metric' ? `metric '${c.key}'` : `attribute '${c.key}'`;
    allow(NUMERIC_COMPARATORS, what);
    if (typeof value !== 'number') fail(`Expected a number for ${what}, found ${JSON.stringify(value)}`, c.valuePos);
    const t = numberTest(op, value as number);
    if (c.entity === 'metric') return (m) => t(own(m.metrics, c.key));
    const attr = own(NUMERIC_ATTRS, c.key)!;
    return (m) => t(m[attr]);
  }
  if (c.entity === 'param' || c.entity === 'tag') {
    allow(STRING_COMPARATORS, `${c.entity} '${c.key}'`);
    needString(`${c.entity} '${c.key}'`);
    const t = stringTest(op, value as string);
    return c.entity === 'param' ? (m) => t(tagValue(m.params, c.key)) : (m) => t(tagValue(m.tags, c.key));
  }
  if (c.entity === 'dataset') fail(`Invalid entity 'dataset' for logged model search`, c.pos, "Scope metric clauses with the request's datasets field instead");
  const attr = STRING_ATTRS.find((a) => a === c.key);
  if (!attr)
    fail(`Invalid attribute key '${c.key}' for logged model search`, c.keyPos, `Valid keys: ${[...STRING_ATTRS, ...Object.keys(NUMERIC_ATTRS)].join(', ')}`);
  allow([...STRING_COMPARATORS, ...LIST], `attribute '${c.key}'`);
  needString(`attribute '${c.key}'`);
  const t = stringTest(op, value as string | string[]);
  return (m) => t(m[attr!]);
}

/** A predicate for logged-models/search `filter` (MLflow 3): attributes, metrics., params., tags. */
export function compileLoggedModelFilter(filter: string | undefined | null): (m: SearchableLoggedModel) => boolean {
  const input = filter ?? '';
  const preds = parseFilter(input).map((c) => compileClause(c, input));
  return (m) => preds.every((p) => p(m));
}

export interface LoggedModelOrderBy {
  field_name: string;
  ascending?: boolean;
}

/** A comparator for logged-models/search `order_by` objects; ties (and no order) are creation_time DESC, then model_id. */
export function compileLoggedModelOrder(orderBy: LoggedModelOrderBy[] | undefined | null): (a: SearchableLoggedModel, b: SearchableLoggedModel) => number {
  const terms = (orderBy ?? []).map((o) => {
    const t = parseOrderTerm(o.field_name);
    let get: (m: SearchableLoggedModel) => SortValue;
    if (t.entity === 'metric') get = (m) => own(m.metrics, t.key);
    else if (t.entity === 'param') get = (m) => tagValue(m.params, t.key);
    else if (t.entity === 'tag') get = (m) => tagValue(m.tags, t.key);
    else {
      const attr = t.entity === 'attribute' ? (own(NUMERIC_ATTRS, t.key) ?? STRING_ATTRS.find((a) => a === t.key)) : undefined;
      if (!attr) throw new SearchSyntaxError(`Invalid order_by field '${t.key}' for logged model search`, t.keyPos, o.field_name, 'order_by');
      get = (m) => m[attr];
    }
    return { get, ascending: o.ascending ?? true };
  });
  return (a, b) => {
    for (const t of terms) {
      const c = compareValues(t.get(a), t.get(b), t.ascending);
      if (c) return c;
    }
    return b.creation_time - a.creation_time || compareStrings(a.model_id, b.model_id);
  };
}
