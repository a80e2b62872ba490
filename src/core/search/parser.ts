import { SearchSyntaxError } from './errors';
import { tokenize, type Token } from './tokenizer';

export type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface Clause {
  entity: Entity;
  key: string;
  comparator: Comparator;
  value: string | number | string[];
  /** 0-based offsets into the filter, so validation errors can point at the right token */
  pos: number;
  keyPos: number;
  comparatorPos: number;
  valuePos: number;
}

export interface OrderTerm {
  entity: Entity;
  key: string;
  ascending: boolean;
  pos: number;
  keyPos: number;
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

const OPERATORS = new Set(['=', '!=', '>', '>=', '<', '<=']);
const BARE_KEY = /^[A-Za-z_]\w*$/;

class Cursor {
  i = 0;
  readonly toks: Token[];
  constructor(
    readonly input: string,
    readonly source: 'filter' | 'order_by',
  ) {
    this.toks = tokenize(input, source);
  }
  peek(o = 0): Token {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)];
  }
  next(): Token {
    return this.toks[Math.min(this.i++, this.toks.length - 1)];
  }
  fail(msg: string, at: Token | number = this.peek(), hint?: string): never {
    throw new SearchSyntaxError(msg, typeof at === 'number' ? at : at.pos, this.input, this.source, hint);
  }
}

function describe(t: Token): string {
  if (t.kind === 'end') return 'end of input';
  if (t.kind === 'squote') return `'${t.text}'`;
  if (t.kind === 'dquote') return `"${t.text}"`;
  if (t.kind === 'backtick') return `\`${t.text}\``;
  return `'${t.text}'`;
}

function checkBareKey(c: Cursor, k: Token, prefix: string, key = k.text): void {
  if (!BARE_KEY.test(k.text)) {
    c.fail(`Invalid key '${key}'`, k, `Keys with '-', spaces, dots or a leading digit need backticks, e.g. ${prefix}\`${key}\``);
  }
}

function parseIdentifier(c: Cursor): { entity: Entity; key: string; pos: number; keyPos: number } {
  const t = c.next();
  const pos = t.pos;
  if (t.kind === 'backtick' || t.kind === 'dquote') return { entity: 'attribute', key: t.text, pos, keyPos: pos };
  if (t.kind === 'squote') c.fail(`Invalid identifier '${t.text}'`, t, `Keys are bare, \`backticked\` or "double-quoted", never single-quoted`);
  if (t.kind !== 'ident') c.fail(`Expected an identifier such as metrics.rmse, found ${describe(t)}`, t);
  const dot = c.peek();
  if (dot.kind !== 'dot' || dot.pos !== t.pos + t.text.length) {
    checkBareKey(c, t, '');
    return { entity: 'attribute', key: t.text, pos, keyPos: pos };
  }
  const entity = ENTITIES[t.text.toLowerCase()];
  if (!entity) {
    c.fail(`Invalid entity type '${t.text}'`, t, `Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`);
  }
  c.next();
  const k = c.next();
  if (k.kind === 'backtick' || k.kind === 'dquote') return { entity, key: k.text, pos, keyPos: k.pos };
  if (k.kind !== 'ident' || k.pos !== dot.pos + 1) c.fail(`Expected a key right after '${t.text}.', found ${describe(k)}`, k);
  checkBareKey(c, k, `${t.text}.`);
  // MLflow splits on the first dot only, so bare dotted keys (tags.mlflow.user) run on while tokens touch.
  let key = k.text;
  let end = k.pos + k.text.length;
  while (c.peek().kind === 'dot' && c.peek().pos === end && c.peek(1).kind === 'ident' && c.peek(1).pos === end + 1) {
    c.next();
    const more = c.next();
    checkBareKey(c, more, `${t.text}.`, `${key}.${more.text}`);
    key += '.' + more.text;
    end = more.pos + more.text.length;
  }
  return { entity, key, pos, keyPos: k.pos };
}

