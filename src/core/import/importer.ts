import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../store/store';
import { MlopsError } from '../errors';
import { artifactDirOf } from '../tracking/artifactDir';
import { getMetricHistory } from '../tracking/metrics';
import type { KeyValue, RunStatus } from '../tracking/types';
import { importExperiment, importExperimentTags, importMetrics, importModel, importRun, type ImportVersionArgs } from './ops';
import type { MlflowSource, SourceMetric, SourceRun } from './source';
import { localSourcePath, relocateVersionSource, type MovedArtifacts } from './relocate';

export interface ImportCounts {
  experiments: number;
  runs: number;
  params: number;
  tags: number;
  metricPoints: number;
  inputs: number;
  models: number;
  modelVersions: number;
  aliases: number;
  /** Run artifact folders copied into the workspace. */
  artifacts: number;
}

export interface ImportSummary {
  source: string;
  kind: MlflowSource['kind'];
  schemaVersion?: string;
  /** What this import added. */
  created: ImportCounts;
  /** What was there already (from an earlier import, or the same name/id) and was left as it is. */
  skipped: ImportCounts;
  /** Runs imported before that got something new (points, params, tags, a final status). */
  updatedRuns: number;
  /** MLflow experiment id → ours, where they differ. */
  experimentIds: Record<string, string>;
  warnings: string[];
  /** The signal fired: what is listed was imported; importing again continues. */
  cancelled: boolean;
}

export interface ImportOptions {
  /** Called between batches: `done` of `total` work units, and what is being imported. */
  onProgress?: (done: number, total: number, what: string) => void;
  /** Checked between batches; the store stays consistent and a later import continues. */
  signal?: AbortSignal;
  /** Copy artifact folders that are on this machine into the workspace (default true). */
  copyArtifacts?: boolean;
  /** Metric points per journaled batch (default 50,000). */
  batchPoints?: number;
}

const RUN_ID_RE = /^[a-zA-Z0-9][\w-]{0,255}$/;
const UNFINISHED: RunStatus[] = ['RUNNING', 'SCHEDULED'];

function zero(): ImportCounts {
  return { experiments: 0, runs: 0, params: 0, tags: 0, metricPoints: 0, inputs: 0, models: 0, modelVersions: 0, aliases: 0, artifacts: 0 };
}

/**
 * Copies what an MLflow backend holds into the workspace store, through journaled import operations. MLflow's
 * run ids, registry names and versions, times and lifecycle stages are kept; experiments are matched by name
 * (and keep MLflow's id when it is free). Importing again adds only what is new: runs that exist are filled in
 * (missing params, tags, inputs and metric points), nothing existing is changed or duplicated. Values that
 * differ from what the store holds are kept as the store has them and reported as warnings.
 */
