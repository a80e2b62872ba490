import { defineOp, type Store } from '../store/store';
import { InvalidParameter, NotFound } from '../errors';
import { forEachIdChunk } from './bulk';
import { parseExperimentId, requireActiveExperiment } from './experiments';
import { newRunId, randomRunName } from './ids';
import { latestMetrics } from './latestMetrics';
import type { DatasetInput, KeyValue, Run, RunInfo, RunStatus, ViewType } from './types';
import { RUN_STATUSES } from './types';
import { LIMITS, optionalInt, requireString, truncateValue, validateKey } from './validation';

export interface RunRow {
  run_uuid: string;
  name: string;
  experiment_id: number;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: 'active' | 'deleted';
  artifact_uri: string;
}

const RUN_ID_RE = /^[a-zA-Z0-9][\w-]{0,255}$/;

export function runRow(store: Store, runId: unknown): RunRow {
  const id = requireString('run_id', runId);
  const memoKey = `run:${id}`;
  const hit = store.memo.get(memoKey) as RunRow | undefined;
  if (hit) return hit;
  if (!RUN_ID_RE.test(id)) throw new NotFound(`Run with id=${id} not found`);
  const r = store.one<RunRow>('SELECT * FROM runs WHERE run_uuid = ?', [id]);
  if (!r) throw new NotFound(`Run with id=${id} not found`);
  store.memo.set(memoKey, r);
  return r;
}

/** A run that accepts writes: it exists and is active. */
export function activeRunRow(store: Store, runId: unknown): RunRow {
  const r = runRow(store, runId);
  if (r.lifecycle_stage !== 'active') {
    throw new InvalidParameter(`The run ${r.run_uuid} must be in the 'active' state. Current state is ${r.lifecycle_stage}.`);
  }
  return r;
}

export function toRunInfo(r: RunRow): RunInfo {
  const info: RunInfo = {
    run_id: r.run_uuid,
    run_uuid: r.run_uuid,
    run_name: r.name,
    experiment_id: String(r.experiment_id),
    user_id: r.user_id,
    status: r.status,
    start_time: r.start_time,
    artifact_uri: r.artifact_uri,
    lifecycle_stage: r.lifecycle_stage,
  };
  if (r.end_time !== null && r.end_time !== undefined) info.end_time = r.end_time;
  return info;
}

export function runParams(store: Store, runId: string): KeyValue[] {
  return store.all<KeyValue>('SELECT key, value FROM params WHERE run_uuid = ? ORDER BY key', [runId]);
}

export function runTags(store: Store, runId: string): KeyValue[] {
  return store.all<KeyValue>('SELECT key, value FROM tags WHERE run_uuid = ? ORDER BY key', [runId]);
}

interface InputRow {
  run_uuid: string;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
  tags: string;
}

function toDatasetInput(d: InputRow): DatasetInput {
  return {
    tags: JSON.parse(d.tags) as KeyValue[],
    dataset: {
      name: d.name,
      digest: d.digest,
      source_type: d.source_type,
      source: d.source,
      ...(d.schema != null ? { schema: d.schema } : {}),
      ...(d.profile != null ? { profile: d.profile } : {}),
    },
  };
}

export function runInputs(store: Store, runId: string): DatasetInput[] {
  return runInputsOf(store, [runId]).get(runId) ?? [];
}

/** The dataset inputs of many runs in one query per 512 runs (a search page). */
export function runInputsOf(store: Store, runIds: readonly string[]): Map<string, DatasetInput[]> {
  const out = new Map<string, DatasetInput[]>();
  forEachIdChunk(runIds, (list, args) => {
    for (const d of store.all<InputRow>(
      `SELECT * FROM run_inputs WHERE run_uuid IN ${list} ORDER BY run_uuid, rowid` /* in the order they were logged, as MLflow */,
      args,
    )) {
      let l = out.get(d.run_uuid);
      if (!l) out.set(d.run_uuid, (l = []));
      l.push(toDatasetInput(d));
    }
  });
  return out;
}

/** The model outputs of many runs, as runInputsOf. */
export function runOutputsOf(store: Store, runIds: readonly string[]): Map<string, { model_id: string; step: number }[]> {
  const out = new Map<string, { model_id: string; step: number }[]>();
  forEachIdChunk(runIds, (list, args) => {
    for (const o of store.all<{ run_uuid: string; model_id: string; step: number }>(
      `SELECT run_uuid, model_id, step FROM run_outputs WHERE run_uuid IN ${list} ORDER BY run_uuid, model_id`,
      args,
    )) {
      let l = out.get(o.run_uuid);
      if (!l) out.set(o.run_uuid, (l = []));
      l.push({ model_id: o.model_id, step: o.step });
    }
  });
  return out;
}

