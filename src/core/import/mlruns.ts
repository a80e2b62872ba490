import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { DatasetInput, KeyValue } from '../tracking/types';
import { runStatus, stage } from './mlflowDb';
import {
  NotAnMlflowSource,
  RUN_STATUS_BY_NUMBER,
  type MlflowSource,
  type SourceExperiment,
  type SourceMetric,
  type SourceModel,
  type SourceModelVersion,
  type SourceRun,
} from './source';

const TRASH = '.trash';
const MODELS = 'models';
/** Folders inside an experiment folder that are not runs. */
const RESERVED = new Set(['tags', 'datasets', 'traces']);

/**
 * Reads MLflow's FileStore layout (`mlruns/`) read-only:
 *   <exp_id>/meta.yaml, <exp_id>/tags/<key>, <exp_id>/<run_id>/meta.yaml, …/params/<key>, …/tags/<key>,
 *   …/metrics/<key> (lines `timestamp value [step]`), …/inputs/<id>/meta.yaml with <exp_id>/datasets/<id>/meta.yaml,
 *   .trash/<exp_id>/… (deleted experiments), models/<name>/meta.yaml, models/<name>/{tags,aliases}/…,
 *   models/<name>/version-<n>/meta.yaml and …/tags/<key>.
 * Keys may contain `/`: they are nested folders. Accepts the folder that contains `mlruns/` too.
 */
export function openMlruns(dir: string): MlflowSource {
  let root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new NotAnMlflowSource(root, 'not a folder');
  if (!looksLikeMlruns(root) && fs.existsSync(path.join(root, 'mlruns')) && looksLikeMlruns(path.join(root, 'mlruns'))) root = path.join(root, 'mlruns');
  if (!looksLikeMlruns(root)) {
    throw new NotAnMlflowSource(
      root,
      'not an MLflow mlruns folder: it has no <experiment_id>/meta.yaml with an experiment, no .trash/ and no models/<name>/meta.yaml',
    );
  }
  return new MlrunsSource(root);
}

function looksLikeMlruns(root: string): boolean {
  const subdirs = listDirs(root);
  for (const d of subdirs) {
    if (d === MODELS) {
      if (listDirs(path.join(root, d)).some((m) => fs.existsSync(path.join(root, d, m, 'meta.yaml')))) return true;
      continue;
    }
    if (d === TRASH) {
      if (listDirs(path.join(root, d)).some((e) => isExperimentMeta(path.join(root, d, e, 'meta.yaml')))) return true;
      continue;
    }
    if (isExperimentMeta(path.join(root, d, 'meta.yaml'))) return true;
  }
  return false;
}

function isExperimentMeta(file: string): boolean {
  try {
    const meta = parseYaml(fs.readFileSync(file, 'utf8'));
    return !!meta && typeof meta === 'object' && 'experiment_id' in meta && 'name' in meta;
  } catch {
    return false;
  }
}

function listDirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Every file under dir as a `/`-separated relative path: a nested key like `train/loss`. */
function listKeys(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else if (e.isFile()) out.push(prefix + e.name);
    }
  };
  walk(dir, '');
  return out.sort();
}

function readKeyValues(dir: string): KeyValue[] {
  return listKeys(dir).map((key) => ({ key, value: fs.readFileSync(path.join(dir, ...key.split('/')), 'utf8') }));
}

/** A float as Python's str() writes it, including nan, inf and -inf. */
function parseFloatPy(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === 'infinity' || t === '+inf') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

