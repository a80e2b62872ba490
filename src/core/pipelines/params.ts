import fs from 'node:fs';
import path from 'node:path';
import { PipelineFileError } from './errors';
import { PyFloat, isPyMap, type PyValue } from './pyvalue';
import type { PipelineFileCache } from './fileCache';
import { parseLocated } from './yamlDoc';

type PyMap = { [k: string]: PyValue };

function fromJson(v: unknown): PyValue {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJson(x)]));
  return v as PyValue;
}

/** JSON keeps `1.0` a float, as Python's json does: numbers with a point or exponent become floats. */
function parseJsonKeepingFloats(text: string, file: string): PyValue {
  let raw: unknown;
  try {
    // Mark floats before JSON.parse loses the difference; strings are skipped by the alternation.
    const marked = text.replace(/"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/g, (m, n: string | undefined) =>
      n !== undefined && /[.eE]/.test(n) ? `{"__pyfloat__":${n}}` : m,
    );
    raw = JSON.parse(marked);
  } catch (e) {
    throw new PipelineFileError({ file }, `not valid JSON (${(e as Error).message})`);
  }
  const revive = (v: unknown): PyValue => {
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === '__pyfloat__' && typeof o.__pyfloat__ === 'number') return new PyFloat(o.__pyfloat__);
      return Object.fromEntries(keys.map((k) => [k, revive(o[k])]));
    }
    return fromJson(v);
  };
  return revive(raw);
}

const cache = new Map<string, { mtimeMs: number; size: number; value: PyMap }>();
let docs: PipelineFileCache | undefined;

/** Parsed YAML params files come from this cache when unchanged (set by the open PipelineRepo). */
export function useParamsCache(c: PipelineFileCache | undefined): void {
  docs = c;
}

/** Reads a params file (YAML or JSON) into a mapping; a missing file is `undefined`. Cached by mtime and size. */
export function readParamsFile(abs: string): PyMap | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    return undefined;
  }
  if (st.isDirectory()) throw new PipelineFileError({ file: abs }, 'is a directory, expected a parameters file');
  const hit = cache.get(abs);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.value;
  const text = fs.readFileSync(abs, 'utf8');
  const ext = path.extname(abs).toLowerCase();
  let v: PyValue;
  if (ext === '.json') v = parseJsonKeepingFloats(text, abs);
  else if (ext === '.yaml' || ext === '.yml' || ext === '') v = docs ? docs.doc(abs, () => text).value : parseLocated(text, abs).value;
  else throw new PipelineFileError({ file: abs }, `parameters files must be YAML or JSON (${ext} is not supported)`);
  if (v === null) v = {};
  if (!isPyMap(v)) throw new PipelineFileError({ file: abs }, 'expected a mapping at the top level');
  cache.set(abs, { mtimeMs: st.mtimeMs, size: st.size, value: v });
  return v;
}

/** `dpath.get(config, "a.b.0")`: walks maps and list indices. */
export function getPath(v: PyValue, key: string): PyValue | undefined {
  let cur: PyValue | undefined = v;
  for (const seg of key.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(seg)) cur = cur[Number(seg)];
    else if (isPyMap(cur) && Object.prototype.hasOwnProperty.call(cur, seg)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

/** The values a params dependency records: listed keys (flattened), or every top-level key of the file. */
export function paramValues(values: PyMap, keys: string[] | null): PyMap {
  if (!keys || !keys.length) return values;
  const out: PyMap = {};
  for (const k of keys) {
    const v = getPath(values, k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}
