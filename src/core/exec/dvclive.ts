/**
 * Reads DVCLive output (`dvclive/metrics.json`, `dvclive/plots/metrics/**\/*.tsv`, `dvclive/params.yaml`) so it
 * can be imported into a run, once or live: DvcLiveTailer.read() returns only what is new since the last call.
 * Files are read while the training process writes them, so partial lines and half-written JSON are expected
 * and simply picked up on a later read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node as YNode } from 'yaml';

export interface DvcLiveMetric {
  /** MLflow-safe key (characters MLflow rejects, e.g. `(%)`, become `_`). */
  key: string;
  /** The name as DVCLive wrote it (`train/loss`, `system/cpu/usage (%)`). */
  name: string;
  value: number;
  step: number;
  /** Epoch ms: the TSV's timestamp column when present, else when the file was last written. */
  timestamp: number;
}

export interface DvcLiveData {
  /** Flattened with `.` like DVC's param paths; values as written in params.yaml. New or changed ones only when tailing. */
  params: Record<string, string>;
  metrics: DvcLiveMetric[];
  /** `step` from metrics.json, when DVCLive recorded one. */
  step?: number;
  /** Rows or files that could not be read (the rest is still returned). */
  warnings: string[];
}

/** A DVCLive point as a metric to log: MLflow wants whole epoch milliseconds. */
export function toMetricInput(m: DvcLiveMetric): { key: string; value: number; timestamp: number; step: number } {
  return { key: m.key, value: m.value, timestamp: Math.round(m.timestamp), step: m.step };
}

/** Replaces characters MLflow does not allow in metric and param keys. */
export function mlflowKey(name: string): string {
  return name
    .replace(/[^A-Za-z0-9_\-. /]/g, '_')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => (p === '.' || p === '..' ? p.replace(/\./g, '_') : p))
    .join('/');
}

/** Python str() of a float/int/bool as DVCLive writes values, back to a number. */
export function parseDvcLiveValue(text: string): number | undefined {
  const t = text.trim();
  switch (t.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'inf':
    case 'infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    case 'true':
      return 1;
    case 'false':
      return 0;
  }
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

/** One line of a csv.DictWriter(delimiter="\t") file (QUOTE_MINIMAL: `"` quotes, `""` escapes). */
function splitTsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += line[i++];
      }
      const tab = line.indexOf('\t', i);
      out.push(v + (tab === -1 ? line.slice(i) : line.slice(i, tab)));
      if (tab === -1) return out;
      i = tab + 1;
    } else {
      const tab = line.indexOf('\t', i);
      if (tab === -1) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, tab));
      i = tab + 1;
    }
  }
}

interface TsvState {
  ino: number;
  offset: number;
  header?: string[];
}

function walkTsv(dir: string, base: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walkTsv(p, base, out);
    else if (e.isFile() && e.name.endsWith('.tsv')) out.push(path.relative(base, p));
  }
}

function flattenYaml(node: unknown, prefix: string, out: Record<string, string>): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      flattenYaml(pair.value, prefix ? `${prefix}.${k}` : k, out);
    }
    return;
  }
  if (!prefix) return;
  if (isScalar(node)) {
    const v = node.value;
    out[prefix] = typeof v === 'string' ? v : ((node as { source?: string }).source ?? String(v));
  } else if (isSeq(node)) out[prefix] = JSON.stringify((node as YNode).toJSON());
  else if (node === null || node === undefined) out[prefix] = '';
}

function flattenSummary(obj: unknown, prefix: string, out: Map<string, number>): void {
  if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) {
      if (!prefix && k === 'step') continue;
      flattenSummary(v, prefix ? `${prefix}/${k}` : k, out);
    }
    return;
  }
  if (!prefix) return;
  if (typeof obj === 'number') out.set(prefix, obj);
  else if (typeof obj === 'boolean') out.set(prefix, obj ? 1 : 0);
  else if (typeof obj === 'string') {
    const v = parseDvcLiveValue(obj);
    if (v !== undefined) out.set(prefix, v);
  }
}

