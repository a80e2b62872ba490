import { PipelineFileError, type SourcePos } from './errors';
import { isPyMap, pyStr, type PyValue } from './pyvalue';

/** `${expr}` not preceded by a backslash, as DVC's KEYCRE. */
const KEY = /(?<!\\)\$\{(.*?)\}/g;

export class InterpolationError extends Error {}

/** Parses `a.b[0].c` into segments; DVC's grammar: words without `.[]`, joined by `.x` or `[x]`. */
export function parseExpr(expr: string): string[] {
  const m = /^([^.[\]]+)((?:\.[^.[\]]+|\[[^.[\]]+\])*)$/.exec(expr);
  if (!m) throw new InterpolationError(`cannot parse \${${expr}}: expected names joined by "." or [index]`);
  const rest = m[2].match(/\.[^.[\]]+|\[[^.[\]]+\]/g) ?? [];
  return [m[1], ...rest.map((r) => (r.startsWith('.') ? r.slice(1) : r.slice(1, -1)))];
}

export function hasInterpolation(s: unknown): boolean {
  return typeof s === 'string' && new RegExp(KEY.source).test(s);
}

/** A key path in the context, and which params file it came from (those become params dependencies). */
export interface Tracked {
  file: string;
  key: string;
}

/** The variables `${}` can use: `vars`, `params.yaml`, and `item`/`key` inside foreach and matrix. */
export class Context {
  constructor(
    readonly data: { [k: string]: PyValue } = {},
    /** Top-level key → the params file it was loaded from (absent for inline vars and foreach items). */
    readonly sources = new Map<string, string>(),
  ) {}

  clone(): Context {
    return new Context(clone(this.data) as { [k: string]: PyValue }, new Map(this.sources));
  }

  /** Merges a file's or a `vars` entry's values; a key defined twice is an error, as in DVC. */
  merge(values: { [k: string]: PyValue }, source?: string, where = 'vars'): void {
    mergeInto(this.data, values, '', where);
    if (source) for (const k of Object.keys(values)) this.sources.set(k, source);
  }

  with(extra: { [k: string]: PyValue }): Context {
    const c = new Context({ ...this.data, ...extra }, new Map(this.sources));
    for (const k of Object.keys(extra)) c.sources.delete(k);
    return c;
  }

  select(expr: string, track?: Tracked[]): PyValue {
    const segs = parseExpr(expr);
    let cur: PyValue = this.data;
    for (const s of segs) {
      if (Array.isArray(cur) && /^-?\d+$/.test(s) && Number(s) < cur.length) cur = cur[Number(s) < 0 ? cur.length + Number(s) : Number(s)];
      else if (isPyMap(cur) && Object.prototype.hasOwnProperty.call(cur, s)) cur = cur[s];
      else throw new InterpolationError(`could not find '${expr}'`);
    }
    const file = this.sources.get(segs[0]);
    if (track && file) for (const k of leafKeys(cur, segs.join('.'))) track.push({ file, key: k });
    return cur;
  }
}

/** Deep copy that keeps PyFloat (structuredClone would turn it into a plain object). */
function clone(v: PyValue): PyValue {
  if (Array.isArray(v)) return v.map(clone);
  if (isPyMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  return v;
}

function leafKeys(v: PyValue, prefix: string): string[] {
  if (!isPyMap(v)) return [prefix];
  return Object.entries(v).flatMap(([k, x]) => leafKeys(x, `${prefix}.${k}`));
}

function mergeInto(into: { [k: string]: PyValue }, from: { [k: string]: PyValue }, prefix: string, where: string): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (cur === undefined) into[k] = clone(v);
    else if (isPyMap(cur) && isPyMap(v)) mergeInto(cur, v, `${prefix}${k}.`, where);
    else throw new InterpolationError(`cannot redefine '${prefix}${k}' in ${where}: it is already defined`);
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

function flatten(v: { [k: string]: PyValue }, prefix = ''): [string, PyValue][] {
  return Object.entries(v).flatMap(([k, x]) => (isPyMap(x) ? flatten(x, `${prefix}${k}.`) : [[`${prefix}${k}`, x] as [string, PyValue]]));
}

/** A dictionary in `cmd` becomes `--key value` arguments (DVC's default `store_true` / `nargs` styles). */
export function dictToArgs(v: { [k: string]: PyValue }): string {
  let out = '';
  for (const [k, x] of flatten(v)) {
    if (typeof x === 'boolean') out += x ? `--${k} ` : '';
    else if (typeof x === 'string') out += `--${k} ${shellQuote(x)} `;
    else if (Array.isArray(x)) {
      x.forEach((i, n) => {
        if (Array.isArray(i) || isPyMap(i)) throw new InterpolationError(`cannot interpolate nested iterable in '${k}'`);
        const s = typeof i === 'string' ? shellQuote(i) : pyStr(i);
        out += n > 0 ? `${s} ` : `--${k} ${s} `;
      });
    } else out += `--${k} ${pyStr(x)} `;
  }
  return out.trimEnd();
}

function primitive(v: PyValue): boolean {
  return v === null || !(Array.isArray(v) || isPyMap(v));
}

/**
 * Resolves one string: an exact `${x}` keeps the value's type; inside text, values are converted with `str()`.
 * `key` is the stage field (`cmd`, `deps`, `foreach`, …): only `foreach` may take lists and maps, only `cmd` maps.
 */
export function resolveString(s: string, ctx: Context, key: string, track?: Tracked[]): PyValue {
  const matches = [...s.matchAll(KEY)];
  if (!matches.length) return s.replace(/\\\$\{/g, '${');
  const check = (v: PyValue, expr: string) => {
    if (primitive(v) || key.includes('foreach') || key.includes('matrix')) return;
    if (isPyMap(v) && key === 'cmd') return;
    throw new InterpolationError(`cannot interpolate \${${expr}}: its value is a ${Array.isArray(v) ? 'list' : 'dictionary'}`);
  };
  if (matches.length === 1 && matches[0][0] === s) {
    const v = ctx.select(matches[0][1].trim(), track);
    check(v, matches[0][1]);
    return isPyMap(v) && key === 'cmd' ? dictToArgs(v) : v;
  }
  let out = '';
  let last = 0;
  for (const m of matches) {
    const v = ctx.select(m[1].trim(), track);
    check(v, m[1]);
    out += s.slice(last, m.index) + (isPyMap(v) ? dictToArgs(v) : pyStr(v));
    last = m.index! + m[0].length;
  }
  return (out + s.slice(last)).replace(/\\\$\{/g, '${');
}

/** Resolves every string inside a value; errors point at the field they came from. */
export function resolveValue(v: PyValue, ctx: Context, key: string, where: () => SourcePos, track?: Tracked[]): PyValue {
  try {
    if (typeof v === 'string') return resolveString(v, ctx, key, track);
    if (Array.isArray(v)) return v.map((x) => resolveValue(x, ctx, key, where, track));
    if (isPyMap(v)) {
      const out: { [k: string]: PyValue } = {};
      for (const [k, x] of Object.entries(v)) out[pyStr(resolveString(k, ctx, key, track))] = resolveValue(x, ctx, key, where, track);
      return out;
    }
    return v;
  } catch (e) {
    if (e instanceof InterpolationError) throw new PipelineFileError(where(), `in '${key}': ${e.message}`);
    throw e;
  }
}