export function assembleRun(store: Store, r: RunRow): Run {
  return {
    info: toRunInfo(r),
    data: { metrics: latestMetrics(store, r.run_uuid), params: runParams(store, r.run_uuid), tags: runTags(store, r.run_uuid) },
    inputs: { dataset_inputs: runInputs(store, r.run_uuid) },
    outputs: { model_outputs: runOutputsOf(store, [r.run_uuid]).get(r.run_uuid) ?? [] },
  };
}

export function getRun(store: Store, runId: string): Run {
  return assembleRun(store, runRow(store, runId));
}

export interface CreateRunOptions {
  experiment_id?: string;
  user_id?: string;
  run_name?: string;
  start_time?: number;
  tags?: KeyValue[];
}

function validTags(tags: KeyValue[] | undefined): KeyValue[] {
  if (tags !== undefined && !Array.isArray(tags)) throw new InvalidParameter("Invalid value for parameter 'tags': expected a list of {key, value}.", 'tags');
  return (tags ?? []).map((t) => {
    if (!t || typeof t !== 'object') throw new InvalidParameter("Invalid value for parameter 'tags': expected a list of {key, value}.", 'tags');
    const key = validateKey('tag', t.key);
    return { key, value: truncateValue(t.value == null ? '' : String(t.value), LIMITS.tagValueLength) };
  });
}

const createOp = defineOp(
  'tracking.createRun',
  (store, a: { id: string; experiment_id: number; user_id: string; name: string; start_time: number; tags: KeyValue[] }) => {
    const exp = requireActiveExperiment(store, a.experiment_id);
    const artifactUri = `${exp.artifact_location.replace(/\/+$/, '')}/${a.id}/artifacts`;
    store.run(
      "INSERT INTO runs(run_uuid, name, experiment_id, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, 'RUNNING', ?, NULL, 'active', ?)",
      [a.id, a.name, a.experiment_id, a.user_id, a.start_time, artifactUri],
    );
    for (const t of a.tags) store.run('INSERT OR REPLACE INTO tags(run_uuid, key, value) VALUES (?, ?, ?)', [a.id, t.key, t.value]);
    store.changes.run(a.id);
    store.changes.experiment(a.experiment_id);
    return a.id;
  },
);

export function createRun(store: Store, opts: CreateRunOptions = {}): Run {
  const experimentId = parseExperimentId(opts.experiment_id ?? '0');
  let tags = validTags(opts.tags);
  const tagName = tags.find((t) => t.key === 'mlflow.runName')?.value;
  if (opts.run_name && tagName && opts.run_name !== tagName) {
    throw new InvalidParameter(
      `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${opts.run_name}', mlflow.runName='${tagName}').`,
      'run_name',
    );
  }
  const name = opts.run_name || tagName || randomRunName();
  tags = tags.filter((t) => t.key !== 'mlflow.runName').concat({ key: 'mlflow.runName', value: name });
  // MLflow records user_id as given and adds no mlflow.user tag of its own (the client sends that tag).
  const user = opts.user_id ?? tags.find((t) => t.key === 'mlflow.user')?.value ?? '';
  const start = optionalInt('start_time', opts.start_time, { min: 0 }) ?? Date.now();
  const id = createOp(store, { id: newRunId(), experiment_id: experimentId, user_id: user, name, start_time: start, tags });
  return getRun(store, id);
}

const updateOp = defineOp('tracking.updateRun', (store, a: { id: string; status?: RunStatus; end_time?: number; name?: string; start_time?: number }) => {
  const r = activeRunRow(store, a.id);
  const status = a.status ?? r.status;
  const end = a.end_time !== undefined ? a.end_time : r.end_time;
  const name = a.name ?? r.name;
  const start = a.start_time !== undefined ? a.start_time : r.start_time;
  store.run('UPDATE runs SET status = ?, end_time = ?, name = ?, start_time = ? WHERE run_uuid = ?', [status, end, name, start, a.id]);
  if (a.name !== undefined) store.run("INSERT OR REPLACE INTO tags(run_uuid, key, value) VALUES (?, 'mlflow.runName', ?)", [a.id, a.name]);
  store.changes.run(a.id);
});

/**
 * MLflow's runs/update (status, end time, name). `start_time` is ours (MLflow clients never send it): a
 * queued (SCHEDULED) run gets the time its process actually started, so queue time is not run time.
 */