/** Python's json.dump writes NaN/Infinity bare; make that parseable. */
function parseLooseJson(text: string): unknown {
  return JSON.parse(text.replace(/(:\s*|\[\s*|,\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '$1"$2"'));
}

const sameValue = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** Incremental reader of one DVCLive directory. */
export class DvcLiveTailer {
  private tsv = new Map<string, TsvState>();
  private params = new Map<string, string>();
  private summary = new Map<string, { value: number; step: number }>();
  private summaryStamp = '';
  private paramsStamp = '';
  /** Metric names that have a TSV history; their metrics.json value is the last row, not a separate point. */
  private withHistory = new Set<string>();

  constructor(readonly dir: string) {}

  /** Everything new since the previous call (everything, on the first). */
  read(): DvcLiveData {
    const data: DvcLiveData = { params: {}, metrics: [], warnings: [] };
    this.readTsvs(data);
    this.readParams(data);
    this.readSummary(data);
    return data;
  }

  private readTsvs(data: DvcLiveData): void {
    const root = path.join(this.dir, 'plots', 'metrics');
    const files: string[] = [];
    walkTsv(root, root, files);
    for (const rel of files) {
      const file = path.join(root, rel);
      const name = rel.slice(0, -'.tsv'.length).split(path.sep).join('/');
      this.withHistory.add(name);
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        continue;
      }
      let state = this.tsv.get(file);
      // A new file, or DVCLive restarted (without resume it deletes and rewrites the plots): start over.
      if (!state || state.ino !== st.ino || st.size < state.offset) {
        state = { ino: st.ino, offset: 0 };
        this.tsv.set(file, state);
      }
      if (st.size === state.offset) continue;
      const buf = Buffer.alloc(st.size - state.offset);
      const fd = fs.openSync(file, 'r');
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, state.offset);
      } finally {
        fs.closeSync(fd);
      }
      const last = buf.subarray(0, n).lastIndexOf(0x0a);
      if (last === -1) continue;
      state.offset += last + 1;
      const lines = buf.subarray(0, last).toString('utf8').split('\n');
      for (const raw of lines) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (line === '') continue;
        const cells = splitTsvLine(line);
        if (!state.header) {
          state.header = cells;
          if (!cells.includes('step')) data.warnings.push(`${file}: header has no step column: ${line}`);
          continue;
        }
        const h = state.header;
        const stepAt = h.indexOf('step');
        const tsAt = h.indexOf('timestamp');
        const valueAt = h.length - 1;
        if (cells.length !== h.length) {
          data.warnings.push(`${file}: row "${line}" has ${cells.length} columns, the header ${h.length}`);
          continue;
        }
        const value = parseDvcLiveValue(cells[valueAt]);
        const step = stepAt === -1 ? 0 : Number(cells[stepAt]);
        if (value === undefined || !Number.isInteger(step)) {
          data.warnings.push(`${file}: cannot read row "${line}"`);
          continue;
        }
        const ts = tsAt === -1 ? Math.round(st.mtimeMs) : Number(cells[tsAt]);
        data.metrics.push({ key: mlflowKey(name), name, value, step, timestamp: Number.isFinite(ts) ? ts : Math.round(st.mtimeMs) });
      }
    }
  }

  private readParams(data: DvcLiveData): void {
    const file = path.join(this.dir, 'params.yaml');
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return;
    }
    const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    if (stamp === this.paramsStamp) return;
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    if (doc.errors.length) {
      // Possibly caught mid-write; try again on the next read.
      data.warnings.push(`${file}: ${doc.errors[0].message.split('\n')[0]}`);
      return;
    }
    this.paramsStamp = stamp;
    const flat: Record<string, string> = {};
    flattenYaml(doc.contents, '', flat);
    for (const [k, v] of Object.entries(flat)) {
      const key = mlflowKey(k);
      if (this.params.get(key) === v) continue;
      this.params.set(key, v);
      data.params[key] = v;
    }
  }

  private readSummary(data: DvcLiveData): void {
    const file = path.join(this.dir, 'metrics.json');
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return;
    }
    const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    if (stamp === this.summaryStamp) return;
    let json: unknown;
    try {
      json = parseLooseJson(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      data.warnings.push(`${file}: ${(e as Error).message}`);
      return;
    }
    this.summaryStamp = stamp;
    const rec = json as Record<string, unknown>;
    const step = typeof rec?.step === 'number' ? rec.step : undefined;
    if (step !== undefined) data.step = step;
    const values = new Map<string, number>();
    flattenSummary(json, '', values);
    for (const [name, value] of values) {
      if (this.withHistory.has(name)) continue;
      const prev = this.summary.get(name);
      const s = step ?? 0;
      if (prev && sameValue(prev.value, value) && prev.step === s) continue;
      this.summary.set(name, { value, step: s });
      data.metrics.push({ key: mlflowKey(name), name, value, step: s, timestamp: Math.round(st.mtimeMs) });
    }
  }
}

/** Everything in a DVCLive directory (default layout `<dir>/metrics.json`, `<dir>/plots/metrics`, `<dir>/params.yaml`). */
export function readDvcLive(dir: string): DvcLiveData {
  return new DvcLiveTailer(dir).read();
}
