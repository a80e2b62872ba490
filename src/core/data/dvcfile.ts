import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { InvalidDvcFile } from './errors';
import type { HashName } from './hash';

/** One `outs:` entry of a `.dvc` file: a file or directory the file versions. */
export interface DvcOutput {
  /** POSIX path relative to the `.dvc` file's folder. */
  path: string;
  /** File md5, or manifest md5 + `.dir` for a directory; absent when never hashed. */
  md5?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  /** `md5` when the entry carries `hash: md5` (DVC 3); otherwise the legacy DVC 2 rule. */
  hashName: HashName;
  cache: boolean;
  push: boolean;
  remote?: string;
}

export interface DvcFile {
  /** Absolute path of the `.dvc` file. */
  file: string;
  outs: DvcOutput[];
  /** Imports and legacy run stages carry deps; we version their outputs but never rewrite the deps. */
  hasDeps: boolean;
  frozen: boolean;
}

const STRINGIFY: YAML.ToStringOptions = { indentSeq: false, lineWidth: 0, singleQuote: true };

function asInt(v: unknown, key: string, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  if (!/^[0-9]+$/.test(s)) throw new InvalidDvcFile(where, `"${key}" must be a non-negative integer, got ${JSON.stringify(v)}`);
  return Number(s);
}

function asBool(v: unknown, key: string, where: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new InvalidDvcFile(where, `"${key}" must be true or false, got ${JSON.stringify(v)}`);
}

/**
 * Parses `.dvc` text. The failsafe schema keeps every scalar a string, so an md5 like `0123…` or `12e4…` is never
 * turned into a number; sizes and flags are converted here.
 */
export function parseDvcFile(text: string, file: string): DvcFile {
  let raw: unknown;
  try {
    raw = YAML.parse(text, { schema: 'failsafe', uniqueKeys: false });
  } catch (e) {
    throw new InvalidDvcFile(file, `not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (raw === null || raw === undefined || raw === '') raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidDvcFile(file, 'expected a mapping at the top level');
  const top = raw as Record<string, unknown>;
  const outsRaw = top.outs ?? [];
  if (!Array.isArray(outsRaw)) throw new InvalidDvcFile(file, '"outs" must be a list');
  const outs = outsRaw.map((o, i): DvcOutput => {
    const where = `${file} (outs[${i}])`;
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw new InvalidDvcFile(where, 'each output must be a mapping');
    const r = o as Record<string, unknown>;
    if (typeof r.path !== 'string' || !r.path) throw new InvalidDvcFile(where, '"path" is required');
    const md5 = r.md5 === undefined || r.md5 === null || r.md5 === '' ? undefined : String(r.md5).trim().toLowerCase();
    if (md5 !== undefined && !/^[0-9a-f]{32}(\.dir)?$/.test(md5)) throw new InvalidDvcFile(where, `"md5" is not an md5 hash: ${JSON.stringify(r.md5)}`);
    const hash = r.hash === undefined ? undefined : String(r.hash);
    if (hash !== undefined && hash !== 'md5') throw new InvalidDvcFile(where, `unsupported "hash: ${hash}" (only md5)`);
    return {
      path: r.path.replace(/\\/g, '/'),
      md5,
      size: asInt(r.size, 'size', where),
      nfiles: asInt(r.nfiles, 'nfiles', where),
      isexec: asBool(r.isexec, 'isexec', where),
      hashName: hash === 'md5' ? 'md5' : 'md5-dos2unix',
      cache: asBool(r.cache, 'cache', where) ?? true,
      push: asBool(r.push, 'push', where) ?? true,
      remote: typeof r.remote === 'string' ? r.remote : undefined,
    };
  });
  return { file, outs, hasDeps: Array.isArray(top.deps) && top.deps.length > 0, frozen: asBool(top.frozen, 'frozen', file) ?? false };
}

export function readDvcFile(file: string): DvcFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidDvcFile(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseDvcFile(text, file);
}

/** What a fresh add records for an output. */
export interface OutputHash {
  md5: string;
  size: number;
  nfiles?: number;
  isexec?: boolean;
  hashName: HashName;
}

/** A new `.dvc` file in the key order of DVC's `Output.dumpd`. */
export function renderDvcFile(outPath: string, h: OutputHash): string {
  const out: Record<string, unknown> = { md5: h.md5, size: h.size };
  if (h.nfiles !== undefined) out.nfiles = h.nfiles;
  if (h.isexec) out.isexec = true;
  if (h.hashName === 'md5') out.hash = 'md5';
  out.path = outPath;
  return YAML.stringify({ outs: [out] }, STRINGIFY);
}

/**
 * Rewrites one output's hash fields in existing `.dvc` text, keeping comments, other keys and the user's key order
 * (DVC applies a round-trip diff the same way; new keys are appended).
 */
export function updateDvcFileText(text: string, index: number, h: OutputHash, file: string): string {
  const crlf = text.includes('\r\n');
  const doc = YAML.parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length) throw new InvalidDvcFile(file, `not valid YAML (${doc.errors[0].message.split('\n')[0]})`);
  const out = doc.getIn(['outs', index], true);
  if (!YAML.isMap(out)) throw new InvalidDvcFile(file, `outs[${index}] is not a mapping`);
  out.set('md5', h.md5);
  out.set('size', h.size);
  if (h.nfiles !== undefined) out.set('nfiles', h.nfiles);
  else out.delete('nfiles');
  if (h.isexec) out.set('isexec', true);
  else out.delete('isexec');
  if (h.hashName === 'md5') out.set('hash', 'md5');
  else out.delete('hash');
  const s = doc.toString(STRINGIFY);
  return crlf ? s.replace(/\r?\n/g, '\r\n') : s;
}

/** Where `dvc add <target>` puts the `.dvc` file and what `path:` it records. */
export function dvcFileFor(target: string): { dvcFile: string; outPath: string } {
  return { dvcFile: target + '.dvc', outPath: path.basename(target) };
}
