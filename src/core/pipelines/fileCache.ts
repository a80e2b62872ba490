import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicFile';
import { PyFloat, isPyMap, type PyValue } from './pyvalue';
import { parseLocated, type LocatedDoc } from './yamlDoc';

const VERSION = 1;
const FLOAT = '\u0000f';

interface Entry {
  /** ino:mtimeNs:size of the file when it was parsed. */
  key: string;
  value: unknown;
}

function statKey(file: string): string | undefined {
  try {
    const st = fs.statSync(file, { bigint: true });
    // A file changed within the last 50 ms may change again in the same mtime tick; do not trust it.
    if (BigInt(Date.now()) * 1_000_000n - st.mtimeNs < 50_000_000n) return undefined;
    return `${st.ino}:${st.mtimeNs}:${st.size}`;
  } catch {
    return undefined;
  }
}

function encode(v: PyValue): unknown {
  if (v instanceof PyFloat) return { [FLOAT]: Number.isFinite(v.value) ? v.value : String(v.value) };
  if (Array.isArray(v)) return v.map(encode);
  if (isPyMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

function decode(v: unknown): PyValue {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (FLOAT in o) return new PyFloat(Number(o[FLOAT]));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v as PyValue;
}

/**
 * What a no-change `repro`/`status` would otherwise recompute in every new process: parsed dvc.yaml / dvc.lock /
 * params files (YAML parsing costs more than stat-ing the data) and folder outputs already verified complete in
 * the cache (objects are read-only once written). Kept in `.dvc/tmp` (git-ignored); damaged or stale entries are
 * simply recomputed.
 */
export class PipelineFileCache {
  private docs = new Map<string, Entry>();
  private complete = new Set<string>();
  private found: { dirs: [string, string][]; files: string[] } | undefined;
  private dirty = false;

  private constructor(readonly file: string | undefined) {}

  static load(file: string | undefined): PipelineFileCache {
    const c = new PipelineFileCache(file);
    if (!file) return c;
    try {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        version: number;
        docs: Record<string, Entry>;
        complete: string[];
        found?: PipelineFileCache['found'];
      };
      if (raw.version === VERSION) {
        c.found = raw.found;
        for (const [k, e] of Object.entries(raw.docs)) c.docs.set(k, e);
        for (const d of raw.complete) c.complete.add(d);
      }
    } catch {
      // missing or damaged: start empty
    }
    return c;
  }

  /** The parsed document, from the cache when the file is unchanged; positions are re-parsed only when asked. */
  doc(file: string, text?: () => string): LocatedDoc {
    const key = statKey(file);
    const hit = this.docs.get(file);
    if (key && hit && hit.key === key) {
      let full: LocatedDoc | undefined;
      return { file, value: decode(hit.value), where: (p) => (full ??= parseLocated(fs.readFileSync(file, 'utf8'), file)).where(p) };
    }
    const doc = parseLocated(text ? text() : fs.readFileSync(file, 'utf8'), file);
    if (key) {
      this.docs.set(file, { key, value: encode(doc.value) });
      this.dirty = true;
    }
    return doc;
  }

  /**
   * Where the dvc.yaml files are, remembered with the mtime of every folder searched: a folder's mtime changes when
   * an entry is added, removed or renamed, so unchanged mtimes mean the same files (no folder is listed again).
   */
  pipelineFiles(search: () => { dirs: string[]; files: string[] }): string[] {
    const mt = (d: string) => String(fs.statSync(d, { bigint: true, throwIfNoEntry: false })?.mtimeNs ?? '');
    if (this.found && this.found.dirs.every(([d, m]) => mt(d) === m)) return this.found.files;
    const r = search();
    this.found = { dirs: r.dirs.map((d) => [d, mt(d)]), files: r.files };
    this.dirty = true;
    return r.files;
  }

  isComplete(oid: string): boolean {
    return this.complete.has(oid);
  }

  markComplete(oid: string): void {
    if (this.complete.has(oid)) return;
    this.complete.add(oid);
    this.dirty = true;
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    // Bound the file: drop entries of files that no longer exist.
    for (const k of this.docs.keys()) if (!fs.existsSync(k)) this.docs.delete(k);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomic(
      this.file,
      JSON.stringify({ version: VERSION, docs: Object.fromEntries(this.docs), complete: [...this.complete].slice(-5000), found: this.found }),
      0o644,
    );
    this.dirty = false;
  }
}
