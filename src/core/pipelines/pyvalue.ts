/**
 * Values as Python sees them after loading YAML/JSON: DVC writes params into `dvc.lock` and hashes run-cache keys
 * from them, so a float must stay a float (`1.0`, `1.0e-05`) even though JavaScript has one number type.
 */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
}

export type PyValue = string | number | boolean | null | PyFloat | PyValue[] | { [key: string]: PyValue };

export function isPyMap(v: unknown): v is { [key: string]: PyValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}

function num(v: PyValue): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/** Python `==` on loaded data (1 == 1.0 == True). */
export function pyEqual(a: PyValue, b: PyValue): boolean {
  const na = num(a);
  const nb = num(b);
  if (na !== undefined || nb !== undefined) return na === nb;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => pyEqual(x, b[i]));
  }
  if (isPyMap(a) || isPyMap(b)) {
    if (!isPyMap(a) || !isPyMap(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => k in b && pyEqual(a[k], b[k]));
  }
  return a === b;
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    const e = exp < 0 ? `-${String(-exp).padStart(2, '0')}` : `+${String(exp).padStart(2, '0')}`;
    return `${mant}e${e}`;
  }
  // Within 1e-4 .. 1e16 JavaScript prints the same shortest digits without an exponent.
  const s = String(x);
  return s.includes('.') ? s : s + '.0';
}

/** How ruamel.yaml writes a float: repr, lowercased, with `.0` added before an exponent that lacks a point. */
export function yamlFloat(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (x === Infinity) return '.inf';
  if (x === -Infinity) return '-.inf';
  const r = pyFloatRepr(x);
  return r.includes('e') && !r.includes('.') ? r.replace('e', '.0e') : r;
}

/** Python `str()` as `${}` interpolation uses it (booleans as `true`/`false`, as DVC does). */
export function pyStr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return pyJson(v);
}

function jsonString(s: string): string {
  let o = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) o += '\\"';
    else if (c === 0x5c) o += '\\\\';
    else if (c === 0x0a) o += '\\n';
    else if (c === 0x0d) o += '\\r';
    else if (c === 0x09) o += '\\t';
    else if (c === 0x08) o += '\\b';
    else if (c === 0x0c) o += '\\f';
    else if (c < 0x20 || c > 0x7e) o += '\\u' + c.toString(16).padStart(4, '0');
    else o += s[i];
  }
  return o + '"';
}

function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `json.dumps(v, sort_keys=True)` with Python's defaults (`, ` and `: `, ensure_ascii, NaN/Infinity). */
export function pyJson(v: PyValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof PyFloat) {
    if (Number.isNaN(v.value)) return 'NaN';
    if (!Number.isFinite(v.value)) return v.value > 0 ? 'Infinity' : '-Infinity';
    return pyFloatRepr(v.value);
  }
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return jsonString(v);
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  const keys = Object.keys(v).sort(byCodePoint);
  return `{${keys.map((k) => `${jsonString(k)}: ${pyJson(v[k])}`).join(', ')}}`;
}

/** Plain JavaScript value (floats unwrapped), for JSON output and metrics. */
export function toPlain(v: PyValue): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(toPlain);
  if (isPyMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  return v;
}