export function updateRun(store: Store, runId: string, opts: { status?: string; end_time?: number; run_name?: string; start_time?: number }): RunInfo {
  const r = runRow(store, runId);
  let status: RunStatus | undefined;
  if (opts.status !== undefined && opts.status !== null) {
    if (!RUN_STATUSES.includes(opts.status as RunStatus)) {
      throw new InvalidParameter(`Invalid value "${opts.status}" for parameter 'status': expected one of ${RUN_STATUSES.join(', ')}.`, 'status');
    }
    status = opts.status as RunStatus;
  }
  const end = optionalInt('end_time', opts.end_time, { min: 0 });
  const name = opts.run_name ? truncateValue(opts.run_name, LIMITS.tagValueLength) : undefined;
  const start = optionalInt('start_time', opts.start_time, { min: 0 });
  updateOp(store, { id: r.run_uuid, status, end_time: end, name, ...(start !== undefined ? { start_time: start } : {}) });
  return toRunInfo(runRow(store, r.run_uuid));
}

const stageOp = defineOp('tracking.setRunStage', (store, a: { id: string; stage: 'active' | 'deleted'; time: number }) => {
  const r = runRow(store, a.id);
  // MLflow answers 200 to restoring an active run and to deleting a deleted one; so do we.
  if (r.lifecycle_stage === a.stage) return;
  store.run('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?', [a.stage, a.stage === 'deleted' ? a.time : null, a.id]);
  store.changes.run(a.id);
  store.changes.experiment(r.experiment_id);
});

export function deleteRun(store: Store, runId: string): void {
  stageOp(store, { id: runRow(store, runId).run_uuid, stage: 'deleted', time: Date.now() });
}

export function restoreRun(store: Store, runId: string): void {
  stageOp(store, { id: runRow(store, runId).run_uuid, stage: 'active', time: Date.now() });
}

/** Params are write-once: the same value again is fine, a different one is an error. */
export function applyParams(store: Store, runId: string, params: KeyValue[]): void {
  for (const p of params) {
    const old = store.one<{ value: string }>('SELECT value FROM params WHERE run_uuid = ? AND key = ?', [runId, p.key]);
    if (old) {
      if (old.value !== p.value) {
        throw new InvalidParameter(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old.value}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
          'value',
        );
      }
      continue;
    }
    store.run('INSERT INTO params(run_uuid, key, value) VALUES (?, ?, ?)', [runId, p.key, p.value]);
  }
}

export function applyTags(store: Store, runId: string, tags: KeyValue[]): void {
  for (const t of tags) {
    store.run('INSERT OR REPLACE INTO tags(run_uuid, key, value) VALUES (?, ?, ?)', [runId, t.key, t.value]);
    if (t.key === 'mlflow.runName') {
      store.run('UPDATE runs SET name = ? WHERE run_uuid = ?', [t.value, runId]);
      store.memo.delete(`run:${runId}`);
    }
  }
}

const paramsOp = defineOp('tracking.logParams', (store, a: { id: string; params: KeyValue[] }) => {
  activeRunRow(store, a.id);
  applyParams(store, a.id, a.params);
  store.changes.run(a.id);
});

export function validateParams(params: KeyValue[] | undefined): KeyValue[] {
  if (params !== undefined && !Array.isArray(params))
    throw new InvalidParameter("Invalid value for parameter 'params': expected a list of {key, value}.", 'params');
  const out = (params ?? []).map((p) => {
    if (!p || typeof p !== 'object') throw new InvalidParameter("Invalid value for parameter 'params': expected a list of {key, value}.", 'params');
    const key = validateKey('param', p.key);
    if (p.value !== undefined && p.value !== null && typeof p.value === 'object') {
      throw new InvalidParameter(`Invalid value for param '${key}': expected a string.`, 'value');
    }
    return { key, value: truncateValue(p.value == null ? '' : String(p.value), LIMITS.paramValueLength) };
  });
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const p of out) (seen.has(p.key) ? dups : seen).add(p.key);
  if (dups.size)
    throw new InvalidParameter(
      `Duplicate parameter keys have been submitted: ${JSON.stringify([...dups])}. Please ensure the request contains only one param value per param key.`,
      'params',
    );
  return out;
}

export function logParam(store: Store, runId: string, key: string, value: unknown): void {
  paramsOp(store, { id: runRow(store, runId).run_uuid, params: validateParams([{ key, value: value as string }]) });
}

const tagsOp = defineOp('tracking.setTags', (store, a: { id: string; tags: KeyValue[] }) => {
  activeRunRow(store, a.id);
  applyTags(store, a.id, a.tags);
  store.changes.run(a.id);
});

export function setTag(store: Store, runId: string, key: string, value: unknown): void {
  tagsOp(store, { id: runRow(store, runId).run_uuid, tags: validTags([{ key, value: value as string }]) });
}

