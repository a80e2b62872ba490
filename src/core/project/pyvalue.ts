/**
 * Python values as PyYAML's `safe_load` builds them, and their Python `str()` forms.
 * MLflow stringifies MLproject defaults with `str()`, so a TypeScript port must keep the Python type
 * (e.g. `1.0e-5` is the float whose str() is `1e-05`, `yes` is the bool whose str() is `True`).
 */
export type PyValue =
  | { t: 'str'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  /** A date or datetime; `text` is Python's str() of it. */
  | { t: 'date'; text: string }
  | { t: 'list'; items: PyValue[] }
  | { t: 'dict'; entries: Array<[PyValue, PyValue]> };

export const pyStrValue = (v: string): PyValue => ({ t: 'str', v });

/** Python `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16 on. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip, like Python's repr.
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(x).toExponential());
  if (!m) return String(x);
  const digits = m[1] + (m[2] ?? '');
  const exp = Number(m[3]);
  if (exp < -4 || exp >= 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits + '0'.repeat(exp + 1 - digits.length);
  const frac = digits.length > exp + 1 ? digits.slice(exp + 1) : '0';
  return `${sign}${intPart}.${frac}`;
}

/** Python `repr(str)`. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0x80 && c < 0xa0) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python `str(value)`. */
export function pyStr(v: PyValue): string {
  switch (v.t) {
    case 'str':
      return v.v;
    case 'int':
      return v.v.toString();
    case 'float':
      return pyFloatRepr(v.v);
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'date':
      return v.text;
    case 'list':
    case 'dict':
      return pyRepr(v);
  }
}

/** Python `repr(value)` (used for items inside lists and dicts). */
export function pyRepr(v: PyValue): string {
  switch (v.t) {
    case 'str':
      return pyStrRepr(v.v);
    case 'date':
      // repr(datetime.date(...)) differs from str(); only reached for dates nested in lists/dicts.
      return `'${v.text}'`;
    case 'list':
      return `[${v.items.map(pyRepr).join(', ')}]`;
    case 'dict':
      return `{${v.entries.map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
    default:
      return pyStr(v);
  }
}

/** Python `shlex.quote`. */
export function shlexQuote(s: string): string {
  if (s === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return "'" + s.replace(/'/g, `'"'"'`) + "'";
}

/** Plain JS form of a value, for callers that just want data (MLmodel fields, docker_env). */
export function pyToJs(v: PyValue): unknown {
  switch (v.t) {
    case 'str':
      return v.v;
    case 'int':
      return v.v >= BigInt(Number.MIN_SAFE_INTEGER) && v.v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.v) : v.v.toString();
    case 'float':
      return v.v;
    case 'bool':
      return v.v;
    case 'none':
      return null;
    case 'date':
      return v.text;
    case 'list':
      return v.items.map(pyToJs);
    case 'dict': {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v.entries) o[pyStr(k)] = pyToJs(x);
      return o;
    }
  }
}
