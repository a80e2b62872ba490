import { SearchSyntaxError } from './errors';

export type TokenKind =
  | 'ident'
  | 'backtick'
  | 'dquote'
  | 'squote'
  | 'number'
  | 'op'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'dot'
  /** characters that belong to no token; the parser reports them in context ("Invalid comparator '~'") */
  | 'other'
  | 'end';

export interface Token {
  kind: TokenKind;
  /** for quoted tokens, the text between the quotes */
  text: string;
  /** 0-based offset of the token's first character (the opening quote for quoted tokens) */
  pos: number;
}

const NUMBER = /[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/y;
const WORD = /[\w-]+/y;
const OP = /[!<>=~]+/y;
const OTHER = /[^\s\w`"'(),.!<>=~]+/y;

function sticky(re: RegExp, input: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(input)?.[0];
}

/** Numbers are only read where a value can stand, so keys like `1abc` or `f1-score` stay words. */
function valueExpected(prev: Token | undefined): boolean {
  if (!prev) return false;
  if (prev.kind === 'op' || prev.kind === 'lparen' || prev.kind === 'comma') return true;
  return prev.kind === 'ident' && /^(I?LIKE|IN)$/i.test(prev.text);
}

/** Splits a filter or order_by term into tokens, keeping each token's position for error messages. */
export function tokenize(input: string, source: 'filter' | 'order_by' = 'filter'): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '`' || c === '"' || c === "'") {
      const end = input.indexOf(c, i + 1);
      if (end < 0) {
        const what = c === '`' ? 'backtick' : c === '"' ? 'double quote' : 'single quote';
        throw new SearchSyntaxError(`Unclosed ${what} ${c}`, start, input, source);
      }
      out.push({ kind: c === '`' ? 'backtick' : c === '"' ? 'dquote' : 'squote', text: input.slice(i + 1, end), pos: start });
      i = end + 1;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', text: c, pos: start });
      i++;
      continue;
    }
    const prev = out[out.length - 1];
    const num = valueExpected(prev) ? sticky(NUMBER, input, i) : undefined;
    if (num) {
      out.push({ kind: 'number', text: num, pos: start });
      i += num.length;
      continue;
    }
    if (c === '.') {
      out.push({ kind: 'dot', text: '.', pos: start });
      i++;
      continue;
    }
    const m = sticky(OP, input, i);
    if (m) {
      out.push({ kind: 'op', text: m, pos: start });
      i += m.length;
      continue;
    }
    const w = sticky(WORD, input, i);
    if (w) {
      out.push({ kind: 'ident', text: w, pos: start });
      i += w.length;
      continue;
    }
    const o = sticky(OTHER, input, i) ?? c;
    out.push({ kind: 'other', text: o, pos: start });
    i += o.length;
  }
  out.push({ kind: 'end', text: '', pos: input.length });
  return out;
}
