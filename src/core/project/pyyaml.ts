/**
 * YAML loading with PyYAML `safe_load` semantics (YAML 1.1 implicit typing as PyYAML implements it), keeping
 * source positions so problems can be shown on the right line. The `yaml` package does the syntax; scalars are
 * read as plain text (failsafe schema) and typed here with PyYAML's own resolver rules, because the YAML 1.1
 * schema of the `yaml` package differs from PyYAML on several inputs that matter for MLproject defaults
 * (`1e-1`, `-.5`, `y`, `n` are strings in PyYAML; `1.0e-5` must stay a float that prints as `1e-05`).
 */
import { Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YNode, Scalar } from 'yaml';
import { pyStr, type PyValue } from './pyvalue';
import type { Diagnostic, Range } from './types';

export type PyNode = PyScalarNode | PyMapNode | PySeqNode;
interface NodeBase {
  /** Source offsets [start, end) of the node's value. */
  start: number;
  end: number;
  range: Range;
}
export interface PyScalarNode extends NodeBase {
  kind: 'scalar';
  value: PyValue;
  style: 'plain' | 'quoted' | 'block';
}
export interface PyEntry {
  key: PyNode;
  value: PyNode;
}
export interface PyMapNode extends NodeBase {
  kind: 'map';
  /** Python dict semantics: first position of a key, last value; merge keys (`<<`) applied. */
  entries: PyEntry[];
}
export interface PySeqNode extends NodeBase {
  kind: 'seq';
  items: PyNode[];
}

export interface PyYamlDocument {
  /** Null for an empty document (PyYAML returns None). */
  root: PyNode | null;
  diagnostics: Diagnostic[];
  /** Maps offsets to 0-based positions. */
  rangeOf(start: number, end: number): Range;
}

