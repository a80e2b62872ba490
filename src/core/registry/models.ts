import { defineOp, type Store } from '../store/store';
import { AlreadyExists, InvalidParameter, NotFound } from '../errors';
import type { KeyValue } from '../tracking/types';
import { LIMITS, requireString, validateKey, validateValueLength } from '../tracking/validation';
import { STAGES, type ModelVersion, type RegisteredModel, type Stage } from './types';

interface ModelRow {
  name: string;
  creation_time: number;
  last_updated_time: number;
  description: string;
}
interface VersionRow {
  name: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string;
  user_id: string;
  current_stage: string;
  source: string;
  run_id: string;
  run_link: string;
  status: ModelVersion['status'];
  status_message: string;
  model_id: string;
}

const DELETED = 'Deleted_Internal';

function modelRow(store: Store, name: unknown): ModelRow {
  const n = requireString('name', name);
  const r = store.one<ModelRow>('SELECT * FROM registered_models WHERE name = ?', [n]);
  if (!r) throw new NotFound(`Registered Model with name=${n} not found`);
  return r;
}

export function parseVersion(v: unknown): number {
  const s = typeof v === 'number' ? String(v) : v;
  if (typeof s !== 'string' || s === '')
    throw new InvalidParameter("Missing value for required parameter 'version'. See the API docs for more information about request parameters.", 'version');
  if (!/^\d{1,9}$/.test(s)) throw new InvalidParameter(`Model version must be an integer, got '${s}'`, 'version');
  return Number(s);
}

function versionRow(store: Store, name: unknown, version: unknown): VersionRow {
  const n = requireString('name', name);
  const v = parseVersion(version);
  const r = store.one<VersionRow>('SELECT * FROM model_versions WHERE name = ? AND version = ? AND current_stage != ?', [n, v, DELETED]);
  if (!r) throw new NotFound(`Model Version (name=${n}, version=${v}) not found`);
  return r;
}

function toVersion(store: Store, r: VersionRow): ModelVersion {
  const mv: ModelVersion = {
    name: r.name,
    version: String(r.version),
    creation_timestamp: r.creation_time,
    last_updated_timestamp: r.last_updated_time,
    user_id: r.user_id,
    current_stage: r.current_stage as Stage,
    description: r.description,
    source: r.source,
    run_id: r.run_id,
    status: r.status,
    status_message: r.status_message,
    tags: store.all<KeyValue>('SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key', [r.name, r.version]),
    run_link: r.run_link,
    aliases: store
      .all<{ alias: string }>('SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias', [r.name, r.version])
      .map((a) => a.alias),
  };
  if (r.model_id) mv.model_id = r.model_id;
  return mv;
}

function latestPerStage(store: Store, name: string, stages?: string[]): ModelVersion[] {
  const rows = store.all<VersionRow>('SELECT * FROM model_versions WHERE name = ? AND current_stage != ? ORDER BY version', [name, DELETED]);
  const latest = new Map<string, VersionRow>();
  for (const r of rows) latest.set(r.current_stage, r);
  const want = stages?.length ? stages.map(canonicalStage) : [...latest.keys()];
  return [...latest.values()]
    .filter((r) => want.includes(r.current_stage as Stage))
    .sort((a, b) => a.version - b.version)
    .map((r) => toVersion(store, r));
}

function toModel(store: Store, r: ModelRow): RegisteredModel {
  return {
    name: r.name,
    creation_timestamp: r.creation_time,
    last_updated_timestamp: r.last_updated_time,
    description: r.description,
    latest_versions: latestPerStage(store, r.name),
    tags: store.all<KeyValue>('SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key', [r.name]),
    aliases: store
      .all<{ alias: string; version: number }>('SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias', [r.name])
      .map((a) => ({ alias: a.alias, version: String(a.version) })),
  };
}

