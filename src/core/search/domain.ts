import { SearchSyntaxError } from './errors';
import { numberTest, NUMERIC_COMPARATORS, own, stringTest, STRING_COMPARATORS } from './match';
import { compileOrder, type SortValue } from './order';
import { parseFilter, type Comparator } from './parser';

/** Tags as the store returns them (key/value list) or as a plain map; both are accepted. */
export type TagsLike = { key: string; value: string }[] | Record<string, string>;

export function tagValue(tags: TagsLike | undefined, key: string): string | undefined {
  if (!tags) return undefined;
  if (Array.isArray(tags)) {
    // The last entry wins, as tags overwrite.
    for (let i = tags.length - 1; i >= 0; i--) if (tags[i].key === key) return tags[i].value;
    return undefined;
  }
  return own(tags, key);
}

export interface AttrSpec<T> {
  kind: 'string' | 'number';
  get: (x: T) => string | number | undefined | null;
  /** list comparators this attribute allows (none by default) */
  list?: readonly Comparator[];
}

/**
 * The shared shape of the experiment, registered-model and model-version grammars: named attributes
 * (with or without an `attribute.` prefix) plus `tags.<key>`.
 */
export interface Domain<T> {
  what: string;
  attrs: Record<string, AttrSpec<T>>;
  tags: (x: T) => TagsLike | undefined;
  orderable: Record<string, (x: T) => SortValue>;
  tieBreak: (a: T, b: T) => number;
}

export function compileDomainFilter<T>(d: Domain<T>, filter: string | undefined | null): (x: T) => boolean {
  const input = filter ?? '';
  const preds = parseFilter(input).map((c) => {
    const fail = (msg: string, pos: number, hint?: string): never => {
      throw new SearchSyntaxError(msg, pos, input, 'filter', hint);
    };
    const { comparator: op, value } = c;
    if (c.entity === 'tag') {
      if (!STRING_COMPARATORS.includes(op))
        fail(`Invalid comparator '${op}' for tag '${c.key}'`, c.comparatorPos, `Use one of ${STRING_COMPARATORS.join(' ')}`);
      if (typeof value !== 'string') fail(`Expected a quoted string for tag '${c.key}', found ${String(value)}`, c.valuePos);
      const t = stringTest(op, value as string);
      return (x: T) => t(tagValue(d.tags(x), c.key));
    }
    if (c.entity !== 'attribute') fail(`Invalid entity '${c.entity}' for ${d.what} search`, c.pos, `Use an attribute or tags.<key>`);
    const spec = own(d.attrs, c.key);
    if (!spec) return fail(`Invalid attribute key '${c.key}' for ${d.what} search`, c.keyPos, `Valid keys: ${Object.keys(d.attrs).join(', ')}`);
    if (spec.kind === 'number') {
      if (!NUMERIC_COMPARATORS.includes(op))
        fail(`Invalid comparator '${op}' for numeric attribute '${c.key}'`, c.comparatorPos, `Use one of ${NUMERIC_COMPARATORS.join(' ')}`);
      if (typeof value !== 'number') fail(`Expected a number for '${c.key}', found ${JSON.stringify(value)}`, c.valuePos);
      const t = numberTest(op, value as number);
      return (x: T) => t(spec.get(x) as number);
    }
    const listOp = op === 'IN' || op === 'NOT IN';
    if (listOp && !spec.list?.includes(op)) fail(`${op} is not supported for '${c.key}' in ${d.what} search`, c.comparatorPos);
    if (!listOp && !STRING_COMPARATORS.includes(op))
      fail(`Invalid comparator '${op}' for string attribute '${c.key}'`, c.comparatorPos, `Use one of ${STRING_COMPARATORS.join(' ')}`);
    if (typeof value === 'number') fail(`Expected a quoted string for '${c.key}', found ${value}`, c.valuePos);
    const t = stringTest(op, value as string | string[]);
    return (x: T) => t(spec.get(x) as string);
  });
  return (x) => preds.every((p) => p(x));
}

export function compileDomainOrder<T>(d: Domain<T>, orderBy: string[] | undefined | null): (a: T, b: T) => number {
  return compileOrder<T>(
    orderBy,
    (t) => {
      const get = t.entity === 'attribute' ? own(d.orderable, t.key) : undefined;
      return get ?? { error: `Invalid order_by key '${t.key}' for ${d.what} search`, hint: `Valid keys: ${Object.keys(d.orderable).join(', ')}` };
    },
    d.tieBreak,
  );
}