function int(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

class MlrunsSource implements MlflowSource {
  readonly kind = 'mlruns' as const;
  readonly baseDir: string;
  readonly warnings: string[] = [];
  /** experiment folder by source experiment id */
  private readonly expDirs = new Map<string, string>();
  private readonly runDirs = new Map<string, string>();
  private exps: SourceExperiment[] | undefined;

  constructor(readonly path: string) {
    this.baseDir = path;
  }

  private readYaml(file: string): Record<string, unknown> | undefined {
    try {
      const v = parseYaml(fs.readFileSync(file, 'utf8'));
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
      this.warnings.push(`${file}: not a YAML mapping; skipped`);
    } catch (e) {
      this.warnings.push(`${file}: ${(e as Error).message.split('\n')[0]}; skipped`);
    }
    return undefined;
  }

  experiments(): SourceExperiment[] {
    if (this.exps) return this.exps;
    const out: SourceExperiment[] = [];
    const scan = (parent: string, deleted: boolean) => {
      for (const d of listDirs(parent)) {
        if (!deleted && (d === TRASH || d === MODELS)) continue;
        const metaFile = path.join(parent, d, 'meta.yaml');
        if (!fs.existsSync(metaFile)) continue;
        const meta = this.readYaml(metaFile);
        if (!meta || !('experiment_id' in meta)) continue;
        const id = String(meta.experiment_id);
        if (id !== d) {
          this.warnings.push(`${metaFile}: records experiment id ${id} in folder ${d}; skipped (MLflow ignores it too)`);
          continue;
        }
        if (this.expDirs.has(id)) continue;
        this.expDirs.set(id, path.join(parent, d));
        out.push({
          id,
          name: String(meta.name ?? ''),
          artifact_location: String(meta.artifact_location ?? ''),
          lifecycle_stage: deleted ? 'deleted' : stage(meta.lifecycle_stage),
          creation_time: int(meta.creation_time) ?? 0,
          last_update_time: int(meta.last_update_time) ?? int(meta.creation_time) ?? 0,
          tags: readKeyValues(path.join(parent, d, 'tags')),
        });
      }
    };
    scan(this.path, false);
    scan(path.join(this.path, TRASH), true);
    this.exps = out;
    return out;
  }

  runs(): SourceRun[] {
    const out: SourceRun[] = [];
    for (const exp of this.experiments()) {
      const expDir = this.expDirs.get(exp.id)!;
      for (const d of listDirs(expDir)) {
        if (RESERVED.has(d)) continue;
        const metaFile = path.join(expDir, d, 'meta.yaml');
        if (!fs.existsSync(metaFile)) continue;
        const meta = this.readYaml(metaFile);
        if (!meta) continue;
        const id = String(meta.run_uuid ?? meta.run_id ?? '');
        if (id !== d) {
          this.warnings.push(`${metaFile}: records run id "${id}" in folder ${d}; skipped`);
          continue;
        }
        if (meta.experiment_id !== undefined && String(meta.experiment_id) !== exp.id) {
          this.warnings.push(
            `${metaFile}: records experiment ${String(meta.experiment_id)} but lives in experiment ${exp.id}; skipped (MLflow ignores it too)`,
          );
          continue;
        }
        const runDir = path.join(expDir, d);
        this.runDirs.set(id, runDir);
        const tags = readKeyValues(path.join(runDir, 'tags'));
        const status =
          typeof meta.status === 'number' ? (RUN_STATUS_BY_NUMBER[meta.status] ?? 'FINISHED') : meta.status === undefined ? 'RUNNING' : runStatus(meta.status);
        out.push({
          run_uuid: id,
          experiment_id: exp.id,
          name: (typeof meta.run_name === 'string' && meta.run_name) || tags.find((t) => t.key === 'mlflow.runName')?.value || '',
          user_id: meta.user_id == null ? '' : String(meta.user_id),
          status,
          start_time: int(meta.start_time) ?? 0,
          end_time: int(meta.end_time),
          lifecycle_stage: exp.lifecycle_stage === 'deleted' ? 'deleted' : stage(meta.lifecycle_stage),
          deleted_time: int(meta.deleted_time),
          artifact_uri: meta.artifact_uri == null ? '' : String(meta.artifact_uri),
          params: readKeyValues(path.join(runDir, 'params')),
          tags,
          inputs: this.inputs(expDir, runDir),
        });
      }
    }
    return out.sort((a, b) => a.start_time - b.start_time || (a.run_uuid < b.run_uuid ? -1 : 1));
  }

  private inputs(expDir: string, runDir: string): DatasetInput[] {
    const out: DatasetInput[] = [];
    const inputsDir = path.join(runDir, 'inputs');
    for (const d of listDirs(inputsDir)) {
      const meta = this.readYaml(path.join(inputsDir, d, 'meta.yaml'));
      if (!meta || meta.source_type !== 'DATASET') continue;
      const ds = this.readYaml(path.join(expDir, 'datasets', String(meta.source_id), 'meta.yaml'));
      if (!ds) continue;
      const tags =
        meta.tags && typeof meta.tags === 'object'
          ? Object.entries(meta.tags as Record<string, unknown>).map(([key, value]) => ({ key, value: String(value ?? '') }))
          : [];
      out.push({
        tags,
        dataset: {
          name: String(ds.name ?? ''),
          digest: String(ds.digest ?? ''),
          source_type: String(ds.source_type ?? ''),
          source: String(ds.source ?? ''),
          ...(ds.schema != null ? { schema: String(ds.schema) } : {}),
          ...(ds.profile != null ? { profile: String(ds.profile) } : {}),
        },
      });
    }
    return out.sort((a, b) => (a.dataset.name + '\0' + a.dataset.digest < b.dataset.name + '\0' + b.dataset.digest ? -1 : 1));
  }

  private runDir(runId: string): string | undefined {
    if (!this.runDirs.size) this.runs();
    return this.runDirs.get(runId);
  }

  metricCount(runId: string): number {
    const dir = this.runDir(runId);
    if (!dir) return 0;
    const mdir = path.join(dir, 'metrics');
    // Bytes / ~30 per line: a cheap estimate; progress only.
    return listKeys(mdir).reduce((n, k) => n + Math.ceil(fs.statSync(path.join(mdir, ...k.split('/'))).size / 30), 0);
  }

  metrics(runId: string): SourceMetric[] {
    const dir = this.runDir(runId);
    if (!dir) return [];
    const mdir = path.join(dir, 'metrics');
    const out: SourceMetric[] = [];
    for (const key of listKeys(mdir)) {
      const file = path.join(mdir, ...key.split('/'));
      const v: number[] = [];
      const t: number[] = [];
      const s: number[] = [];
      let bad = 0;
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        const parts = line.trim().split(' ');
        if (parts.length === 1 && parts[0] === '') continue;
        const ts = parts.length >= 2 ? int(parts[0]) : null;
        const val = parts.length >= 2 ? parseFloatPy(parts[1]) : undefined;
        const step = parts.length === 3 ? int(parts[2]) : parts.length === 2 ? 0 : null;
        if ((parts.length !== 2 && parts.length !== 3) || ts === null || val === undefined || step === null || !/^-?\d+$/.test(parts[0])) {
          bad++;
          continue;
        }
        t.push(ts);
        v.push(val);
        s.push(step);
      }
      if (bad) this.warnings.push(`${file}: ${bad} malformed line(s) skipped (expected "timestamp value step")`);
      if (v.length) out.push({ key, values: Float64Array.from(v), timestamps: Float64Array.from(t), steps: Float64Array.from(s) });
    }
    return out;
  }

  models(): SourceModel[] {
    const modelsDir = path.join(this.path, MODELS);
    const out: SourceModel[] = [];
    for (const d of listDirs(modelsDir)) {
      const dir = path.join(modelsDir, d);
      if (!fs.existsSync(path.join(dir, 'meta.yaml'))) continue;
      const meta = this.readYaml(path.join(dir, 'meta.yaml'));
      if (!meta) continue;
      const versions: SourceModelVersion[] = [];
      for (const vd of listDirs(dir)) {
        const m = /^version-(\d+)$/.exec(vd);
        if (!m) continue;
        const vm = this.readYaml(path.join(dir, vd, 'meta.yaml'));
        if (!vm) continue;
        const s = (x: unknown) => (x == null ? '' : String(x));
        versions.push({
          version: Number(vm.version ?? m[1]),
          creation_time: int(vm.creation_timestamp) ?? 0,
          last_updated_time: int(vm.last_updated_timestamp) ?? int(vm.creation_timestamp) ?? 0,
          description: s(vm.description),
          user_id: s(vm.user_id),
          current_stage: s(vm.current_stage) || 'None',
          source: s(vm.source),
          run_id: s(vm.run_id),
          run_link: s(vm.run_link),
          status: s(vm.status) || 'READY',
          status_message: s(vm.status_message),
          model_id: s(vm.model_id),
          tags: readKeyValues(path.join(dir, vd, 'tags')),
        });
      }
      versions.sort((a, b) => a.version - b.version);
      const aliases = listKeys(path.join(dir, 'aliases'))
        .map((alias) => ({ alias, version: Number(fs.readFileSync(path.join(dir, 'aliases', alias), 'utf8').trim()) }))
        .filter((a) => Number.isInteger(a.version));
      out.push({
        name: String(meta.name ?? d),
        creation_time: int(meta.creation_timestamp) ?? 0,
        last_updated_time: int(meta.last_updated_timestamp) ?? int(meta.creation_timestamp) ?? 0,
        description: meta.description == null ? '' : String(meta.description),
        tags: readKeyValues(path.join(dir, 'tags')),
        aliases,
        versions,
      });
    }
    return out;
  }

  close(): void {
    /* nothing held open */
  }
}
