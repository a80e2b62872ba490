import fs from 'node:fs';
import path from 'node:path';
import type { Database, SqlValue } from 'sql.js';
import { loadSqlJs } from '../store/sqljs';
import type { DatasetInput, KeyValue, LifecycleStage, RunStatus } from '../tracking/types';
import { RUN_STATUSES } from '../tracking/types';
import {
  NotAnMlflowSource,
  type MlflowSource,
  type SourceExperiment,
  type SourceMetric,
  type SourceModel,
  type SourceModelVersion,
  type SourceRun,
} from './source';

const MAGIC = 'SQLite format 3\0';

/** Reports whether SQLite file header bytes say the database is in WAL mode (read and write versions 2). */
export function isWalHeader(header: Uint8Array): boolean {
  return header.length >= 20 && header[18] === 2 && header[19] === 2;
}

/**
 * Opens MLflow's SQLAlchemy store (`mlflow.db`) read-only: the file is read into memory once and sql.js
 * works on that copy, so nothing is ever written back. A WAL-mode database is read as its main file alone
 * (rows still in `mlflow.db-wal` are not visible; a warning says so). Older schema versions are tolerated:
 * missing tables and columns read as empty or default.
 */
export async function openMlflowDb(file: string): Promise<MlflowSource> {
  const abs = path.resolve(file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(abs));
  } catch (e) {
    throw new NotAnMlflowSource(abs, `cannot read the file: ${(e as Error).message}`);
  }
  if (bytes.length < 100 || Buffer.from(bytes.subarray(0, 16)).toString('latin1') !== MAGIC) {
    throw new NotAnMlflowSource(
      abs,
      bytes.length < 100
        ? `not an SQLite database (only ${bytes.length} bytes)`
        : 'not an SQLite database (bad header); expected an mlflow.db or an mlruns folder',
    );
  }
  const warnings: string[] = [];
  if (isWalHeader(bytes)) {
    const wal = `${abs}-wal`;
    const walBytes = fs.existsSync(wal) ? fs.statSync(wal).size : 0;
    warnings.push(
      `${path.basename(abs)} is in WAL mode: rows MLflow has not checkpointed into the main file yet ` +
        (walBytes > 0 ? `(${walBytes} bytes in ${path.basename(wal)}) ` : '') +
        'are invisible to this import. Stop the MLflow server or client that writes it (or run `PRAGMA wal_checkpoint(TRUNCATE)` on it) and import again to get them.',
    );
    // Our copy only: version bytes 1 make SQLite read the main file as a rollback-journal database.
    bytes[18] = 1;
    bytes[19] = 1;
  }
  const SQL = await loadSqlJs();
  let db: Database;
  try {
    db = new SQL.Database(bytes);
    db.exec('PRAGMA query_only = ON');
    db.exec('SELECT count(*) FROM sqlite_master');
  } catch (e) {
    throw new NotAnMlflowSource(abs, `cannot be read as an SQLite database: ${(e as Error).message}`);
  }
  try {
    return new MlflowDbSource(abs, path.dirname(abs), db, warnings);
  } catch (e) {
    db.close();
    throw e;
  }
}

class MlflowDbSource implements MlflowSource {
  readonly kind = 'mlflow.db' as const;
  readonly schemaVersion: string | undefined;
  private readonly columns = new Map<string, Set<string>>();
  private counts: Map<string, number> | undefined;

  constructor(
    readonly path: string,
    readonly baseDir: string,
    private readonly db: Database,
    readonly warnings: string[],
  ) {
    for (const r of this.rows<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      this.columns.set(r.name, new Set(this.rows<{ name: string }>(`PRAGMA table_info("${r.name.replace(/"/g, '""')}")`).map((c) => c.name)));
    }
    for (const t of ['experiments', 'runs']) {
      if (!this.columns.has(t)) {
        throw new NotAnMlflowSource(path, `an SQLite database, but not an MLflow tracking database (it has no "${t}" table)`);
      }
    }
    for (const [t, c] of [
      ['experiments', 'experiment_id'],
      ['experiments', 'name'],
      ['runs', 'run_uuid'],
    ]) {
      if (!this.has(t, c)) throw new NotAnMlflowSource(path, `an SQLite database, but its "${t}" table has no "${c}" column; not an MLflow tracking database`);
    }
    this.schemaVersion = this.has('alembic_version', 'version_num')
      ? (this.rows<{ v: string }>('SELECT version_num AS v FROM alembic_version')[0]?.v ?? undefined)
      : undefined;
    if (!this.schemaVersion) warnings.push('no alembic_version found: a very old or hand-made MLflow database; whatever tables it has are imported');
  }