export async function importMlflow(store: Store, source: MlflowSource, opts: ImportOptions = {}): Promise<ImportSummary> {
  if (store.isReadOnly) {
    throw new MlopsError(
      'TEMPORARILY_UNAVAILABLE',
      `the store ${store.dir} is owned by another process; import from the owning window, or stop \`mlops server\` first`,
    );
  }
  const summary: ImportSummary = {
    source: source.path,
    kind: source.kind,
    ...(source.schemaVersion ? { schemaVersion: source.schemaVersion } : {}),
    created: zero(),
    skipped: zero(),
    updatedRuns: 0,
    experimentIds: {},
    warnings: source.warnings,
    cancelled: false,
  };
  const batchPoints = Math.max(1, opts.batchPoints ?? 50_000);
  const copy = opts.copyArtifacts !== false;
  const moved = new Map<string, MovedArtifacts>();
  const workspace = path.dirname(store.dir);

  // Read everything but the metric histories first: a source that cannot be read fails before any write.
  const experiments = source.experiments();
  const runs = source.runs();
  const models = source.models();
  const units = (r: SourceRun) => 1 + Math.ceil(source.metricCount(r.run_uuid) / batchPoints);
  const total = experiments.length + runs.reduce((n, r) => n + units(r), 0) + models.length;
  let done = 0;
  const progress = (what: string, n = 1) => {
    done += n;
    opts.onProgress?.(Math.min(done, total), total, what);
  };
  const stop = () => {
    if (opts.signal?.aborted) summary.cancelled = true;
    return summary.cancelled;
  };
  opts.onProgress?.(0, total, `reading ${path.basename(source.path)}`);

  // Experiments, by name.
  const expIds = new Map<string, number>();
  for (const e of experiments) {
    if (stop()) return finish(store, summary);
    const ours = store.one<{ experiment_id: number }>('SELECT experiment_id FROM experiments WHERE name = ?', [e.name]);
    if (ours) {
      expIds.set(e.id, ours.experiment_id);
      summary.skipped.experiments++;
      const have = new Set(store.all<{ key: string }>('SELECT key FROM experiment_tags WHERE experiment_id = ?', [ours.experiment_id]).map((t) => t.key));
      const missing = e.tags.filter((t) => !have.has(t.key));
      summary.skipped.tags += e.tags.length - missing.length;
      if (missing.length) {
        importExperimentTags(store, { id: ours.experiment_id, tags: missing });
        summary.created.tags += missing.length;
      }
    } else {
      const wanted = /^\d{1,15}$/.test(e.id) ? Number(e.id) : undefined;
      const free = wanted !== undefined && !store.one('SELECT 1 AS x FROM experiments WHERE experiment_id = ?', [wanted]);
      const id = free ? wanted! : Number(store.one<{ m: number | null }>('SELECT max(experiment_id) AS m FROM experiments')?.m ?? 0) + 1;
      importExperiment(store, {
        id,
        name: e.name,
        // New runs in an imported experiment belong to this workspace, like any other.
        artifact_location: `mlflow-artifacts:/${id}`,
        lifecycle_stage: e.lifecycle_stage,
        creation_time: e.creation_time,
        last_update_time: e.last_update_time,
        tags: e.tags,
      });
      expIds.set(e.id, id);
      summary.created.experiments++;
      summary.created.tags += e.tags.length;
    }
    if (String(expIds.get(e.id)) !== e.id) summary.experimentIds[e.id] = String(expIds.get(e.id));
    progress(`experiment ${e.name}`);
  }

  // Runs, by run id.
  for (const r of runs) {
    if (stop()) return finish(store, summary);
    const label = `run ${r.name || r.run_uuid.slice(0, 8)}`;
    const u = units(r);
    if (!RUN_ID_RE.test(r.run_uuid)) {
      summary.warnings.push(`run "${r.run_uuid}": not a valid run id; skipped`);
      progress(label, u);
      continue;
    }
    const expId = expIds.get(r.experiment_id);
    if (expId === undefined) {
      summary.warnings.push(`run ${r.run_uuid}: its experiment ${r.experiment_id} is not in the source; skipped`);
      progress(label, u);
      continue;
    }
    const ours = store.one<{ experiment_id: number; status: RunStatus; end_time: number | null }>(
      'SELECT experiment_id, status, end_time FROM runs WHERE run_uuid = ?',
      [r.run_uuid],
    );
    let changed = false;
    if (!ours) {
      const artifactUri = copy ? await copyArtifacts(source, r, expId, workspace, summary) : r.artifact_uri;
      if (artifactUri !== r.artifact_uri) moved.set(r.run_uuid, { fromUri: r.artifact_uri, fromDir: localArtifactDir(source, r), toUri: artifactUri });
      importRun(store, {
        id: r.run_uuid,
        row: {
          experiment_id: expId,
          name: r.name,
          user_id: r.user_id,
          status: r.status,
          start_time: r.start_time,
          end_time: r.end_time,
          lifecycle_stage: r.lifecycle_stage,
          deleted_time: r.deleted_time,
          artifact_uri: artifactUri,
        },
        params: r.params,
        tags: r.tags,
        inputs: r.inputs,
      });
      summary.created.runs++;
      summary.created.params += r.params.length;
      summary.created.tags += r.tags.length;
      summary.created.inputs += r.inputs.length;
    } else {
      summary.skipped.runs++;
      if (ours.experiment_id !== expId) {
        summary.warnings.push(`run ${r.run_uuid} is in experiment ${ours.experiment_id} here but ${r.experiment_id} in the source; left where it is`);
      }
      const params = newKeyValues(store, 'params', r.run_uuid, r.params, summary, 'param');
      const tags = newKeyValues(store, 'tags', r.run_uuid, r.tags, summary, 'tag');
      const haveInputs = new Set(
        store.all<{ k: string }>('SELECT name || char(0) || digest AS k FROM run_inputs WHERE run_uuid = ?', [r.run_uuid]).map((x) => x.k),
      );
      const inputs = r.inputs.filter((d) => !haveInputs.has(`${d.dataset.name}\0${d.dataset.digest}`));
      summary.skipped.params += r.params.length - params.length;
      summary.skipped.tags += r.tags.length - tags.length;
      summary.skipped.inputs += r.inputs.length - inputs.length;
      const finishRun =
        UNFINISHED.includes(ours.status) && (ours.status !== r.status || ours.end_time !== r.end_time) ? { status: r.status, end_time: r.end_time } : undefined;
      if (params.length || tags.length || inputs.length || finishRun) {
        importRun(store, { id: r.run_uuid, finish: finishRun, params, tags, inputs });
        summary.created.params += params.length;
        summary.created.tags += tags.length;
        summary.created.inputs += inputs.length;
        changed = true;
      }
    }
    progress(label);

    // Metric histories, in batches; only points the store does not hold yet.
    let metrics = source.metrics(r.run_uuid);
    if (ours) {
      const before = metrics.reduce((n, m) => n + m.values.length, 0);
      metrics = newPoints(store, r.run_uuid, metrics);
      const after = metrics.reduce((n, m) => n + m.values.length, 0);
      summary.skipped.metricPoints += before - after;
      if (after) changed = true;
    }
    let left = u - 1;
    for (const b of pack(r.run_uuid, metrics, batchPoints)) {
      if (stop()) return finish(store, summary);
      importMetrics(store, b.args, b.bin);
      summary.created.metricPoints += b.points;
      const step = left > 0 ? 1 : 0;
      left -= step;
      progress(label, step);
    }
    if (left > 0) progress(label, left);
    if (changed) summary.updatedRuns++;
  }

  // Registered models, by name and version.
  for (const m of models) {
    if (stop()) return finish(store, summary);
    const exists = !!store.one('SELECT 1 AS x FROM registered_models WHERE name = ?', [m.name]);
    const haveTags = new Set(store.all<{ key: string }>('SELECT key FROM registered_model_tags WHERE name = ?', [m.name]).map((t) => t.key));
    const haveVersions = new Set(store.all<{ version: number }>('SELECT version FROM model_versions WHERE name = ?', [m.name]).map((v) => v.version));
    const haveVersionTags = new Set(
      store.all<{ k: string }>('SELECT version || char(0) || key AS k FROM model_version_tags WHERE name = ?', [m.name]).map((t) => t.k),
    );
    const haveAliases = new Set(store.all<{ alias: string }>('SELECT alias FROM registered_model_aliases WHERE name = ?', [m.name]).map((a) => a.alias));
    const tags = m.tags.filter((t) => !haveTags.has(t.key));
    // A version registered from a run points at the run's artifacts in the workspace, where they were copied.
    // One registered from elsewhere (a local folder outside every run) is copied in, so it survives the source.
    const versions: ImportVersionArgs[] = [];
    for (const v of m.versions.filter((x) => !haveVersions.has(x.version))) {
      const relocated = relocateVersionSource(v.source, moved.get(v.run_id));
      versions.push({ ...v, source: copy ? await copyVersionSource(workspace, m.name, v.version, relocated, summary) : relocated });
    }
    const versionTags = m.versions
      .filter((v) => haveVersions.has(v.version))
      .flatMap((v) => v.tags.filter((t) => !haveVersionTags.has(`${v.version}\0${t.key}`)).map((t) => ({ version: v.version, key: t.key, value: t.value })));
    const knownVersions = new Set([...haveVersions, ...m.versions.map((v) => v.version)]);
    const aliases = m.aliases.filter((a) => !haveAliases.has(a.alias));
    for (const a of aliases.filter((x) => !knownVersions.has(x.version)))
      summary.warnings.push(`model ${m.name}: alias ${a.alias} points at version ${a.version}, which does not exist; skipped`);
    const goodAliases = aliases.filter((a) => knownVersions.has(a.version));
    const sourceVersionTags = m.versions.reduce((n, v) => n + v.tags.length, 0);
    const newVersionTags = versions.reduce((n, v) => n + v.tags.length, 0) + versionTags.length;
    if (!exists || tags.length || versions.length || versionTags.length || goodAliases.length) {
      importModel(store, {
        name: m.name,
        ...(exists ? {} : { model: { creation_time: m.creation_time, last_updated_time: m.last_updated_time, description: m.description } }),
        tags,
        versions,
        versionTags,
        aliases: goodAliases,
      });
    }
    if (exists) summary.skipped.models++;
    else summary.created.models++;
    summary.created.tags += tags.length + newVersionTags;
    summary.skipped.tags += m.tags.length - tags.length + sourceVersionTags - newVersionTags;
    summary.created.modelVersions += versions.length;
    summary.skipped.modelVersions += m.versions.length - versions.length;
    summary.created.aliases += goodAliases.length;
    summary.skipped.aliases += m.aliases.length - aliases.length;
    progress(`model ${m.name}`);
  }
  return finish(store, summary);
}

