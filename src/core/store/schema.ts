import type { Database } from 'sql.js';

/**
 * The store's schema, modelled on MLflow's entities. Metric histories live in segment files, not here
 * (v2): metric_chunks indexes them. latest_metrics keeps the latest value per run × key by MLflow's
 * (step, timestamp, value) ordering.
 */
export const SCHEMA_VERSION = 2;

const V1 = `
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE experiments (
  experiment_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  creation_time INTEGER NOT NULL,
  last_update_time INTEGER NOT NULL
);
CREATE TABLE experiment_tags (
  experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
  key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
);

CREATE TABLE runs (
  run_uuid TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
  user_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  artifact_uri TEXT NOT NULL,
  deleted_time INTEGER
);
CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time DESC);

CREATE TABLE params (
  run_uuid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (run_uuid, key)
);
CREATE TABLE tags (
  run_uuid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (run_uuid, key)
);
CREATE INDEX tags_by_key ON tags(key, value);

CREATE TABLE latest_metrics (
  run_uuid TEXT NOT NULL, key TEXT NOT NULL,
  value REAL, timestamp INTEGER NOT NULL, step INTEGER NOT NULL, is_nan INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_uuid, key)
);
CREATE TABLE metric_chunks (
  run_uuid TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
  n INTEGER NOT NULL, steps BLOB NOT NULL, timestamps BLOB NOT NULL, vals BLOB NOT NULL,
  PRIMARY KEY (run_uuid, key, seq)
);

CREATE TABLE run_inputs (
  run_uuid TEXT NOT NULL,
  name TEXT NOT NULL, digest TEXT NOT NULL,
  source_type TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '',
  schema TEXT, profile TEXT, tags TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (run_uuid, name, digest)
);
CREATE TABLE run_outputs (
  run_uuid TEXT NOT NULL, model_id TEXT NOT NULL, step INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_uuid, model_id)
);

CREATE TABLE registered_models (
  name TEXT PRIMARY KEY,
  creation_time INTEGER NOT NULL,
  last_updated_time INTEGER NOT NULL,
  description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE registered_model_tags (
  name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (name, key)
);
CREATE TABLE registered_model_aliases (
  name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL,
  PRIMARY KEY (name, alias)
);
CREATE TABLE model_versions (
  name TEXT NOT NULL, version INTEGER NOT NULL,
  creation_time INTEGER NOT NULL, last_updated_time INTEGER NOT NULL,
  description TEXT NOT NULL DEFAULT '', user_id TEXT NOT NULL DEFAULT '',
  current_stage TEXT NOT NULL DEFAULT 'None',
  source TEXT NOT NULL, run_id TEXT NOT NULL DEFAULT '', run_link TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'READY', status_message TEXT NOT NULL DEFAULT '',
  model_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (name, version)
);
CREATE INDEX model_versions_by_run ON model_versions(run_id);
CREATE TABLE model_version_tags (
  name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (name, version, key)
);

CREATE TABLE logged_models (
  model_id TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  artifact_location TEXT NOT NULL,
  creation_time INTEGER NOT NULL, last_updated_time INTEGER NOT NULL,
  status TEXT NOT NULL, status_message TEXT NOT NULL DEFAULT '',
  model_type TEXT NOT NULL DEFAULT '', source_run_id TEXT NOT NULL DEFAULT '',
  lifecycle_stage TEXT NOT NULL DEFAULT 'active'
);
CREATE TABLE logged_model_tags (
  model_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key)
);
CREATE TABLE logged_model_params (
  model_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key)
);
`;

/**
 * v2: the points leave the image for segment files (store/segments.ts); metric_chunks becomes their index
 * (where each chunk is, and its summary). The old table is kept as legacy_metric_chunks until the metrics
 * module has moved its points into segments (tracking/pointIndex.ts), in the same open.
 */
const V2 = `
ALTER TABLE metric_chunks RENAME TO legacy_metric_chunks;
CREATE TABLE metric_chunks (
  run_uuid TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, n INTEGER NOT NULL,
  seg INTEGER NOT NULL, off INTEGER NOT NULL, nb INTEGER NOT NULL, sa INTEGER NOT NULL, da INTEGER NOT NULL,
  first_step REAL NOT NULL, first_ts REAL NOT NULL, last_step REAL NOT NULL, last_ts REAL NOT NULL,
  min_step REAL NOT NULL, max_step REAL NOT NULL, min_ts REAL NOT NULL, max_ts REAL NOT NULL, sorted INTEGER NOT NULL,
  PRIMARY KEY (run_uuid, key, seq)
);
`;

/** Migrations from version i to i+1 live at index i. Version 0 is an empty database. */
const MIGRATIONS: ((db: Database) => void)[] = [(db) => db.exec(V1), (db) => db.exec(V2)];

export function schemaVersion(db: Database): number {
  const r = db.exec("SELECT name FROM sqlite_master WHERE type='table' AND name='store_meta'");
  if (!r.length) return 0;
  const v = db.exec("SELECT value FROM store_meta WHERE key='schema_version'");
  return v.length ? Number(v[0].values[0][0]) : 0;
}

/** Brings a database up to SCHEMA_VERSION. Returns the version it started at. */
export function migrate(db: Database): number {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new Error(`the store has schema version ${from}, newer than this build understands (${SCHEMA_VERSION}); update MLOps Workbench`);
  }
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.exec('BEGIN');
    try {
      MIGRATIONS[v](db);
      db.run("INSERT OR REPLACE INTO store_meta(key, value) VALUES ('schema_version', ?)", [String(v + 1)]);
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
  }
  return from;
}

export function getMeta(db: Database, key: string): string | undefined {
  const stmt = db.prepare('SELECT value FROM store_meta WHERE key = ?');
  try {
    stmt.bind([key]);
    return stmt.step() ? String(stmt.get()[0]) : undefined;
  } finally {
    stmt.free();
  }
}

export function setMeta(db: Database, key: string, value: string): void {
  db.run('INSERT OR REPLACE INTO store_meta(key, value) VALUES (?, ?)', [key, value]);
}