export function canonicalStage(stage: unknown): Stage {
  const s = String(stage ?? '');
  const found = STAGES.find((x) => x.toLowerCase() === s.toLowerCase());
  if (!found) throw new InvalidParameter(`Invalid Model Version stage: ${s}. Value must be one of ${STAGES.join(', ')}.`, 'stage');
  return found;
}

function validateName(name: unknown): string {
  const n = requireString('name', name);
  if (n.trim() === '') throw new InvalidParameter('Registered model name cannot be empty.', 'name');
  if (n.length > 256) throw new InvalidParameter(`Registered model name had length ${n.length}, which exceeded length limit of 256`, 'name');
  return n;
}

function validTags(tags: KeyValue[] | undefined): KeyValue[] {
  if (tags !== undefined && !Array.isArray(tags)) throw new InvalidParameter("Invalid value for parameter 'tags': expected a list of {key, value}.", 'tags');
  return (tags ?? []).map((t) => {
    const key = validateKey('tag', t?.key);
    return { key, value: validateValueLength('tag', key, t.value == null ? '' : String(t.value), LIMITS.registryTagValueLength) };
  });
}

export function getRegisteredModel(store: Store, name: string): RegisteredModel {
  return toModel(store, modelRow(store, name));
}

export function listRegisteredModels(store: Store): RegisteredModel[] {
  return store.all<ModelRow>('SELECT * FROM registered_models ORDER BY name').map((r) => toModel(store, r));
}

const createModelOp = defineOp('registry.createModel', (store, a: { name: string; time: number; description: string; tags: KeyValue[] }) => {
  if (store.one('SELECT 1 AS x FROM registered_models WHERE name = ?', [a.name])) {
    throw new AlreadyExists(`Registered Model (name=${a.name}) already exists.`);
  }
  store.run('INSERT INTO registered_models(name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?)', [a.name, a.time, a.time, a.description]);
  for (const t of a.tags) store.run('INSERT OR REPLACE INTO registered_model_tags(name, key, value) VALUES (?, ?, ?)', [a.name, t.key, t.value]);
  store.changes.model(a.name);
});

export function createRegisteredModel(store: Store, opts: { name: string; description?: string; tags?: KeyValue[] }): RegisteredModel {
  const name = validateName(opts.name);
  createModelOp(store, { name, time: Date.now(), description: opts.description ?? '', tags: validTags(opts.tags) });
  return getRegisteredModel(store, name);
}

