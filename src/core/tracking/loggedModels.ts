import crypto from 'node:crypto';
import { defineOp, type Store } from '../store/store';
import { InvalidParameter, NotFound } from '../errors';
import { requireActiveExperiment, parseExperimentId } from './experiments';
import type { KeyValue } from './types';
import { LIMITS, requireString, validateKey, validateValueLength } from './validation';

/** MLflow 3's LoggedModel: a model logged by a run, stored under the experiment's models/ folder. */
export interface LoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    artifact_uri: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    status: string;
    status_message?: string;
    model_type?: string;
    source_run_id?: string;
    tags: KeyValue[];
    /** Registry versions made from this model (filled in by whoever can read the registry). */
    registrations?: { name: string; version: string }[];
  };
  data: { params: KeyValue[]; metrics: never[] };
}

const STATUSES = ['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'];

interface Row {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_time: number;
  last_updated_time: number;
  status: string;
  status_message: string;
  model_type: string;
  source_run_id: string;
  lifecycle_stage: string;
}

function row(store: Store, id: unknown): Row {
  const modelId = requireString('model_id', id);
  const r = store.one<Row>("SELECT * FROM logged_models WHERE model_id = ? AND lifecycle_stage = 'active'", [modelId]);
  if (!r) throw new NotFound(`Logged model with ID '${modelId}' not found.`);
  return r;
}

function toModel(store: Store, r: Row): LoggedModel {
  return {
    info: {
      model_id: r.model_id,
      experiment_id: String(r.experiment_id),
      name: r.name,
      artifact_uri: r.artifact_location,
      creation_timestamp_ms: r.creation_time,
      last_updated_timestamp_ms: r.last_updated_time,
      status: r.status,
      ...(r.status_message ? { status_message: r.status_message } : {}),
      ...(r.model_type ? { model_type: r.model_type } : {}),
      ...(r.source_run_id ? { source_run_id: r.source_run_id } : {}),
      tags: store.all<KeyValue>('SELECT key, value FROM logged_model_tags WHERE model_id = ? ORDER BY key', [r.model_id]),
    },
    data: { params: store.all<KeyValue>('SELECT key, value FROM logged_model_params WHERE model_id = ? ORDER BY key', [r.model_id]), metrics: [] },
  };
}

function kv(list: unknown, kind: string, limit: number): KeyValue[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new InvalidParameter(`Invalid value for '${kind}s': expected a list of {key, value}.`, kind);
  return list.map((t) => {
    const key = validateKey(kind, (t as KeyValue)?.key);
    return { key, value: validateValueLength(kind, key, String((t as KeyValue).value ?? ''), limit) };
  });
}

const createOp = defineOp(
  'tracking.createLoggedModel',
  (
    store,
    a: { id: string; experiment_id: number; name: string; time: number; model_type: string; source_run_id: string; params: KeyValue[]; tags: KeyValue[] },
  ) => {
    const exp = requireActiveExperiment(store, a.experiment_id);
    const uri = `${exp.artifact_location.replace(/\/+$/, '')}/models/${a.id}/artifacts`;
    store.run(
      "INSERT INTO logged_models(model_id, experiment_id, name, artifact_location, creation_time, last_updated_time, status, model_type, source_run_id) VALUES (?, ?, ?, ?, ?, ?, 'LOGGED_MODEL_PENDING', ?, ?)",
      [a.id, a.experiment_id, a.name, uri, a.time, a.time, a.model_type, a.source_run_id],
    );
    for (const p of a.params) store.run('INSERT OR REPLACE INTO logged_model_params(model_id, key, value) VALUES (?, ?, ?)', [a.id, p.key, p.value]);
    for (const t of a.tags) store.run('INSERT OR REPLACE INTO logged_model_tags(model_id, key, value) VALUES (?, ?, ?)', [a.id, t.key, t.value]);
    store.changes.experiment(a.experiment_id);
  },
);