function parseComparator(c: Cursor): Comparator {
  const t = c.next();
  if (t.kind === 'op' && OPERATORS.has(t.text)) return t.text as Comparator;
  if (t.kind === 'ident') {
    const w = t.text.toUpperCase();
    if (w === 'LIKE' || w === 'ILIKE' || w === 'IN') return w;
    if (w === 'NOT' && c.peek().kind === 'ident' && c.peek().text.toUpperCase() === 'IN') {
      c.next();
      return 'NOT IN';
    }
  }
  if (t.kind === 'end') c.fail('Expected a comparator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN), found end of input', t);
  return c.fail(`Invalid comparator ${describe(t)}`, t, `Expected one of =, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN`);
}

function parseList(c: Cursor, open: Token): string[] {
  const items: string[] = [];
  if (c.peek().kind === 'rparen') c.fail('An IN list needs at least one value', c.peek());
  for (;;) {
    const v = c.next();
    if (v.kind === 'squote') items.push(v.text);
    else if (v.kind === 'end') c.fail(`Unclosed list`, v, `The list opened at position ${open.pos}`);
    else c.fail(`Expected a single-quoted string in the list, found ${describe(v)}`, v);
    const sep = c.next();
    if (sep.kind === 'rparen') return items;
    if (sep.kind === 'end') c.fail(`Unclosed list`, sep, `The list opened at position ${open.pos}`);
    if (sep.kind !== 'comma') c.fail(`Expected ',' or ')' in the list, found ${describe(sep)}`, sep);
  }
}

function parseValue(c: Cursor): string | number | string[] {
  const t = c.next();
  if (t.kind === 'number') return Number(t.text);
  if (t.kind === 'squote' || t.kind === 'dquote') return t.text;
  if (t.kind === 'lparen') return parseList(c, t);
  if (t.kind === 'ident') c.fail(`Expected a quoted string or a number, found ${describe(t)}`, t, `Put strings in quotes`);
  return c.fail(`Expected a value, found ${describe(t)}`, t);
}

/** Parses `clause AND clause AND …` (AND in any case; no OR, no parentheses, as MLflow). Blank input is no clause. */
export function parseFilter(input: string | undefined | null): Clause[] {
  if (!input || !input.trim()) return [];
  const c = new Cursor(input, 'filter');
  const out: Clause[] = [];
  for (;;) {
    const id = parseIdentifier(c);
    const comparatorPos = c.peek().pos;
    const comparator = parseComparator(c);
    const valuePos = c.peek().pos;
    const value = parseValue(c);
    const listOp = comparator === 'IN' || comparator === 'NOT IN';
    if (listOp && !Array.isArray(value)) c.fail(`${comparator} needs a list in parentheses`, valuePos, "For example ('a', 'b')");
    if (!listOp && Array.isArray(value)) c.fail(`A list needs IN or NOT IN, not ${comparator}`, comparatorPos);
    out.push({ ...id, comparator, comparatorPos, value, valuePos });
    const t = c.next();
    if (t.kind === 'end') return out;
    if (t.kind === 'ident' && t.text.toUpperCase() === 'AND') {
      if (c.peek().kind === 'end') c.fail("Expected a clause after 'AND'", c.peek());
      continue;
    }
    if (t.kind === 'ident' && t.text.toUpperCase() === 'OR') c.fail("'OR' is not supported", t, 'Clauses can only be joined with AND');
    c.fail(`Expected AND or the end of the filter, found ${describe(t)}`, t);
  }
}

/** Parses one order_by term: `<identifier> [ASC|DESC]` (ASC by default). */
export function parseOrderTerm(input: string): OrderTerm {
  const c = new Cursor(input ?? '', 'order_by');
  if (c.peek().kind === 'end') c.fail('Empty order_by clause');
  const id = parseIdentifier(c);
  let ascending = true;
  const t = c.next();
  if (t.kind === 'ident' && /^(ASC|DESC)$/i.test(t.text)) {
    ascending = t.text.toUpperCase() === 'ASC';
    const end = c.next();
    if (end.kind !== 'end') c.fail(`Unexpected ${describe(end)} after the sort direction`, end);
  } else if (t.kind !== 'end') c.fail(`Invalid order_by direction ${describe(t)}`, t, `Expected ASC or DESC`);
  return { entity: id.entity, key: id.key, ascending, pos: id.pos, keyPos: id.keyPos };
}
