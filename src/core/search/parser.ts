import { SearchSyntaxError } from './errors';
import { tokenize, type Token } from './tokenizer';

export type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface Clause {
  entity: Entity;
  key: string;
  comparator: Comparator;
  value: string | number | string[];
  /** Where the clause starts, for error messages from validation. */
  pos: number;
  keyPos: number;
  valuePos: number;
}

const ENTITIES: Record<string, Entity> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

class Cursor {
  i = 0;
  constructor(
    readonly toks: Token[],
    readonly input: string,
  ) {}
  peek(o = 0) {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)];
  }
  next() {
    return this.toks[this.i++];
  }
  fail(msg: string, t = this.peek()): never {
    throw new SearchSyntaxError(msg, t.pos, this.input);
  }
}

function describe(t: Token) {
  return t.kind === 'end' ? 'end of input' : `'${t.text}'`;
}

function parseIdentifier(c: Cursor): { entity: Entity; key: string; pos: number; keyPos: number } {
  const t = c.next();
  const pos = t.pos;
  if (t.kind === 'backtick' || t.kind === 'dquote') return { entity: 'attribute', key: t.text, pos, keyPos: pos };
  if (t.kind !== 'ident') c.fail(`Expected an identifier such as metrics.rmse, found ${describe(t)}`, t);
  // `entity.key` or a bare attribute name.
  if (c.peek().kind === 'dot' && c.peek().pos === t.pos + t.text.length) {
    const entity = ENTITIES[t.text.toLowerCase()];
    if (!entity) c.fail(`Invalid entity type '${t.text}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`, t);
    c.next();
    const k = c.next();
    if (k.kind === 'backtick' || k.kind === 'dquote') return { entity, key: k.text, pos, keyPos: k.pos };
    if (k.kind !== 'ident') c.fail(`Expected a key after '${t.text}.', found ${describe(k)}`, k);
    let key = k.text;
    let end = k.pos + k.text.length;
    // Unquoted dotted keys (tags.mlflow.user) continue while tokens are adjacent.
    while (c.peek().kind === 'dot' && c.peek().pos === end && c.peek(1).kind === 'ident' && c.peek(1).pos === end + 1) {
      c.next();
      const more = c.next();
      key += '.' + more.text;
      end = more.pos + more.text.length;
    }
    return { entity, key, pos, keyPos: k.pos };
  }
  return { entity: 'attribute', key: t.text, pos, keyPos: pos };
}

function parseComparator(c: Cursor): Comparator {
  const t = c.next();
  if (t.kind === 'op') return t.text as Comparator;
  if (t.kind === 'ident') {
    const w = t.text.toUpperCase();
    if (w === 'LIKE' || w === 'ILIKE' || w === 'IN') return w;
    if (w === 'NOT' && c.peek().kind === 'ident' && c.peek().text.toUpperCase() === 'IN') {
      c.next();
      return 'NOT IN';
    }
  }
  return c.fail(`Invalid comparator ${describe(t)}; expected one of =, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN`, t);
}

function parseValue(c: Cursor): string | number | string[] {
  const t = c.next();
  if (t.kind === 'number') return Number(t.text);
  if (t.kind === 'squote' || t.kind === 'dquote') return t.text;
  if (t.kind === 'lparen') {
    const items: string[] = [];
    for (;;) {
      const v = c.next();
      if (v.kind === 'squote' || v.kind === 'dquote' || v.kind === 'number') items.push(v.text);
      else c.fail(`Expected a quoted value in the list, found ${describe(v)}`, v);
      const sep = c.next();
      if (sep.kind === 'rparen') break;
      if (sep.kind !== 'comma') c.fail(`Expected ',' or ')' in the list, found ${describe(sep)}`, sep);
    }
    if (!items.length) c.fail('An IN list needs at least one value');
    return items;
  }
  if (t.kind === 'ident') c.fail(`Expected a quoted string or a number, found ${describe(t)} (put strings in quotes)`, t);
  return c.fail(`Expected a value, found ${describe(t)}`, t);
}

/** Parses `clause AND clause AND …` (no OR, no parentheses, as MLflow). Empty input is no clause. */
export function parseFilter(input: string): Clause[] {
  if (!input || !input.trim()) return [];
  const c = new Cursor(tokenize(input), input);
  const out: Clause[] = [];
  for (;;) {
    const id = parseIdentifier(c);
    const comparator = parseComparator(c);
    const valuePos = c.peek().pos;
    const value = parseValue(c);
    if ((comparator === 'IN' || comparator === 'NOT IN') !== Array.isArray(value)) {
      c.fail(Array.isArray(value) ? `A list needs IN or NOT IN, not ${comparator}` : `${comparator} needs a list in parentheses, e.g. ('a', 'b')`, { kind: 'end', text: '', pos: valuePos });
    }
    out.push({ ...id, comparator, value, valuePos });
    const t = c.next();
    if (t.kind === 'end') break;
    if (t.kind === 'ident' && t.text.toUpperCase() === 'AND') continue;
    if (t.kind === 'ident' && t.text.toUpperCase() === 'OR') c.fail("'OR' is not supported; only AND", t);
    c.fail(`Expected AND or the end of the filter, found ${describe(t)}`, t);
  }
  return out;
}

export interface OrderTerm {
  entity: Entity;
  key: string;
  ascending: boolean;
}

/** Parses one order_by term: `<identifier> [ASC|DESC]`. */
export function parseOrderTerm(input: string): OrderTerm {
  const c = new Cursor(tokenize(input), input);
  if (c.peek().kind === 'end') c.fail('Empty order_by clause');
  const id = parseIdentifier(c);
  let ascending = true;
  const t = c.next();
  if (t.kind === 'ident' && /^(ASC|DESC)$/i.test(t.text)) {
    ascending = t.text.toUpperCase() === 'ASC';
    const end = c.next();
    if (end.kind !== 'end') c.fail(`Unexpected ${describe(end)} after the sort direction`, end);
  } else if (t.kind !== 'end') c.fail(`Invalid order_by direction ${describe(t)}; expected ASC or DESC`, t);
  return { entity: id.entity, key: id.key, ascending };
}