export function createLoggedModel(
  store: Store,
  o: { experiment_id: unknown; name?: unknown; model_type?: unknown; source_run_id?: unknown; params?: unknown; tags?: unknown },
): LoggedModel {
  const experimentId = parseExperimentId(o.experiment_id);
  const id = `m-${crypto.randomUUID().replace(/-/g, '')}`;
  const name = o.name === undefined || o.name === null || o.name === '' ? `model-${id.slice(2, 10)}` : requireString('name', o.name);
  createOp(store, {
    id,
    experiment_id: experimentId,
    name,
    time: Date.now(),
    model_type: o.model_type ? String(o.model_type) : '',
    source_run_id: o.source_run_id ? String(o.source_run_id) : '',
    params: kv(o.params, 'param', LIMITS.paramValueLength),
    tags: kv(o.tags, 'tag', LIMITS.tagValueLength),
  });
  return getLoggedModel(store, id);
}

export function getLoggedModel(store: Store, id: unknown): LoggedModel {
  return toModel(store, row(store, id));
}

const finalizeOp = defineOp('tracking.finalizeLoggedModel', (store, a: { id: string; status: string; time: number }) => {
  row(store, a.id);
  store.run('UPDATE logged_models SET status = ?, last_updated_time = ? WHERE model_id = ?', [a.status, a.time, a.id]);
});

export function finalizeLoggedModel(store: Store, id: unknown, status: unknown): LoggedModel {
  const s = typeof status === 'number' ? STATUSES[status - 1] : String(status ?? '');
  if (!STATUSES.includes(s)) throw new InvalidParameter(`Invalid logged model status '${String(status)}'. Expected one of ${STATUSES.join(', ')}.`, 'status');
  const r = row(store, id);
  finalizeOp(store, { id: r.model_id, status: s, time: Date.now() });
  return getLoggedModel(store, r.model_id);
}

const deleteOp = defineOp('tracking.deleteLoggedModel', (store, a: { id: string }) => {
  row(store, a.id);
  store.run("UPDATE logged_models SET lifecycle_stage = 'deleted' WHERE model_id = ?", [a.id]);
});

export function deleteLoggedModel(store: Store, id: unknown): void {
  deleteOp(store, { id: row(store, id).model_id });
}

const tagsOp = defineOp('tracking.setLoggedModelTags', (store, a: { id: string; tags: KeyValue[]; remove?: string }) => {
  row(store, a.id);
  if (a.remove !== undefined) {
    if (!store.one('SELECT 1 AS x FROM logged_model_tags WHERE model_id = ? AND key = ?', [a.id, a.remove]))
      throw new NotFound(`No tag with key '${a.remove}' on logged model '${a.id}'.`);
    store.run('DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?', [a.id, a.remove]);
  }
  for (const t of a.tags) store.run('INSERT OR REPLACE INTO logged_model_tags(model_id, key, value) VALUES (?, ?, ?)', [a.id, t.key, t.value]);
});

export function setLoggedModelTags(store: Store, id: unknown, tags: unknown): LoggedModel {
  const r = row(store, id);
  tagsOp(store, { id: r.model_id, tags: kv(tags, 'tag', LIMITS.tagValueLength) });
  return getLoggedModel(store, r.model_id);
}

export function deleteLoggedModelTag(store: Store, id: unknown, key: unknown): void {
  const r = row(store, id);
  tagsOp(store, { id: r.model_id, tags: [], remove: requireString('tag_key', key) });
}

const paramsOp = defineOp('tracking.logLoggedModelParams', (store, a: { id: string; params: KeyValue[] }) => {
  row(store, a.id);
  for (const p of a.params) store.run('INSERT OR REPLACE INTO logged_model_params(model_id, key, value) VALUES (?, ?, ?)', [a.id, p.key, p.value]);
});

export function logLoggedModelParams(store: Store, id: unknown, params: unknown): void {
  const r = row(store, id);
  paramsOp(store, { id: r.model_id, params: kv(params, 'param', LIMITS.paramValueLength) });
}

export function listLoggedModels(store: Store, experimentIds: number[]): LoggedModel[] {
  const rows = experimentIds.length
    ? store.all<Row>(
        `SELECT * FROM logged_models WHERE lifecycle_stage = 'active' AND experiment_id IN (${experimentIds.map(() => '?').join(',')}) ORDER BY creation_time DESC, model_id`,
        experimentIds,
      )
    : store.all<Row>("SELECT * FROM logged_models WHERE lifecycle_stage = 'active' ORDER BY creation_time DESC, model_id");
  return rows.map((r) => toModel(store, r));
}
