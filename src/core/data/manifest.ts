import { createHash } from 'node:crypto';
import { InvalidDvcFile } from './errors';

/** One file of a tracked directory as DVC lists it in a `.dir` manifest. */
export interface ManifestEntry {
  relpath: string;
  md5: string;
}

/** `json.dumps(str)` with Python's defaults (ensure_ascii=True): UTF-16 code units outside 0x20..0x7e escaped. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export function pyJsonString(s: string): string {
  if (PLAIN.test(s)) return '"' + s + '"';
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

/**
 * Python sorts str by code point; JS compares UTF-16 units, which disagrees for astral characters against
 * U+E000..U+FFFF. UTF-8 byte order equals code-point order.
 */
export function compareCodePoints(a: string, b: string): number {
  // Fast path: both strings below the surrogate range compare the same either way.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return Buffer.compare(Buffer.from(a.slice(i), 'utf8'), Buffer.from(b.slice(i), 'utf8'));
  }
  return a.length - b.length;
}

const SURROGATE = /[\ud800-\udfff]/;

export function sortEntries<T extends ManifestEntry>(entries: T[]): T[] {
  // Without astral characters UTF-16 order is code-point order, and the comparator-free sort is much faster.
  if (!entries.some((e) => SURROGATE.test(e.relpath))) {
    const byPath = new Map(entries.map((e) => [e.relpath, e]));
    if (byPath.size === entries.length) return [...byPath.keys()].sort().map((k) => byPath.get(k)!);
  }
  return [...entries].sort((x, y) => compareCodePoints(x.relpath, y.relpath));
}

/** The manifest bytes exactly as DVC writes them: `json.dumps(sorted_list, sort_keys=True)`. */
export function serializeManifest(entries: ManifestEntry[]): Buffer {
  const parts = sortEntries(entries).map((e) => `{"md5": ${pyJsonString(e.md5)}, "relpath": ${pyJsonString(e.relpath)}}`);
  return Buffer.from(`[${parts.join(', ')}]`, 'utf8');
}

export function manifestOid(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex') + '.dir';
}

export function isDirOid(oid: string): boolean {
  return oid.endsWith('.dir');
}

/** Reads a manifest written by DVC (any JSON formatting; extra keys like size are ignored). */
export function parseManifest(bytes: Uint8Array | string, where: string): ManifestEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new InvalidDvcFile(where, `not a JSON directory manifest (${(e as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new InvalidDvcFile(where, 'a directory manifest must be a JSON list');
  return raw.map((e, i) => {
    if (!e || typeof e !== 'object' || typeof (e as ManifestEntry).relpath !== 'string' || typeof (e as ManifestEntry).md5 !== 'string') {
      throw new InvalidDvcFile(where, `entry ${i} lacks a string "relpath" or "md5"`);
    }
    const relpath = (e as ManifestEntry).relpath;
    if (relpath.startsWith('/') || relpath.split('/').some((s) => s === '..' || s === '')) {
      throw new InvalidDvcFile(where, `entry ${i} has an unsafe relpath ${JSON.stringify(relpath)}`);
    }
    return { relpath, md5: (e as ManifestEntry).md5.toLowerCase() };
  });
}