  private has(table: string, column?: string): boolean {
    const cols = this.columns.get(table);
    return !!cols && (column === undefined || cols.has(column));
  }

  /** `column` when the table has it, else the fallback expression, named as the column. */
  private col(table: string, column: string, fallback: string): string {
    return this.has(table, column) ? `"${column}"` : `${fallback} AS "${column}"`;
  }

  private rows<T = Record<string, SqlValue>>(sql: string, params: SqlValue[] = []): T[] {
    const stmt = this.db.prepare(sql);
    try {
      stmt.bind(params);
      const out: T[] = [];
      while (stmt.step()) out.push(stmt.getAsObject() as T);
      return out;
    } finally {
      stmt.free();
    }
  }

  experiments(): SourceExperiment[] {
    const tags = new Map<string, KeyValue[]>();
    if (this.has('experiment_tags', 'experiment_id')) {
      for (const t of this.rows<{ id: number; key: string; value: string | null }>(
        'SELECT experiment_id AS id, key, value FROM experiment_tags ORDER BY key',
      )) {
        push(tags, String(t.id), { key: t.key, value: t.value ?? '' });
      }
    }
    const e = 'experiments';
    return this.rows<{
      experiment_id: number;
      name: string;
      artifact_location: string | null;
      lifecycle_stage: string | null;
      creation_time: number | null;
      last_update_time: number | null;
    }>(
      `SELECT experiment_id, name, ${this.col(e, 'artifact_location', 'NULL')}, ${this.col(e, 'lifecycle_stage', "'active'")}, ${this.col(e, 'creation_time', 'NULL')}, ${this.col(e, 'last_update_time', 'NULL')} FROM experiments ORDER BY experiment_id`,
    ).map((r) => ({
      id: String(r.experiment_id),
      name: r.name,
      artifact_location: r.artifact_location ?? '',
      lifecycle_stage: stage(r.lifecycle_stage),
      creation_time: num(r.creation_time),
      last_update_time: num(r.last_update_time ?? r.creation_time),
      tags: tags.get(String(r.experiment_id)) ?? [],
    }));
  }

  runs(): SourceRun[] {
    const params = this.keyValues('params');
    const tags = this.keyValues('tags');
    const inputs = this.inputs();
    const r = 'runs';
    return this.rows<{
      run_uuid: string;
      name: string | null;
      experiment_id: number;
      user_id: string | null;
      status: string | null;
      start_time: number | null;
      end_time: number | null;
      deleted_time: number | null;
      lifecycle_stage: string | null;
      artifact_uri: string | null;
    }>(
      `SELECT run_uuid, ${this.col(r, 'name', 'NULL')}, ${this.col(r, 'experiment_id', '0')}, ${this.col(r, 'user_id', 'NULL')}, ${this.col(r, 'status', "'FINISHED'")}, ` +
        `${this.col(r, 'start_time', 'NULL')}, ${this.col(r, 'end_time', 'NULL')}, ${this.col(r, 'deleted_time', 'NULL')}, ${this.col(r, 'lifecycle_stage', "'active'")}, ` +
        `${this.col(r, 'artifact_uri', 'NULL')} FROM runs ORDER BY start_time, run_uuid`,
    ).map((row) => {
      const t = tags.get(row.run_uuid) ?? [];
      return {
        run_uuid: row.run_uuid,
        experiment_id: String(row.experiment_id ?? 0),
        name: row.name || t.find((x) => x.key === 'mlflow.runName')?.value || '',
        user_id: row.user_id ?? '',
        status: runStatus(row.status),
        start_time: num(row.start_time),
        end_time: row.end_time ?? null,
        lifecycle_stage: stage(row.lifecycle_stage),
        deleted_time: row.deleted_time ?? null,
        artifact_uri: row.artifact_uri ?? '',
        params: params.get(row.run_uuid) ?? [],
        tags: t,
        inputs: inputs.get(row.run_uuid) ?? [],
      };
    });
  }

