import fs from 'node:fs';
import { writeFileAtomic } from '../store/atomicFile';
import { emitYaml } from './emit';
import { PipelineFileError } from './errors';
import { isPyMap, type PyValue } from './pyvalue';
import type { PipelineFileCache } from './fileCache';
import { parseLocated } from './yamlDoc';

type PyMap = { [k: string]: PyValue };

/** One `deps`/`outs` entry of a locked stage. */
export interface LockEntry {
  path: string;
  /** `md5` for DVC 3 hashes; absent for legacy (DVC 2) entries. */
  hash?: 'md5';
  md5?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
}

export interface LockStage {
  cmd: string | string[];
  deps: LockEntry[];
  /** params file → key → value, as recorded. */
  params: { [file: string]: PyMap };
  outs: LockEntry[];
}

export interface LockFile {
  file: string;
  stages: Map<string, LockStage>;
  /** Other top-level keys (datasets) kept as they were. */
  extra: PyMap;
}

function entries(v: PyValue, where: () => string): LockEntry[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${where()} must be a list`);
  return v.map((e) => {
    if (!isPyMap(e) || typeof e.path !== 'string') throw new Error(`${where()} entries need a "path"`);
    const out: LockEntry = { path: e.path };
    if (e.hash === 'md5') out.hash = 'md5';
    if (e.md5 !== undefined && e.md5 !== null) out.md5 = String(e.md5);
    if (typeof e.size === 'number') out.size = e.size;
    if (typeof e.nfiles === 'number') out.nfiles = e.nfiles;
    if (e.isexec === true) out.isexec = true;
    return out;
  });
}

/** Reads dvc.lock (schema 2.0). A missing file is an empty lock. */
export function readLock(file: string, files?: PipelineFileCache): LockFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file, stages: new Map(), extra: {} };
    throw new PipelineFileError({ file }, `cannot read (${(e as NodeJS.ErrnoException).code})`);
  }
  const doc = files ? files.doc(file, () => text) : parseLocated(text, file);
  const top = doc.value ?? {};
  if (!isPyMap(top)) throw new PipelineFileError(doc.where([]), 'expected a mapping');
  if (Object.keys(top).length && top.schema !== '2.0') {
    throw new PipelineFileError(
      doc.where(['schema']),
      `unsupported lock file schema ${JSON.stringify(top.schema ?? null)} (expected '2.0'; DVC 1 lock files need "dvc repro" once with DVC 2 or 3)`,
    );
  }
  const stages = new Map<string, LockStage>();
  const raw = top.stages ?? {};
  if (!isPyMap(raw)) throw new PipelineFileError(doc.where(['stages']), '"stages" must be a mapping');
  for (const [name, s] of Object.entries(raw)) {
    try {
      if (!isPyMap(s)) throw new Error('must be a mapping');
      const params: { [f: string]: PyMap } = {};
      if (isPyMap(s.params)) for (const [f, kv] of Object.entries(s.params)) params[f] = isPyMap(kv) ? kv : {};
      const cmd = s.cmd;
      if (!(typeof cmd === 'string' || (Array.isArray(cmd) && cmd.every((c) => typeof c === 'string')))) throw new Error('"cmd" is required');
      stages.set(name, { cmd: cmd as string | string[], deps: entries(s.deps, () => 'deps'), params, outs: entries(s.outs, () => 'outs') });
    } catch (e) {
      throw new PipelineFileError(doc.where(['stages', name]), `stage '${name}': ${(e as Error).message}`);
    }
  }
  const extra: PyMap = {};
  for (const [k, v] of Object.entries(top)) if (k !== 'schema' && k !== 'stages') extra[k] = v;
  return { file, stages, extra };
}

/** An entry in DVC's key order: path, hash, md5, size, nfiles, isexec. */
export function entryDict(e: LockEntry): PyMap {
  const d: PyMap = { path: e.path };
  if (e.hash) d.hash = e.hash;
  if (e.md5 !== undefined) d.md5 = e.md5;
  if (e.size !== undefined) d.size = e.size;
  if (e.nfiles !== undefined) d.nfiles = e.nfiles;
  if (e.isexec) d.isexec = true;
  return d;
}

/** A stage as `to_single_stage_lockfile` writes it: cmd, then deps, params, outs when not empty. */
export function stageDict(s: LockStage): PyMap {
  const d: PyMap = { cmd: s.cmd };
  if (s.deps.length) d.deps = s.deps.map(entryDict);
  if (Object.keys(s.params).length) d.params = s.params;
  if (s.outs.length) d.outs = s.outs.map(entryDict);
  return d;
}

export function renderLock(lock: LockFile): string {
  const stages: PyMap = {};
  for (const [k, v] of lock.stages) stages[k] = stageDict(v);
  return emitYaml({ schema: '2.0', ...lock.extra, stages });
}

/** Writes dvc.lock atomically (a reader never sees half a file). */
export function writeLock(lock: LockFile): void {
  writeFileAtomic(lock.file, renderLock(lock), 0o644);
}
