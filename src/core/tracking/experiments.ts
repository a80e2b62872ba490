import { defineOp, type Store } from '../store/store';
import { AlreadyExists, InvalidParameter, MlopsError, NotFound } from '../errors';
import type { Experiment, KeyValue, ViewType } from './types';
import { LIMITS, requireString, validateKey, validateValueLength } from './validation';

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
}

function toExperiment(
  store: Store,
  r: ExperimentRow,
  tags = store.all<KeyValue>('SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key', [r.experiment_id]),
): Experiment {
  return {
    experiment_id: String(r.experiment_id),
    name: r.name,
    artifact_location: r.artifact_location,
    lifecycle_stage: r.lifecycle_stage,
    creation_time: r.creation_time,
    last_update_time: r.last_update_time,
    tags,
  };
}

/** Parses an experiment id as MLflow accepts it: a string (or number) of digits. */
export function parseExperimentId(id: unknown, field = 'experiment_id'): number {
  const s = typeof id === 'number' ? String(id) : id;
  if (typeof s !== 'string' || s === '') {
    throw new InvalidParameter(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`, field);
  }
  if (!/^\d{1,18}$/.test(s)) throw new NotFound(`No Experiment with id=${s} exists`);
  return Number(s);
}

function row(store: Store, id: number): ExperimentRow | undefined {
  return store.one<ExperimentRow>('SELECT * FROM experiments WHERE experiment_id = ?', [id]);
}

export function getExperiment(store: Store, id: string | number): Experiment {
  const r = row(store, parseExperimentId(id));
  if (!r) throw new NotFound(`No Experiment with id=${id} exists`);
  return toExperiment(store, r);
}

/** The experiment row for a write: it must exist and be active. */
export function requireActiveExperiment(store: Store, id: number): ExperimentRow {
  const r = row(store, id);
  if (!r) throw new NotFound(`No Experiment with id=${id} exists`);
  if (r.lifecycle_stage !== 'active') {
    throw new InvalidParameter(`The experiment ${id} must be in the 'active' state. Current state is ${r.lifecycle_stage}.`);
  }
  return r;
}

export function getExperimentByName(store: Store, name: string): Experiment {
  const r = store.one<ExperimentRow>('SELECT * FROM experiments WHERE name = ?', [requireString('experiment_name', name)]);
  if (!r) throw new NotFound(`Could not find experiment with name '${name}'`);
  return toExperiment(store, r);
}

export function listExperiments(store: Store, view: ViewType = 'ACTIVE_ONLY'): Experiment[] {
  const where = view === 'ALL' ? '' : view === 'DELETED_ONLY' ? "WHERE lifecycle_stage = 'deleted'" : "WHERE lifecycle_stage = 'active'";
  // Every experiment's tags in one query, not one per experiment.
  const tags = new Map<number, KeyValue[]>();
  for (const t of store.all<KeyValue & { experiment_id: number }>('SELECT experiment_id, key, value FROM experiment_tags ORDER BY experiment_id, key')) {
    let l = tags.get(t.experiment_id);
    if (!l) tags.set(t.experiment_id, (l = []));
    l.push({ key: t.key, value: t.value });
  }
  return store
    .all<ExperimentRow>(`SELECT * FROM experiments ${where} ORDER BY experiment_id`)
    .map((r) => toExperiment(store, r, tags.get(r.experiment_id) ?? []));
}

export function validateExperimentName(name: unknown): string {
  const n = requireString('name', name);
  if (n.trim() === '') throw new InvalidParameter('Invalid experiment name: the name is empty.', 'name');
  if (n.length > LIMITS.experimentNameLength) {
    throw new InvalidParameter(`Experiment name had length ${n.length}, which exceeded length limit of ${LIMITS.experimentNameLength}`, 'name');
  }
  return n;
}

function validateTags(tags: KeyValue[] | undefined): KeyValue[] {
  return (tags ?? []).map((t) => ({
    key: validateKey('tag', t?.key),
    value: validateValueLength('tag', t.key, t.value == null ? '' : String(t.value), LIMITS.experimentTagValueLength),
  }));
}

const createOp = defineOp('tracking.createExperiment', (store, a: { id: number; name: string; artifact_location: string; time: number; tags: KeyValue[] }) => {
  const existing = store.one<ExperimentRow>('SELECT * FROM experiments WHERE name = ?', [a.name]);
  if (existing) {
    throw new AlreadyExists(
      existing.lifecycle_stage === 'deleted'
        ? `Experiment '${a.name}' already exists in deleted state. You can restore the experiment, or permanently delete the experiment to create a new one.`
        : `Experiment '${a.name}' already exists.`,
    );
  }
  store.run('INSERT INTO experiments(experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, ?)', [
    a.id,
    a.name,
    a.artifact_location,
    'active',
    a.time,
    a.time,
  ]);
  for (const t of a.tags) store.run('INSERT OR REPLACE INTO experiment_tags(experiment_id, key, value) VALUES (?, ?, ?)', [a.id, t.key, t.value]);
  store.changes.experiment(a.id);
  return String(a.id);
});

export function createExperiment(store: Store, opts: { name: string; artifact_location?: string; tags?: KeyValue[] }): string {
  const name = validateExperimentName(opts.name);
  const tags = validateTags(opts.tags);
  const next = Number(store.one<{ m: number | null }>('SELECT max(experiment_id) AS m FROM experiments')?.m ?? 0) + 1;
  const location = opts.artifact_location || `mlflow-artifacts:/${next}`;
  return createOp(store, { id: next, name, artifact_location: location, time: Date.now(), tags });
}

/** Returns the id of the experiment with this name, creating it when missing. */
export function ensureExperiment(store: Store, name: string): string {
  const r = store.one<ExperimentRow>('SELECT * FROM experiments WHERE name = ?', [name]);
  if (r) {
    if (r.lifecycle_stage !== 'active') throw new InvalidParameter(`Experiment '${name}' is deleted. Restore it first.`);
    return String(r.experiment_id);
  }
  return createExperiment(store, { name });
}

const renameOp = defineOp('tracking.renameExperiment', (store, a: { id: number; name: string; time: number }) => {
  requireActiveExperiment(store, a.id);
  const clash = store.one<ExperimentRow>('SELECT * FROM experiments WHERE name = ? AND experiment_id != ?', [a.name, a.id]);
  // MLflow's SQL store answers BAD_REQUEST here (its unique-constraint error), not RESOURCE_ALREADY_EXISTS.
  if (clash) throw new MlopsError('BAD_REQUEST', `Experiment '${a.name}' already exists.`);
  store.run('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?', [a.name, a.time, a.id]);
  store.changes.experiment(a.id);
});

export function renameExperiment(store: Store, id: string | number, newName: string): void {
  renameOp(store, { id: parseExperimentId(id), name: validateExperimentName(newName), time: Date.now() });
}

const stageOp = defineOp('tracking.setExperimentStage', (store, a: { id: number; stage: 'active' | 'deleted'; time: number }) => {
  const r = row(store, a.id);
  // As MLflow's SQL store: deleting looks among active experiments, restoring among deleted ones, so both
  // miss with RESOURCE_DOES_NOT_EXIST. The Default experiment stays (as in MLflow's file store): runs
  // created without an experiment go there.
  if (!r || r.lifecycle_stage === a.stage) throw new NotFound(`No Experiment with id=${a.id} exists`);
  if (a.id === 0 && a.stage === 'deleted') throw new InvalidParameter("Cannot delete the default experiment '0'. This is an internally reserved experiment.");
  store.run('UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?', [a.stage, a.time, a.id]);
  // MLflow deletes and restores an experiment's runs with it.
  const from = a.stage === 'deleted' ? 'active' : 'deleted';
  for (const r of store.all<{ run_uuid: string }>('SELECT run_uuid FROM runs WHERE experiment_id = ? AND lifecycle_stage = ?', [a.id, from]))
    store.changes.run(r.run_uuid);
  if (a.stage === 'deleted') {
    store.run("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = 'active'", [a.time, a.id]);
  } else {
    store.run("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ? AND lifecycle_stage = 'deleted'", [a.id]);
  }
  store.changes.experiment(a.id);
});

export function deleteExperiment(store: Store, id: string | number): void {
  stageOp(store, { id: parseExperimentId(id), stage: 'deleted', time: Date.now() });
}

export function restoreExperiment(store: Store, id: string | number): void {
  stageOp(store, { id: parseExperimentId(id), stage: 'active', time: Date.now() });
}

const tagOp = defineOp('tracking.setExperimentTag', (store, a: { id: number; key: string; value: string | null; time: number }) => {
  requireActiveExperiment(store, a.id);
  if (a.value === null) {
    const had = store.one('SELECT 1 AS x FROM experiment_tags WHERE experiment_id = ? AND key = ?', [a.id, a.key]);
    if (!had) throw new NotFound(`No tag with name: ${a.key} in experiment with id ${a.id}`);
    store.run('DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?', [a.id, a.key]);
  } else {
    store.run('INSERT OR REPLACE INTO experiment_tags(experiment_id, key, value) VALUES (?, ?, ?)', [a.id, a.key, a.value]);
  }
  store.run('UPDATE experiments SET last_update_time = ? WHERE experiment_id = ?', [a.time, a.id]);
  store.changes.experiment(a.id);
});

export function setExperimentTag(store: Store, id: string | number, key: string, value: string): void {
  const k = validateKey('tag', key);
  tagOp(store, {
    id: parseExperimentId(id),
    key: k,
    value: validateValueLength('tag', k, String(value ?? ''), LIMITS.experimentTagValueLength),
    time: Date.now(),
  });
}

export function deleteExperimentTag(store: Store, id: string | number, key: string): void {
  tagOp(store, { id: parseExperimentId(id), key: validateKey('tag', key), value: null, time: Date.now() });
}