  private keyValues(table: 'params' | 'tags'): Map<string, KeyValue[]> {
    const out = new Map<string, KeyValue[]>();
    if (!this.has(table, 'run_uuid')) return out;
    const stmt = this.db.prepare(`SELECT run_uuid, key, value FROM ${table} ORDER BY run_uuid, key`);
    try {
      while (stmt.step()) {
        const [run, key, value] = stmt.get() as [string, string, string | null];
        push(out, run, { key, value: value ?? '' });
      }
    } finally {
      stmt.free();
    }
    return out;
  }

  private inputs(): Map<string, DatasetInput[]> {
    const out = new Map<string, DatasetInput[]>();
    if (!this.has('inputs', 'destination_id') || !this.has('datasets', 'dataset_uuid')) return out;
    const tags = new Map<string, KeyValue[]>();
    if (this.has('input_tags', 'input_uuid')) {
      for (const t of this.rows<{ input_uuid: string; name: string; value: string }>('SELECT input_uuid, name, value FROM input_tags ORDER BY name')) {
        push(tags, t.input_uuid, { key: t.name, value: t.value ?? '' });
      }
    }
    const d = 'datasets';
    const rows = this.rows<{
      run: string;
      input_uuid: string;
      name: string;
      digest: string;
      dataset_source_type: string | null;
      dataset_source: string | null;
      dataset_schema: string | null;
      dataset_profile: string | null;
    }>(
      `SELECT i.destination_id AS run, i.input_uuid AS input_uuid, d.name AS name, d.digest AS digest, ${this.col(d, 'dataset_source_type', "''")}, ${this.col(d, 'dataset_source', "''")}, ` +
        `${this.col(d, 'dataset_schema', 'NULL')}, ${this.col(d, 'dataset_profile', 'NULL')} ` +
        "FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' ORDER BY d.name, d.digest",
    );
    for (const r of rows) {
      push(out, r.run, {
        tags: tags.get(r.input_uuid) ?? [],
        dataset: {
          name: r.name,
          digest: r.digest,
          source_type: r.dataset_source_type ?? '',
          source: r.dataset_source ?? '',
          ...(r.dataset_schema != null ? { schema: r.dataset_schema } : {}),
          ...(r.dataset_profile != null ? { profile: r.dataset_profile } : {}),
        },
      });
    }
    return out;
  }

  metricCount(runId: string): number {
    if (!this.counts) {
      this.counts = new Map();
      if (this.has('metrics', 'run_uuid')) {
        for (const r of this.rows<{ run_uuid: string; n: number }>('SELECT run_uuid, count(*) AS n FROM metrics GROUP BY run_uuid'))
          this.counts.set(r.run_uuid, r.n);
      }
    }
    return this.counts.get(runId) ?? 0;
  }

  metrics(runId: string): SourceMetric[] {
    if (!this.has('metrics', 'run_uuid')) return [];
    const m = 'metrics';
    // rowid order is the order MLflow inserted the points in (the table has a composite primary key, not WITHOUT ROWID).
    const stmt = this.db.prepare(
      `SELECT key, value, ${this.col(m, 'timestamp', '0')}, ${this.col(m, 'step', '0')}, ${this.col(m, 'is_nan', '0')} FROM metrics WHERE run_uuid = ? ORDER BY key, rowid`,
    );
    const byKey = new Map<string, { v: number[]; t: number[]; s: number[] }>();
    try {
      stmt.bind([runId]);
      let key = '';
      let cur: { v: number[]; t: number[]; s: number[] } | undefined;
      while (stmt.step()) {
        const row = stmt.get() as [string, number | null, number | null, number | null, number | null];
        if (!cur || row[0] !== key) {
          key = row[0];
          cur = byKey.get(key);
          if (!cur) byKey.set(key, (cur = { v: [], t: [], s: [] }));
        }
        cur.v.push(row[4] ? NaN : row[1] === null ? NaN : row[1]);
        cur.t.push(row[2] ?? 0);
        cur.s.push(row[3] ?? 0);
      }
    } finally {
      stmt.free();
    }
    return [...byKey].map(([key, c]) => ({ key, values: Float64Array.from(c.v), timestamps: Float64Array.from(c.t), steps: Float64Array.from(c.s) }));
  }