async function finish(store: Store, summary: ImportSummary): Promise<ImportSummary> {
  store.changes.everything();
  const c = summary.created;
  // A large import makes a long journal: fold it into a snapshot now rather than on the next open.
  if (c.metricPoints > 100_000 || c.runs > 1000) store.snapshot();
  // Done means durable: other processes (readers) see it from here on.
  await store.durable();
  return summary;
}

/** Params or tags the run does not have yet. A different value is kept as the store has it, with a warning. */
function newKeyValues(store: Store, table: 'params' | 'tags', runId: string, kvs: KeyValue[], summary: ImportSummary, kind: string): KeyValue[] {
  if (!kvs.length) return [];
  const have = new Map(store.all<KeyValue>(`SELECT key, value FROM ${table} WHERE run_uuid = ?`, [runId]).map((p) => [p.key, p.value]));
  const out: KeyValue[] = [];
  for (const kv of kvs) {
    const cur = have.get(kv.key);
    if (cur === undefined) out.push(kv);
    else if (cur !== kv.value && !(table === 'tags' && kv.key.startsWith('mlflow.'))) {
      summary.warnings.push(`run ${runId}: ${kind} ${kv.key} is "${clip(cur)}" here and "${clip(kv.value)}" in the source; kept "${clip(cur)}"`);
    }
  }
  return out;
}

