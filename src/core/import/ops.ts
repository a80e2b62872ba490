import { defineOp } from '../store/store';
import { AlreadyExists, NotFound } from '../errors';
import { applyMetrics } from '../tracking/metrics';
import { runRow } from '../tracking/runs';
import type { KeyValue, RunStatus } from '../tracking/types';
import type { SourceExperiment, SourceModelVersion, SourceRun } from './source';

/**
 * Journaled writes of the MLflow import. Unlike the REST-facing operations they keep MLflow's ids, times and
 * lifecycle stages (a deleted run is imported deleted), and they only ever add: rows that exist already are
 * left as they are (INSERT OR IGNORE), so replaying or repeating an import never duplicates anything.
 * Every one announces a whole-store change, so the trees refresh.
 */

/** An experiment as MLflow stored it, with the (numeric) id it gets in this store. */
export type ImportExperimentArgs = Omit<SourceExperiment, 'id'> & { id: number };

export const importExperiment = defineOp('import.experiment', (store, a: ImportExperimentArgs) => {
  const clash = store.one<{ experiment_id: number; name: string }>('SELECT experiment_id, name FROM experiments WHERE name = ? OR experiment_id = ?', [
    a.name,
    a.id,
  ]);
  if (clash) throw new AlreadyExists(`Experiment '${clash.name}' (id ${clash.experiment_id}) already exists.`);
  store.run('INSERT INTO experiments(experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, ?)', [
    a.id,
    a.name,
    a.artifact_location,
    a.lifecycle_stage,
    a.creation_time,
    a.last_update_time,
  ]);
  for (const t of a.tags) store.run('INSERT OR IGNORE INTO experiment_tags(experiment_id, key, value) VALUES (?, ?, ?)', [a.id, t.key, t.value]);
  store.changes.everything();
});

export const importExperimentTags = defineOp('import.experimentTags', (store, a: { id: number; tags: KeyValue[] }) => {
  if (!store.one('SELECT 1 AS x FROM experiments WHERE experiment_id = ?', [a.id])) throw new NotFound(`No Experiment with id=${a.id} exists`);
  for (const t of a.tags) store.run('INSERT OR IGNORE INTO experiment_tags(experiment_id, key, value) VALUES (?, ?, ?)', [a.id, t.key, t.value]);
  store.changes.everything();
});

/** A run's row as MLflow had it, with the experiment id it has in this store. */
export type ImportRunRow = Pick<SourceRun, 'name' | 'user_id' | 'status' | 'start_time' | 'end_time' | 'lifecycle_stage' | 'deleted_time' | 'artifact_uri'> & {
  experiment_id: number;
};

export type ImportRunArgs = Pick<SourceRun, 'params' | 'tags' | 'inputs'> & {
  id: string;
  /** Present when the run is new: its row, as MLflow had it. */
  row?: ImportRunRow;
  /** For a run imported before that has since finished in MLflow. */
  finish?: { status: RunStatus; end_time: number | null };
};

export const importRun = defineOp('import.run', (store, a: ImportRunArgs) => {
  if (a.row) {
    const r = a.row;
    if (store.one('SELECT 1 AS x FROM runs WHERE run_uuid = ?', [a.id])) throw new AlreadyExists(`Run ${a.id} already exists.`);
    if (!store.one('SELECT 1 AS x FROM experiments WHERE experiment_id = ?', [r.experiment_id]))
      throw new NotFound(`No Experiment with id=${r.experiment_id} exists`);
    store.run(
      'INSERT INTO runs(run_uuid, name, experiment_id, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, deleted_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [a.id, r.name, r.experiment_id, r.user_id, r.status, r.start_time, r.end_time, r.lifecycle_stage, r.artifact_uri, r.deleted_time],
    );
  } else {
    runRow(store, a.id);
  }
  if (a.finish) store.run('UPDATE runs SET status = ?, end_time = ? WHERE run_uuid = ?', [a.finish.status, a.finish.end_time, a.id]);
  for (const p of a.params) store.run('INSERT OR IGNORE INTO params(run_uuid, key, value) VALUES (?, ?, ?)', [a.id, p.key, p.value]);
  for (const t of a.tags) store.run('INSERT OR IGNORE INTO tags(run_uuid, key, value) VALUES (?, ?, ?)', [a.id, t.key, t.value]);
  for (const d of a.inputs) {
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
  store.changes.everything();
});

/**
 * Metric points of one run, grouped by key: `counts[k]` points of `keys[k]`, in that order, and the binary
 * payload holds all values, then all timestamps, then all steps (Float64, so NaN and ±Inf stay exact).
 * Works on deleted runs too (an imported deleted run keeps its history).
 */
export const importMetrics = defineOp(
  'import.metrics',
  (store, a: { id: string; keys: string[]; counts: number[] }, bin?: Uint8Array) => {
    runRow(store, a.id);
    const ki: number[] = [];
    a.counts.forEach((n, k) => {
      for (let i = 0; i < n; i++) ki.push(k);
    });
    applyMetrics(store, a.id, a.keys, ki, bin);
    store.changes.everything();
  },
  { journal: () => undefined },
); // the points are in the segments, nothing else to journal

/** A model version as MLflow stored it (see SourceModelVersion). */
export type ImportVersionArgs = SourceModelVersion;

export interface ImportModelArgs {
  name: string;
  /** Present when the model is new. */
  model?: { creation_time: number; last_updated_time: number; description: string };
  tags: KeyValue[];
  versions: ImportVersionArgs[];
  /** Version tags to add to versions that exist already. */
  versionTags: { version: number; key: string; value: string }[];
  aliases: { alias: string; version: number }[];
}

export const importModel = defineOp('import.model', (store, a: ImportModelArgs) => {
  if (a.model) {
    store.run('INSERT OR IGNORE INTO registered_models(name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?)', [
      a.name,
      a.model.creation_time,
      a.model.last_updated_time,
      a.model.description,
    ]);
  } else if (!store.one('SELECT 1 AS x FROM registered_models WHERE name = ?', [a.name])) {
    throw new NotFound(`Registered Model with name=${a.name} not found`);
  }
  for (const t of a.tags) store.run('INSERT OR IGNORE INTO registered_model_tags(name, key, value) VALUES (?, ?, ?)', [a.name, t.key, t.value]);
  for (const v of a.versions) {
    store.run(
      'INSERT OR IGNORE INTO model_versions(name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, run_link, status, status_message, model_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        a.name,
        v.version,
        v.creation_time,
        v.last_updated_time,
        v.description,
        v.user_id,
        v.current_stage,
        v.source,
        v.run_id,
        v.run_link,
        v.status,
        v.status_message,
        v.model_id,
      ],
    );
    for (const t of v.tags)
      store.run('INSERT OR IGNORE INTO model_version_tags(name, version, key, value) VALUES (?, ?, ?, ?)', [a.name, v.version, t.key, t.value]);
  }
  for (const t of a.versionTags)
    store.run('INSERT OR IGNORE INTO model_version_tags(name, version, key, value) VALUES (?, ?, ?, ?)', [a.name, t.version, t.key, t.value]);
  for (const al of a.aliases) {
    if (store.one('SELECT 1 AS x FROM model_versions WHERE name = ? AND version = ?', [a.name, al.version])) {
      store.run('INSERT OR IGNORE INTO registered_model_aliases(name, alias, version) VALUES (?, ?, ?)', [a.name, al.alias, al.version]);
    }
  }
  store.changes.everything();
});
