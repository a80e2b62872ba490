import { SearchSyntaxError } from './errors';
import { compareValues, numberTest, NUMERIC_COMPARATORS, stringTest, STRING_COMPARATORS } from './match';
import { parseFilter, parseOrderTerm } from './parser';

/**
 * Filters and orders for experiments, registered models and model versions: named attributes (string or
 * numeric) plus `tags.<key>`. Each kind lists its attributes; the grammar is shared.
 */
interface AttrSpec<T> {
  kind: 'string' | 'number';
  get: (x: T) => string | number | undefined | null;
  /** IN / NOT IN allowed */
  list?: boolean;
}

interface Domain<T> {
  what: string;
  attrs: Record<string, AttrSpec<T>>;
  tags: (x: T) => Record<string, string>;
  orderable: string[];
  tieBreak: (a: T, b: T) => number;
}

function compileFilter<T>(d: Domain<T>, filter: string | undefined): (x: T) => boolean {
  const input = filter ?? '';
  const preds = parseFilter(input).map((c) => {
    const fail = (msg: string, pos = c.pos): never => {
      throw new SearchSyntaxError(msg, pos, input);
    };
    if (c.entity === 'tag') {
      if (!STRING_COMPARATORS.includes(c.comparator)) fail(`Invalid comparator '${c.comparator}' for tag '${c.key}'`, c.valuePos);
      if (typeof c.value !== 'string') fail(`Expected a quoted string for tag '${c.key}'`, c.valuePos);
      const t = stringTest(c.comparator, c.value);
      return (x: T) => t(d.tags(x)[c.key]);
    }
    if (c.entity !== 'attribute') fail(`Invalid entity '${c.entity}' for ${d.what} search; use an attribute or tags.<key>`);
    const spec = d.attrs[c.key];
    if (!spec) fail(`Invalid attribute key '${c.key}' for ${d.what} search. Valid keys: ${Object.keys(d.attrs).join(', ')}`, c.keyPos);
    if (spec.kind === 'number') {
      if (!NUMERIC_COMPARATORS.includes(c.comparator)) fail(`Invalid comparator '${c.comparator}' for '${c.key}'`, c.valuePos);
      const n = typeof c.value === 'number' ? c.value : Number(c.value);
      if (Array.isArray(c.value) || Number.isNaN(n)) fail(`Expected a number for '${c.key}'`, c.valuePos);
      const t = numberTest(c.comparator, n);
      return (x: T) => t(spec.get(x) as number);
    }
    const listOp = c.comparator === 'IN' || c.comparator === 'NOT IN';
    if (listOp && !spec.list) fail(`${c.comparator} is not supported for '${c.key}'`, c.valuePos);
    if (!listOp && !STRING_COMPARATORS.includes(c.comparator)) fail(`Invalid comparator '${c.comparator}' for '${c.key}'`, c.valuePos);
    if (typeof c.value === 'number') fail(`Expected a quoted string for '${c.key}'`, c.valuePos);
    const t = stringTest(c.comparator, c.value);
    return (x: T) => t(spec.get(x) as string);
  });
  return (x) => preds.every((p) => p(x));
}

function compileOrder<T>(d: Domain<T>, orderBy: string[] | undefined): (a: T, b: T) => number {
  const terms = (orderBy ?? []).map((o) => {
    const t = parseOrderTerm(o);
    if (t.entity !== 'attribute' || !d.orderable.includes(t.key)) {
      throw new SearchSyntaxError(`Invalid order_by key '${t.key}' for ${d.what} search. Valid keys: ${d.orderable.join(', ')}`, 0, o);
    }
    return { get: d.attrs[t.key].get, ascending: t.ascending };
  });
  return (a, b) => {
    for (const t of terms) {
      const c = compareValues(t.get(a), t.get(b), t.ascending);
      if (c) return c;
    }
    return d.tieBreak(a, b);
  };
}

const tagMap = (tags: { key: string; value: string }[]) => Object.fromEntries(tags.map((t) => [t.key, t.value]));
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface SearchableExperiment {
  experiment_id: string;
  name: string;
  creation_time: number;
  last_update_time: number;
  lifecycle_stage: string;
  tags: { key: string; value: string }[];
}

const experiments: Domain<SearchableExperiment> = {
  what: 'experiment',
  attrs: {
    name: { kind: 'string', get: (e) => e.name },
    creation_time: { kind: 'number', get: (e) => e.creation_time },
    last_update_time: { kind: 'number', get: (e) => e.last_update_time },
    experiment_id: { kind: 'number', get: (e) => Number(e.experiment_id) },
  },
  tags: (e) => tagMap(e.tags),
  orderable: ['name', 'experiment_id', 'creation_time', 'last_update_time'],
  tieBreak: (a, b) => Number(b.experiment_id) - Number(a.experiment_id),
};

export const compileExperimentFilter = (f: string | undefined) => compileFilter(experiments, f);
export const compileExperimentOrder = (o: string[] | undefined) => compileOrder(experiments, o);

export interface SearchableRegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  tags: { key: string; value: string }[];
}

const models: Domain<SearchableRegisteredModel> = {
  what: 'registered model',
  attrs: {
    name: { kind: 'string', get: (m) => m.name },
    creation_timestamp: { kind: 'number', get: (m) => m.creation_timestamp },
    last_updated_timestamp: { kind: 'number', get: (m) => m.last_updated_timestamp },
    timestamp: { kind: 'number', get: (m) => m.last_updated_timestamp },
  },
  tags: (m) => tagMap(m.tags),
  orderable: ['name', 'creation_timestamp', 'last_updated_timestamp', 'timestamp'],
  tieBreak: (a, b) => byString(a.name, b.name),
};

export const compileRegisteredModelFilter = (f: string | undefined) => compileFilter(models, f);
export const compileRegisteredModelOrder = (o: string[] | undefined) => compileOrder(models, o);

export interface SearchableModelVersion {
  name: string;
  version: string;
  run_id: string;
  source: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage?: string;
  tags: { key: string; value: string }[];
}

const versions: Domain<SearchableModelVersion> = {
  what: 'model version',
  attrs: {
    name: { kind: 'string', get: (v) => v.name },
    run_id: { kind: 'string', get: (v) => v.run_id, list: true },
    source_path: { kind: 'string', get: (v) => v.source },
    version_number: { kind: 'number', get: (v) => Number(v.version) },
    creation_timestamp: { kind: 'number', get: (v) => v.creation_timestamp },
    last_updated_timestamp: { kind: 'number', get: (v) => v.last_updated_timestamp },
    timestamp: { kind: 'number', get: (v) => v.last_updated_timestamp },
  },
  tags: (v) => tagMap(v.tags),
  orderable: ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp', 'timestamp'],
  tieBreak: (a, b) => byString(a.name, b.name) || Number(b.version) - Number(a.version),
};

export const compileModelVersionFilter = (f: string | undefined) => compileFilter(versions, f);
export const compileModelVersionOrder = (o: string[] | undefined) => compileOrder(versions, o);
