import { SearchSyntaxError } from './errors';

export type TokenKind = 'ident' | 'backtick' | 'dquote' | 'squote' | 'number' | 'op' | 'lparen' | 'rparen' | 'comma' | 'dot' | 'end';

export interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

const OPS = ['!=', '>=', '<=', '=', '>', '<'];

/** Splits a filter into tokens, keeping each token's position for error messages. */
export function tokenize(input: string): Token[] {
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
      if (end < 0) throw new SearchSyntaxError(`Unclosed ${c === '`' ? 'backtick' : 'quote'} ${c}`, start, input);
      out.push({ kind: c === '`' ? 'backtick' : c === '"' ? 'dquote' : 'squote', text: input.slice(i + 1, end), pos: start });
      i = end + 1;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', text: c, pos: start });
      i++;
      continue;
    }
    const op = OPS.find((o) => input.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', text: op, pos: start });
      i += op.length;
      continue;
    }
    const num = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(input.slice(i));
    const prev = out[out.length - 1];
    const valueExpected = !prev || prev.kind === 'op' || prev.kind === 'lparen' || prev.kind === 'comma' || (prev.kind === 'ident' && /^(I?LIKE|IN)$/i.test(prev.text));
    if (num && valueExpected) {
      out.push({ kind: 'number', text: num[0], pos: start });
      i += num[0].length;
      continue;
    }
    if (c === '.') {
      out.push({ kind: 'dot', text: '.', pos: start });
      i++;
      continue;
    }
    const word = /^[\w\-:/]+/.exec(input.slice(i));
    if (word) {
      out.push({ kind: 'ident', text: word[0], pos: start });
      i += word[0].length;
      continue;
    }
    throw new SearchSyntaxError(`Unexpected character '${c}'`, start, input);
  }
  out.push({ kind: 'end', text: '', pos: input.length });
  return out;
}