export function validateTagList(tags: KeyValue[] | undefined): KeyValue[] {
  return validTags(tags);
}

const deleteTagOp = defineOp('tracking.deleteTag', (store, a: { id: string; key: string }) => {
  activeRunRow(store, a.id);
  const had = store.one('SELECT 1 AS x FROM tags WHERE run_uuid = ? AND key = ?', [a.id, a.key]);
  if (!had) throw new NotFound(`No tag with name: ${a.key} in run with id ${a.id}`);
  store.run('DELETE FROM tags WHERE run_uuid = ? AND key = ?', [a.id, a.key]);
  store.changes.run(a.id);
});

export function deleteTag(store: Store, runId: string, key: string): void {
  deleteTagOp(store, { id: runRow(store, runId).run_uuid, key: requireString('key', key) });
}

const inputsOp = defineOp('tracking.logInputs', (store, a: { id: string; datasets: DatasetInput[] }) => {
  activeRunRow(store, a.id);
  // As MLflow: a dataset (name, digest) already among the run's inputs is not logged again, so the first
  // input keeps its tags and its place.
  for (const d of a.datasets) {
    store.run('INSERT OR IGNORE INTO run_inputs(run_uuid, name, digest, source_type, source, schema, profile, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      a.id,
      d.dataset.name,
      d.dataset.digest,
      d.dataset.source_type,
      d.dataset.source,
      d.dataset.schema ?? null,
      d.dataset.profile ?? null,
      JSON.stringify(d.tags ?? []),
    ]);
  }
  store.changes.run(a.id);
});

export function logInputs(store: Store, runId: string, datasets: DatasetInput[]): void {
  if (!Array.isArray(datasets)) throw new InvalidParameter("Invalid value for parameter 'datasets': expected a list.", 'datasets');
  if (datasets.length > 1000) throw new InvalidParameter(`A batch logging request can contain at most 1000 datasets. Got ${datasets.length}.`, 'datasets');
  const clean = datasets.map((d) => {
    const ds = d?.dataset;
    if (!ds || typeof ds !== 'object') throw new InvalidParameter("Each dataset input needs a 'dataset' object.", 'datasets');
    const name = requireString('dataset.name', ds.name);
    const digest = requireString('dataset.digest', ds.digest);
    if (name.length > 500) throw new InvalidParameter(`Dataset name had length ${name.length}, which exceeded length limit of 500`, 'dataset.name');
    if (digest.length > 36) throw new InvalidParameter(`Dataset digest had length ${digest.length}, which exceeded length limit of 36`, 'dataset.digest');
    return {
      tags: validTags(d.tags),
      dataset: {
        name,
        digest,
        source_type: String(ds.source_type ?? ''),
        source: String(ds.source ?? ''),
        ...(ds.schema != null ? { schema: String(ds.schema) } : {}),
        ...(ds.profile != null ? { profile: String(ds.profile) } : {}),
      },
    };
  });
  inputsOp(store, { id: runRow(store, runId).run_uuid, datasets: clean });
}

const outputsOp = defineOp('tracking.logOutputs', (store, a: { id: string; models: { model_id: string; step: number }[] }) => {
  activeRunRow(store, a.id);
  for (const m of a.models) store.run('INSERT OR REPLACE INTO run_outputs(run_uuid, model_id, step) VALUES (?, ?, ?)', [a.id, m.model_id, m.step]);
  store.changes.run(a.id);
});

export function logOutputs(store: Store, runId: string, models: { model_id: string; step?: number }[]): void {
  if (!Array.isArray(models)) throw new InvalidParameter("Invalid value for parameter 'models': expected a list.", 'models');
  const clean = models.map((m) => ({ model_id: requireString('model_id', m?.model_id), step: optionalInt('step', m.step) ?? 0 }));
  outputsOp(store, { id: runRow(store, runId).run_uuid, models: clean });
}

/** Runs of one experiment for lists and trees, newest first, paged. */
export function listRunRows(store: Store, experimentId: string | number, view: ViewType = 'ACTIVE_ONLY'): RunRow[] {
  const stage = view === 'ALL' ? '' : view === 'DELETED_ONLY' ? "AND lifecycle_stage = 'deleted'" : "AND lifecycle_stage = 'active'";
  return store.all<RunRow>(`SELECT * FROM runs WHERE experiment_id = ? ${stage} ORDER BY start_time DESC, run_uuid`, [parseExperimentId(experimentId)]);
}

export function findRunsByPrefix(store: Store, prefix: string): RunRow[] {
  return store.all<RunRow>("SELECT * FROM runs WHERE run_uuid LIKE ? || '%' ORDER BY start_time DESC LIMIT 20", [prefix.replace(/[%_]/g, '')]);
}