const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT_RE = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP_RE =
  /^(?:([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)$/;

const TAG = 'tag:yaml.org,2002:';

class ConstructError extends Error {}

function constructInt(text: string): PyValue {
  let s = text.replace(/_/g, '');
  let sign = 1n;
  if (s[0] === '-') sign = -1n;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  const parse = (digits: string, radix: number): bigint => {
    if (!digits || ![...digits].every((c) => !Number.isNaN(parseInt(c, radix)))) {
      throw new ConstructError(`invalid literal for int() with base ${radix}: '${text}'`);
    }
    return [...digits].reduce((acc, c) => acc * BigInt(radix) + BigInt(parseInt(c, radix)), 0n);
  };
  let v: bigint;
  if (s === '0') v = 0n;
  else if (s.startsWith('0b')) v = parse(s.slice(2), 2);
  else if (s.startsWith('0x')) v = parse(s.slice(2), 16);
  else if (s[0] === '0') v = parse(s, 8);
  else if (s.includes(':')) {
    v = 0n;
    let base = 1n;
    for (const part of s.split(':').reverse()) {
      v += parse(part, 10) * base;
      base *= 60n;
    }
  } else v = parse(s, 10);
  return { t: 'int', v: sign * v };
}

function pyFloatParse(s: string, original: string): number {
  if (!/^[0-9]*\.?[0-9]*(?:e[-+]?[0-9]+)?$/.test(s) || !/[0-9]/.test(s)) {
    throw new ConstructError(`could not convert string to float: '${original}'`);
  }
  return Number(s);
}

function constructFloat(text: string): PyValue {
  let s = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (s[0] === '-') sign = -1;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  if (s === '.inf') return { t: 'float', v: sign * Infinity };
  if (s === '.nan') return { t: 'float', v: NaN };
  if (s.includes(':')) {
    let v = 0;
    let base = 1;
    for (const part of s.split(':').reverse()) {
      v += pyFloatParse(part, text) * base;
      base *= 60;
    }
    return { t: 'float', v: sign * v };
  }
  return { t: 'float', v: sign * pyFloatParse(s, text) };
}

function constructBool(text: string): PyValue {
  const l = text.toLowerCase();
  if (l === 'yes' || l === 'true' || l === 'on') return { t: 'bool', v: true };
  if (l === 'no' || l === 'false' || l === 'off') return { t: 'bool', v: false };
  throw new ConstructError(`'${text}' is not a YAML 1.1 boolean`);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

function constructTimestamp(text: string): PyValue {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) throw new ConstructError(`'${text}' is not a timestamp`);
  const [year, month, day] = m[1] ? [+m[1], +m[2], +m[3]] : [+m[4], +m[5], +m[6]];
  const d = new Date(Date.UTC(2000, month - 1, day));
  if (month < 1 || month > 12 || day < 1 || d.getUTCDate() !== day || (month === 2 && day === 29 && !isLeap(year)) || year < 1) {
    throw new ConstructError(`day is out of range for month in '${text}'`);
  }
  const date = `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
  if (!m[7]) return { t: 'date', text: date };
  const [hour, minute, second] = [+m[7], +m[8], +m[9]];
  if (hour > 23 || minute > 59 || second > 59) throw new ConstructError(`time out of range in '${text}'`);
  let out = `${date} ${pad2(hour)}:${pad2(minute)}:${pad2(second)}`;
  if (m[10]) {
    const frac = Number(m[10].slice(0, 6).padEnd(6, '0'));
    if (frac) out += '.' + String(frac).padStart(6, '0');
  }
  if (m[12]) {
    const h = Number(m[13]);
    const mi = Number(m[14] ?? 0);
    if (h > 23 || mi > 59) throw new ConstructError(`offset out of range in '${text}'`);
    out += h === 0 && mi === 0 ? '+00:00' : `${m[12]}${pad2(h)}:${pad2(mi)}`;
  } else if (m[11]) out += '+00:00';
  return { t: 'date', text: out };
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** PyYAML's implicit resolution of a plain scalar; `merge`/`value` are returned as markers. */
export function resolvePlain(text: string): PyValue | 'merge' | 'value' {
  if (BOOL_RE.test(text)) return constructBool(text);
  if (FLOAT_RE.test(text)) return constructFloat(text);
  if (INT_RE.test(text)) return constructInt(text);
  if (text === '<<') return 'merge';
  if (NULL_RE.test(text)) return { t: 'none' };
  if (TIMESTAMP_RE.test(text)) return constructTimestamp(text);
  if (text === '=') return 'value';
  return { t: 'str', v: text };
}

function constructTagged(tag: string, text: string): PyValue {
  switch (tag) {
    case TAG + 'str':
      return { t: 'str', v: text };
    case TAG + 'int':
      return constructInt(text);
    case TAG + 'float':
      return constructFloat(text);
    case TAG + 'bool':
      return constructBool(text);
    case TAG + 'null':
      return { t: 'none' };
    case TAG + 'timestamp':
      return constructTimestamp(text);
  }
  throw new ConstructError(`could not determine a constructor for the tag '${tag}'`);
}

/** Parses YAML text the way `yaml.safe_load` would. Never throws: problems become diagnostics. */
export function loadPyYaml(text: string): PyYamlDocument {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const rangeOf = (start: number, end: number): Range => {
    const a = lineCounter.linePos(start);
    const b = lineCounter.linePos(Math.max(start, end));
    return { start: { line: a.line - 1, character: a.col - 1 }, end: { line: b.line - 1, character: b.col - 1 } };
  };
  const doc = parseDocument(text, { version: '1.1', schema: 'failsafe', uniqueKeys: false, lineCounter, prettyErrors: false });
  for (const e of doc.errors) {
    diagnostics.push({ severity: 'error', message: `YAML syntax error: ${e.message.split('\n')[0]}`, range: rangeOf(e.pos[0], e.pos[1]), code: 'yaml' });
  }
  if (doc.errors.length) return { root: null, diagnostics, rangeOf };

  const error = (start: number, end: number, message: string) => diagnostics.push({ severity: 'error', message, range: rangeOf(start, end), code: 'yaml' });
  const onStack = new Set<YNode>();

  const offsets = (n: { range?: [number, number, number] | null }): [number, number] => {
    const r = n.range ?? [0, 0, 0];
    return [r[0], r[1]];
  };

  const convert = (node: YNode | Alias | null | undefined, at: [number, number]): PyNode => {
    if (node == null) return { kind: 'scalar', value: { t: 'none' }, style: 'plain', start: at[0], end: at[1], range: rangeOf(at[0], at[1]) };
    if (isAlias(node)) {
      const target = node.resolve(doc);
      const [s, e] = offsets(node);
      if (!target) {
        error(s, e, `YAML: unknown alias *${node.source}`);
        return convert(null, [s, e]);
      }
      if (onStack.has(target)) {
        error(s, e, `YAML: recursive alias *${node.source} is not supported`);
        return convert(null, [s, e]);
      }
      // Positions of an alias point at the alias itself, where the user reads it.
      return { ...convert(target, [s, e]), start: s, end: e, range: rangeOf(s, e) };
    }
    const [s, e] = offsets(node);
    const base = { start: s, end: e, range: rangeOf(s, e) };
    if (isScalar(node)) return { kind: 'scalar', ...base, ...scalarValue(node, s, e) };
    onStack.add(node);
    try {
      if (isSeq(node)) {
        checkCollectionTag(node.tag, 'seq', s, e);
        return { kind: 'seq', ...base, items: node.items.map((it) => convert(it as YNode, [s, s])) };
      }
      if (isMap(node)) {
        checkCollectionTag(node.tag, 'map', s, e);
        return { kind: 'map', ...base, entries: mapEntries(node.items, s) };
      }
    } finally {
      onStack.delete(node);
    }
    error(s, e, 'YAML: unsupported node');
    return convert(null, [s, e]);
  };

  const checkCollectionTag = (tag: string | undefined, kind: 'seq' | 'map', s: number, e: number) => {
    if (tag && tag !== TAG + kind && tag !== '!') error(s, e, `YAML: could not determine a constructor for the tag '${tag}'`);
  };

  const scalarValue = (node: Scalar, s: number, e: number): { value: PyValue; style: PyScalarNode['style'] } => {
    const text = String(node.value ?? '');
    const style: PyScalarNode['style'] = node.type === 'PLAIN' ? 'plain' : node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL' ? 'block' : 'quoted';
    try {
      if (node.tag && node.tag !== '!') return { value: constructTagged(node.tag, text), style };
      if (style !== 'plain' || node.tag === '!') return { value: { t: 'str', v: text }, style };
      const v = resolvePlain(text);
      if (v === 'merge' || v === 'value') {
        throw new ConstructError(`could not determine a constructor for the tag '${TAG}${v}'`);
      }
      return { value: v, style };
    } catch (err) {
      if (!(err instanceof ConstructError)) throw err;
      error(s, e, `YAML: ${err.message}`);
      return { value: { t: 'str', v: text }, style };
    }
  };

  const isMergeKey = (k: unknown): boolean => isScalar(k) && k.type === 'PLAIN' && !k.tag && k.value === '<<';

  const mapEntries = (items: unknown[], at: number): PyEntry[] => {
    const merged: PyEntry[] = [];
    const own: PyEntry[] = [];
    for (const pair of items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YNode | null;
      const valueNode = pair.value as YNode | Alias | null;
      const keyAt = keyNode ? offsets(keyNode) : ([at, at] as [number, number]);
      if (isMergeKey(keyNode)) {
        const v = convert(valueNode, keyAt);
        if (v.kind === 'map') merged.push(...v.entries);
        else if (v.kind === 'seq') {
          const parts: PyEntry[][] = [];
          for (const it of v.items) {
            if (it.kind === 'map') parts.push(it.entries);
            else error(it.start, it.end, 'YAML: expected a mapping for merging');
          }
          for (const p of parts.reverse()) merged.push(...p);
        } else error(v.start, v.end, 'YAML: expected a mapping or list of mappings for merging');
        continue;
      }
      let key: PyNode;
      if (isScalar(keyNode) && keyNode.type === 'PLAIN' && !keyNode.tag && keyNode.value === '=') {
        // PyYAML turns a `=` key into the string '='.
        const [s, e] = keyAt;
        key = { kind: 'scalar', value: { t: 'str', v: '=' }, style: 'plain', start: s, end: e, range: rangeOf(s, e) };
      } else key = convert(keyNode, keyAt);
      const valAt: [number, number] = [keyAt[1], keyAt[1]];
      own.push({ key, value: convert(valueNode, valueNode ? offsets(valueNode as YNode) : valAt) });
    }
    const out: PyEntry[] = [];
    const index = new Map<string, number>();
    const ownKeys = new Set<string>();
    for (const [i, entry] of [...merged, ...own].entries()) {
      if (entry.key.kind !== 'scalar') {
        error(entry.key.start, entry.key.end, 'YAML: found unhashable key (a mapping or list used as a key)');
        continue;
      }
      const id = keyId(entry.key.value);
      const isOwn = i >= merged.length;
      if (isOwn && ownKeys.has(id)) {
        diagnostics.push({
          severity: 'warning',
          message: `Duplicate key '${pyStr(entry.key.value)}': the last one wins`,
          range: entry.key.range,
          code: 'yaml',
        });
      }
      if (isOwn) ownKeys.add(id);
      const at = index.get(id);
      if (at === undefined) {
        index.set(id, out.length);
        out.push(entry);
      } else out[at] = { key: out[at].key, value: entry.value };
    }
    return out;
  };

  const root = doc.contents ? convert(doc.contents as YNode, [0, 0]) : null;
  // An empty document, or one holding only a null scalar, loads as None.
  const isNull = root?.kind === 'scalar' && root.value.t === 'none';
  return { root: isNull ? null : root, diagnostics, rangeOf };
}

/** Identity of a dict key the way Python hashes it (True == 1 == 1.0). */
function keyId(v: PyValue): string {
  switch (v.t) {
    case 'str':
      return 's:' + v.v;
    case 'bool':
      return 'n:' + (v.v ? '1' : '0');
    case 'int':
      return 'n:' + v.v.toString();
    case 'float':
      return Number.isInteger(v.v) ? 'n:' + BigInt(v.v).toString() : 'f:' + String(v.v);
    default:
      return v.t + ':' + pyStr(v);
  }
}

/** The Python value of a node. */
export function toPy(node: PyNode | null | undefined): PyValue {
  if (!node) return { t: 'none' };
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return { t: 'list', items: node.items.map(toPy) };
  return { t: 'dict', entries: node.entries.map((e) => [toPy(e.key), toPy(e.value)]) };
}

/** The entry whose key is the string `name` (non-string keys never match a string, as in Python). */
export function getEntry(map: PyMapNode, name: string): PyEntry | undefined {
  return map.entries.find((e) => e.key.kind === 'scalar' && e.key.value.t === 'str' && e.key.value.v === name);
}