function clip(s: string) {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function pointKey(step: number, ts: number, value: number) {
  return `${step}|${ts}|${Number.isNaN(value) ? 'NaN' : value}`;
}

/** The points of `metrics` the run does not hold yet (a multiset difference: repeated points count). */
function newPoints(store: Store, runId: string, metrics: SourceMetric[]): SourceMetric[] {
  const out: SourceMetric[] = [];
  const keys = new Set(store.all<{ key: string }>('SELECT DISTINCT key FROM metric_chunks WHERE run_uuid = ?', [runId]).map((k) => k.key));
  for (const m of metrics) {
    if (!keys.has(m.key)) {
      out.push(m);
      continue;
    }
    const h = getMetricHistory(store, runId, m.key);
    const have = new Map<string, number>();
    for (let i = 0; i < h.steps.length; i++) {
      const k = pointKey(h.steps[i], h.timestamps[i], h.values[i]);
      have.set(k, (have.get(k) ?? 0) + 1);
    }
    const keep: number[] = [];
    for (let i = 0; i < m.values.length; i++) {
      const k = pointKey(m.steps[i], m.timestamps[i], m.values[i]);
      const n = have.get(k) ?? 0;
      if (n > 0) have.set(k, n - 1);
      else keep.push(i);
    }
    if (keep.length) {
      out.push({
        key: m.key,
        steps: Float64Array.from(keep, (i) => m.steps[i]),
        timestamps: Float64Array.from(keep, (i) => m.timestamps[i]),
        values: Float64Array.from(keep, (i) => m.values[i]),
      });
    }
  }
  return out;
}

/** Splits histories into journaled batches of at most `max` points, grouped by key. */
function* pack(runId: string, metrics: SourceMetric[], max: number) {
  let keys: string[] = [];
  let counts: number[] = [];
  let parts: { m: SourceMetric; from: number; to: number }[] = [];
  let n = 0;
  const flush = () => {
    const bin = new Float64Array(3 * n);
    let o = 0;
    for (const column of ['values', 'timestamps', 'steps'] as const) {
      for (const p of parts) {
        bin.set(p.m[column].subarray(p.from, p.to), o);
        o += p.to - p.from;
      }
    }
    const batch = { args: { id: runId, keys, counts }, bin: new Uint8Array(bin.buffer), points: n };
    keys = [];
    counts = [];
    parts = [];
    n = 0;
    return batch;
  };
  for (const m of metrics) {
    let from = 0;
    while (from < m.values.length) {
      const take = Math.min(m.values.length - from, max - n);
      keys.push(m.key);
      counts.push(take);
      parts.push({ m, from, to: from + take });
      n += take;
      from += take;
      if (n === max) yield flush();
    }
  }
  if (n) yield flush();
}

/**
 * Where a run's artifacts are on this machine, if they are: `file://` URIs and absolute paths as they are,
 * relative ones against the source's folder, `mlflow-artifacts:/…` in an `mlartifacts/` folder next to an
 * mlflow.db (where `mlflow server` keeps them by default), and a moved mlruns folder's own `<run>/artifacts`.
 */
export function localArtifactDir(source: MlflowSource, run: SourceRun): string | undefined {
  const uri = run.artifact_uri;
  const candidates: string[] = [];
  if (uri.startsWith('file:')) {
    try {
      candidates.push(fileURLToPath(uri));
    } catch {
      /* not a local file URI */
    }
  } else if (uri.startsWith('mlflow-artifacts:')) {
    const rel = uri.replace(/^mlflow-artifacts:\/*/, '');
    candidates.push(path.join(source.baseDir, 'mlartifacts', ...rel.split('/')));
  } else if (path.isAbsolute(uri)) {
    candidates.push(uri);
  } else if (uri && !/^[a-z][\w+.-]*:/i.test(uri)) {
    candidates.push(path.resolve(source.baseDir, uri));
  }
  if (source.kind === 'mlruns') {
    candidates.push(
      path.join(source.path, run.experiment_id, run.run_uuid, 'artifacts'),
      path.join(source.path, '.trash', run.experiment_id, run.run_uuid, 'artifacts'),
    );
  }
  return candidates.find((c) => {
    try {
      return fs.statSync(c).isDirectory();
    } catch {
      return false;
    }
  });
}

/**
 * A model version whose source is a local folder outside the workspace (registered from a path, not from a run's
 * artifacts) gets a copy under `.mlops/artifacts/models/<name>/<version>`, and its source points there. Anything
 * else (runs:/, models:/, remote URIs, folders already in the workspace, missing folders) is kept as it is.
 */
async function copyVersionSource(workspace: string, name: string, version: number, source: string, summary: ImportSummary): Promise<string> {
  const from = localSourcePath(source);
  if (!from || !fs.existsSync(from) || !fs.statSync(from).isDirectory()) return source;
  const inside = path.relative(path.resolve(workspace), path.resolve(from));
  if (!inside.startsWith('..') && !path.isAbsolute(inside)) return source;
  const uri = `mlflow-artifacts:/models/${encodeURIComponent(name)}/${version}`;
  const dest = artifactDirOf(workspace, uri)!;
  if (fs.existsSync(dest)) return uri;
  const problem = await copyFolderInto(from, dest);
  if (problem) {
    summary.warnings.push(`model ${name} version ${version}: could not copy its files from ${from} (${problem}); it keeps its source`);
    return source;
  }
  summary.created.artifacts++;
  return uri;
}

/** Copies a folder to `dest` atomically (a temp folder, renamed); returns why it failed, leaving nothing behind. */
async function copyFolderInto(from: string, dest: string): Promise<string | undefined> {
  const tmp = `${dest}.import-${process.pid}.tmp`;
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    await fs.promises.cp(from, tmp, { recursive: true, dereference: true, errorOnExist: false });
    fs.renameSync(tmp, dest);
    return undefined;
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    return (e as Error).message;
  }
}

/** Copies a run's local artifacts into the workspace (atomically: a temp folder renamed) and returns the run's new artifact URI. */
async function copyArtifacts(source: MlflowSource, run: SourceRun, expId: number, workspace: string, summary: ImportSummary): Promise<string> {
  const from = localArtifactDir(source, run);
  if (!from) return run.artifact_uri;
  const uri = `mlflow-artifacts:/${expId}/${run.run_uuid}/artifacts`;
  const dest = artifactDirOf(workspace, uri)!;
  if (path.resolve(from) === path.resolve(dest)) return uri;
  if (fs.existsSync(dest)) {
    summary.skipped.artifacts++;
    return uri;
  }
  const problem = await copyFolderInto(from, dest);
  if (problem) {
    summary.warnings.push(`run ${run.run_uuid}: could not copy its artifacts from ${from} (${problem}); it keeps its original artifact location`);
    return run.artifact_uri;
  }
  summary.created.artifacts++;
  return uri;
}