const renameModelOp = defineOp('registry.renameModel', (store, a: { name: string; newName: string; time: number }) => {
  modelRow(store, a.name);
  if (store.one('SELECT 1 AS x FROM registered_models WHERE name = ?', [a.newName])) {
    throw new AlreadyExists(`Registered Model (name=${a.newName}) already exists.`);
  }
  for (const table of ['registered_models', 'registered_model_tags', 'registered_model_aliases', 'model_versions', 'model_version_tags']) {
    store.run(`UPDATE ${table} SET name = ? WHERE name = ?`, [a.newName, a.name]);
  }
  store.run('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [a.time, a.newName]);
  store.changes.model(a.name);
  store.changes.model(a.newName);
});

export function renameRegisteredModel(store: Store, name: string, newName: string): RegisteredModel {
  const n = validateName(newName);
  renameModelOp(store, { name: requireString('name', name), newName: n, time: Date.now() });
  return getRegisteredModel(store, n);
}

const updateModelOp = defineOp('registry.updateModel', (store, a: { name: string; description: string; time: number }) => {
  modelRow(store, a.name);
  store.run('UPDATE registered_models SET description = ?, last_updated_time = ? WHERE name = ?', [a.description, a.time, a.name]);
  store.changes.model(a.name);
});

export function updateRegisteredModel(store: Store, name: string, description: string | undefined): RegisteredModel {
  updateModelOp(store, { name: requireString('name', name), description: String(description ?? ''), time: Date.now() });
  return getRegisteredModel(store, name);
}

const deleteModelOp = defineOp('registry.deleteModel', (store, a: { name: string }) => {
  modelRow(store, a.name);
  for (const table of ['registered_models', 'registered_model_tags', 'registered_model_aliases', 'model_versions', 'model_version_tags']) {
    store.run(`DELETE FROM ${table} WHERE name = ?`, [a.name]);
  }
  store.changes.model(a.name);
});

export function deleteRegisteredModel(store: Store, name: string): void {
  deleteModelOp(store, { name: requireString('name', name) });
}

const modelTagOp = defineOp('registry.setModelTag', (store, a: { name: string; key: string; value: string | null; time: number }) => {
  modelRow(store, a.name);
  if (a.value === null) {
    // Deleting a tag the model does not have succeeds, as in MLflow.
    store.run('DELETE FROM registered_model_tags WHERE name = ? AND key = ?', [a.name, a.key]);
  } else {
    store.run('INSERT OR REPLACE INTO registered_model_tags(name, key, value) VALUES (?, ?, ?)', [a.name, a.key, a.value]);
  }
  store.run('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [a.time, a.name]);
  store.changes.model(a.name);
});

export function setRegisteredModelTag(store: Store, name: string, key: string, value: unknown): void {
  const [t] = validTags([{ key, value: value as string }]);
  modelTagOp(store, { name: requireString('name', name), key: t.key, value: t.value, time: Date.now() });
}

export function deleteRegisteredModelTag(store: Store, name: string, key: string): void {
  modelTagOp(store, { name: requireString('name', name), key: requireString('key', key), value: null, time: Date.now() });
}

const createVersionOp = defineOp(
  'registry.createVersion',
  (
    store,
    a: {
      name: string;
      time: number;
      source: string;
      run_id: string;
      run_link: string;
      description: string;
      user_id: string;
      model_id: string;
      tags: KeyValue[];
    },
  ) => {
    modelRow(store, a.name);
    const last = store.one<{ m: number | null }>('SELECT max(version) AS m FROM model_versions WHERE name = ?', [a.name]);
    const version = (last?.m ?? 0) + 1;
    store.run(
      "INSERT INTO model_versions(name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, run_link, status, status_message, model_id) VALUES (?, ?, ?, ?, ?, ?, 'None', ?, ?, ?, 'READY', '', ?)",
      [a.name, version, a.time, a.time, a.description, a.user_id, a.source, a.run_id, a.run_link, a.model_id],
    );
    for (const t of a.tags)
      store.run('INSERT OR REPLACE INTO model_version_tags(name, version, key, value) VALUES (?, ?, ?, ?)', [a.name, version, t.key, t.value]);
    store.run('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [a.time, a.name]);
    store.changes.model(a.name);
    return version;
  },
);

export interface CreateVersionOptions {
  name: string;
  source: string;
  run_id?: string;
  run_link?: string;
  description?: string;
  tags?: KeyValue[];
  model_id?: string;
  user_id?: string;
}

export function createModelVersion(store: Store, o: CreateVersionOptions): ModelVersion {
  const name = requireString('name', o.name);
  const source = requireString('source', o.source);
  if (o.run_id) {
    const run = store.one<{ run_uuid: string }>('SELECT run_uuid FROM runs WHERE run_uuid = ?', [o.run_id]);
    if (!run) throw new NotFound(`Run with id=${o.run_id} not found`);
  }
  if (/(^|[\\/])\.\.([\\/]|$)/.test(source)) throw new InvalidParameter(`Invalid model version source: '${source}'. It must not contain '..'.`, 'source');
  const version = createVersionOp(store, {
    name,
    time: Date.now(),
    source,
    run_id: o.run_id ?? '',
    run_link: o.run_link ?? '',
    description: o.description ?? '',
    user_id: o.user_id ?? '',
    model_id: o.model_id ?? '',
    tags: validTags(o.tags),
  });
  return getModelVersion(store, name, version);
}

export function getModelVersion(store: Store, name: string, version: unknown): ModelVersion {
  return toVersion(store, versionRow(store, name, version));
}

export function listModelVersions(store: Store, name?: string): ModelVersion[] {
  const rows = name
    ? store.all<VersionRow>('SELECT * FROM model_versions WHERE name = ? AND current_stage != ? ORDER BY version DESC', [name, DELETED])
    : store.all<VersionRow>('SELECT * FROM model_versions WHERE current_stage != ? ORDER BY name, version DESC', [DELETED]);
  return rows.map((r) => toVersion(store, r));
}

export function versionsOfRun(store: Store, runId: string): ModelVersion[] {
  return store
    .all<VersionRow>('SELECT * FROM model_versions WHERE run_id = ? AND current_stage != ? ORDER BY name, version', [runId, DELETED])
    .map((r) => toVersion(store, r));
}

const updateVersionOp = defineOp('registry.updateVersion', (store, a: { name: string; version: number; description: string; time: number }) => {
  versionRow(store, a.name, a.version);
  store.run('UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?', [a.description, a.time, a.name, a.version]);
  store.changes.model(a.name);
});

export function updateModelVersion(store: Store, name: string, version: unknown, description: string | undefined): ModelVersion {
  const v = parseVersion(version);
  updateVersionOp(store, { name: requireString('name', name), version: v, description: String(description ?? ''), time: Date.now() });
  return getModelVersion(store, name, v);
}

const stageOp = defineOp('registry.transitionStage', (store, a: { name: string; version: number; stage: Stage; archiveExisting: boolean; time: number }) => {
  versionRow(store, a.name, a.version);
  if (a.archiveExisting && (a.stage === 'Staging' || a.stage === 'Production')) {
    store.run("UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ? WHERE name = ? AND version != ? AND current_stage = ?", [
      a.time,
      a.name,
      a.version,
      a.stage,
    ]);
  }
  store.run('UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?', [a.stage, a.time, a.name, a.version]);
  store.run('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [a.time, a.name]);
  store.changes.model(a.name);
});

export function transitionModelVersionStage(store: Store, name: string, version: unknown, stage: unknown, archiveExisting = false): ModelVersion {
  const v = parseVersion(version);
  const s = canonicalStage(stage);
  if (typeof archiveExisting !== 'boolean')
    throw new InvalidParameter("Invalid value for 'archive_existing_versions': expected true or false.", 'archive_existing_versions');
  stageOp(store, { name: requireString('name', name), version: v, stage: s, archiveExisting, time: Date.now() });
  return getModelVersion(store, name, v);
}

const deleteVersionOp = defineOp('registry.deleteVersion', (store, a: { name: string; version: number; time: number }) => {
  versionRow(store, a.name, a.version);
  // MLflow keeps the row with a hidden stage so version numbers are never reused.
  store.run(
    "UPDATE model_versions SET current_stage = ?, last_updated_time = ?, description = '', source = 'REDACTED-SOURCE-PATH', run_id = '', run_link = '' WHERE name = ? AND version = ?",
    [DELETED, a.time, a.name, a.version],
  );
  store.run('DELETE FROM model_version_tags WHERE name = ? AND version = ?', [a.name, a.version]);
  store.run('DELETE FROM registered_model_aliases WHERE name = ? AND version = ?', [a.name, a.version]);
  store.changes.model(a.name);
});

export function deleteModelVersion(store: Store, name: string, version: unknown): void {
  deleteVersionOp(store, { name: requireString('name', name), version: parseVersion(version), time: Date.now() });
}

const versionTagOp = defineOp('registry.setVersionTag', (store, a: { name: string; version: number; key: string; value: string | null }) => {
  versionRow(store, a.name, a.version);
  if (a.value === null) {
    store.run('DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?', [a.name, a.version, a.key]);
  } else {
    store.run('INSERT OR REPLACE INTO model_version_tags(name, version, key, value) VALUES (?, ?, ?, ?)', [a.name, a.version, a.key, a.value]);
  }
  store.changes.model(a.name);
});

export function setModelVersionTag(store: Store, name: string, version: unknown, key: string, value: unknown): void {
  const [t] = validTags([{ key, value: value as string }]);
  versionTagOp(store, { name: requireString('name', name), version: parseVersion(version), key: t.key, value: t.value });
}

export function deleteModelVersionTag(store: Store, name: string, version: unknown, key: string): void {
  versionTagOp(store, { name: requireString('name', name), version: parseVersion(version), key: requireString('key', key), value: null });
}

export function validateAlias(alias: unknown): string {
  const a = requireString('alias', alias);
  if (a.length > LIMITS.aliasLength || !/^[\w-]*$/.test(a)) {
    throw new InvalidParameter(
      `Invalid alias name: '${a}'. Aliases may only contain alphanumerics, underscores and dashes, and be at most ${LIMITS.aliasLength} characters.`,
      'alias',
    );
  }
  if (a.toLowerCase() === 'latest' || /^v\d+$/i.test(a)) {
    throw new InvalidParameter(`'${a}' alias name (case insensitive) is reserved.`, 'alias');
  }
  return a;
}

/**
 * An alias as a person types it: the README and every models:/ URI write it `@champion`, so one leading `@`
 * (and surrounding spaces) is dropped before the name is checked. The REST API stays as strict as MLflow's.
 */
export function aliasFromInput(text: string): string {
  return validateAlias(text.trim().replace(/^@/, ''));
}

const aliasOp = defineOp('registry.setAlias', (store, a: { name: string; alias: string; version: number | null; time: number }) => {
  modelRow(store, a.name);
  if (a.version === null) {
    store.run('DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?', [a.name, a.alias]);
  } else {
    versionRow(store, a.name, a.version);
    store.run('INSERT OR REPLACE INTO registered_model_aliases(name, alias, version) VALUES (?, ?, ?)', [a.name, a.alias, a.version]);
  }
  store.run('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [a.time, a.name]);
  store.changes.model(a.name);
});

export function setRegisteredModelAlias(store: Store, name: string, alias: string, version: unknown): void {
  aliasOp(store, { name: requireString('name', name), alias: validateAlias(alias), version: parseVersion(version), time: Date.now() });
}

export function deleteRegisteredModelAlias(store: Store, name: string, alias: string): void {
  aliasOp(store, { name: requireString('name', name), alias: requireString('alias', alias), version: null, time: Date.now() });
}

export function getModelVersionByAlias(store: Store, name: string, alias: string): ModelVersion {
  const a = store.one<{ version: number }>('SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?', [
    requireString('name', name),
    requireString('alias', alias),
  ]);
  // MLflow: INVALID_PARAMETER_VALUE for a missing alias, whether or not the model exists.
  if (!a) throw new InvalidParameter(`Registered model alias ${alias} not found.`, 'alias');
  return getModelVersion(store, name, a.version);
}

/** The registry versions made from an MLflow 3 logged model (its `registrations`). */
export function registrationsOf(store: Store, modelId: string): { name: string; version: string }[] {
  return store
    .all<{ name: string; version: number }>('SELECT name, version FROM model_versions WHERE model_id = ? AND current_stage != ? ORDER BY name, version', [
      modelId,
      DELETED,
    ])
    .map((r) => ({ name: r.name, version: String(r.version) }));
}

/**
 * Where a version's files are (get-download-uri): its source, except that an MLflow 3 version made from
 * `models:/<model_id>` answers with the logged model's artifact location, as MLflow 3 does.
 */
export function versionDownloadUri(store: Store, name: string, version: unknown, loggedModelUri: (modelId: string) => string): string {
  const v = getModelVersion(store, name, version);
  const m = /^models:\/(m-[0-9a-f]+)\/?$/.exec(v.source);
  return m ? loggedModelUri(m[1]) : v.source;
}

export function getLatestVersions(store: Store, name: string, stages?: string[]): ModelVersion[] {
  modelRow(store, name);
  return latestPerStage(store, name, stages);
}