  models(): SourceModel[] {
    if (!this.has('registered_models', 'name')) return [];
    const tags = new Map<string, KeyValue[]>();
    if (this.has('registered_model_tags', 'name')) {
      for (const t of this.rows<{ name: string; key: string; value: string | null }>('SELECT name, key, value FROM registered_model_tags ORDER BY key'))
        push(tags, t.name, { key: t.key, value: t.value ?? '' });
    }
    const aliases = new Map<string, { alias: string; version: number }[]>();
    if (this.has('registered_model_aliases', 'alias')) {
      for (const a of this.rows<{ name: string; alias: string; version: number }>('SELECT name, alias, version FROM registered_model_aliases ORDER BY alias'))
        push(aliases, a.name, { alias: a.alias, version: Number(a.version) });
    }
    const versionTags = new Map<string, KeyValue[]>();
    if (this.has('model_version_tags', 'name')) {
      for (const t of this.rows<{ name: string; version: number; key: string; value: string | null }>(
        'SELECT name, version, key, value FROM model_version_tags ORDER BY key',
      )) {
        push(versionTags, `${t.name}\0${t.version}`, { key: t.key, value: t.value ?? '' });
      }
    }
    const versions = new Map<string, SourceModelVersion[]>();
    if (this.has('model_versions', 'name')) {
      const v = 'model_versions';
      const rows = this.rows<Record<string, SqlValue>>(
        `SELECT name, version, ${this.col(v, 'creation_time', 'NULL')}, ${this.col(v, 'last_updated_time', 'NULL')}, ${this.col(v, 'description', "''")}, ${this.col(v, 'user_id', "''")}, ` +
          `${this.col(v, 'current_stage', "'None'")}, ${this.col(v, 'source', "''")}, ${this.col(v, 'run_id', "''")}, ${this.col(v, 'run_link', "''")}, ${this.col(v, 'status', "'READY'")}, ` +
          `${this.col(v, 'status_message', "''")}, ${this.col(v, 'model_id', "''")} FROM model_versions ORDER BY name, version`,
      );
      for (const r of rows) {
        const name = String(r.name);
        push(versions, name, {
          version: Number(r.version),
          creation_time: num(r.creation_time as number | null),
          last_updated_time: num((r.last_updated_time ?? r.creation_time) as number | null),
          description: str(r.description),
          user_id: str(r.user_id),
          current_stage: str(r.current_stage) || 'None',
          source: str(r.source),
          run_id: str(r.run_id),
          run_link: str(r.run_link),
          status: str(r.status) || 'READY',
          status_message: str(r.status_message),
          model_id: str(r.model_id),
          tags: versionTags.get(`${name}\0${r.version}`) ?? [],
        });
      }
    }
    const m = 'registered_models';
    return this.rows<{ name: string; creation_time: number | null; last_updated_time: number | null; description: string | null }>(
      `SELECT name, ${this.col(m, 'creation_time', 'NULL')}, ${this.col(m, 'last_updated_time', 'NULL')}, ${this.col(m, 'description', "''")} FROM registered_models ORDER BY name`,
    ).map((r) => ({
      name: r.name,
      creation_time: num(r.creation_time),
      last_updated_time: num(r.last_updated_time ?? r.creation_time),
      description: r.description ?? '',
      tags: tags.get(r.name) ?? [],
      aliases: aliases.get(r.name) ?? [],
      versions: versions.get(r.name) ?? [],
    }));
  }

  close(): void {
    this.db.close();
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function num(v: number | null | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function str(v: SqlValue | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

export function stage(v: unknown): LifecycleStage {
  return v === 'deleted' ? 'deleted' : 'active';
}

export function runStatus(v: unknown): RunStatus {
  const s = String(v ?? '').toUpperCase();
  return (RUN_STATUSES as readonly string[]).includes(s) ? (s as RunStatus) : 'FINISHED';
}
