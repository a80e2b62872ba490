import fs from 'node:fs';
import path from 'node:path';
import type { Database, SqlValue, Statement } from 'sql.js';
import { writeFileAtomic } from './atomicFile';
import { ChangeFeed, type ChangeListener } from './changes';
import { CorruptStoreFile, MlopsError, OwnershipLost } from './errors';
import { Journal, type Durability } from './journal';
import { OwnerLock } from './lock';
import { keepCopiesBeforeRecovery, keepCopy, ownerNote, planJournals, readerNote, ReplayFailures, type OpenMode } from './recovery';
import { getMeta, migrate, setMeta } from './schema';
import { loadSqlJs, openWithSlack, slackFor } from './sqljs';

export interface StoreOptions {
  /** 'process' (default): an acknowledged write survives the death of this process. 'fsync': also power loss. */
  durability?: Durability;
  /** Snapshot this often when something changed (ms). Default 30 s. */
  snapshotIntervalMs?: number;
  /** Snapshot when the journal grows past this many bytes. Default 64 MiB. */
  journalMaxBytes?: number;
  /** Wait this long for another owner to let go of the store. Default 0: fail at once. */
  lockWaitMs?: number;
  /** Open a damaged store using whatever is intact, keeping copies of the damaged files. */
  recover?: boolean;
  /** Debounce of change events (ms). Default 100. */
  changeDebounceMs?: number;
  /**
   * Read what is there without becoming the owner: no lock, nothing written, writes refused. For readers
   * (the CLI's list commands) while another process owns the store; they see every acknowledged write.
   */
  readOnly?: boolean;
}

/** What opening the store had to do about damage or an unclean shutdown. */
export interface OpenReport {
  replayedRecords: number;
  /** Human-readable notes: torn final records, fallbacks, copies kept. Empty after a clean shutdown. */
  notes: string[];
  /** Damaged files that were copied aside before recovery. */
  keptCopies: string[];
}

export type ApplyFn = (store: Store, args: any, bin?: Uint8Array) => unknown;
const OPS = new Map<string, ApplyFn>();
/** Operations that keep Store.memo correct themselves; every other operation clears it. */
const MEMO_SAFE = new Set<string>();

/**
 * Declares a journaled operation. The returned function validates and applies it inside a savepoint,
 * appends it to the journal, and only then commits: a write is acknowledged only once it is journaled.
 * Ids and timestamps must be chosen by the caller and passed in `args`, so replay is deterministic.
 */
export function defineOp<A, R>(name: string, apply: (store: Store, args: A, bin?: Uint8Array) => R, opts: { keepsMemo?: boolean } = {}) {
  if (OPS.has(name)) throw new Error(`operation ${name} defined twice`);
  OPS.set(name, apply as ApplyFn);
  if (opts.keepsMemo) MEMO_SAFE.add(name);
  return (store: Store, args: A, bin?: Uint8Array): R => store.mutate(name, args, bin) as R;
}

export const STORE_DIR = '.mlops';
export const SNAPSHOT = 'store.snapshot';
export const JOURNAL = 'store.journal';
const PREV = '.prev';
/** How often (journal bytes) the owner checks that the database still has room to grow, and the least room. */
const ROOM_CHECK_BYTES = 1024 * 1024;
const ROOM_MARGIN = 8 * 1024 * 1024;

export class Store {
  readonly changes: ChangeFeed;
  /**
   * Derived values of the hot write path (run rows, next chunk numbers, latest metrics), so a single
   * log-metric call does not re-read them. Cleared by any operation not marked keepsMemo, on rollback,
   * and on snapshot: it can only ever be missing, never stale.
   */
  readonly memo = new Map<string, unknown>();
  private readonly stmts = new Map<string, Statement>();
  private journal!: Journal;
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private replaying = false;
  private closed = false;
  private snapshotPending = false;
  /** Size of the database file in sql.js's file system: its pages plus the zeros it may grow into. */
  private fileBytes: number;
  private roomCheckedAt = 0;
  private SQL!: Awaited<ReturnType<typeof loadSqlJs>>;
  readonly report: OpenReport = { replayedRecords: 0, notes: [], keptCopies: [] };

  private constructor(
    readonly dir: string,
    private database: Database,
    fileBytes: number,
    private readonly lock: OwnerLock | undefined,
    private readonly opts: Required<Omit<StoreOptions, 'recover' | 'lockWaitMs'>>,
  ) {
    this.changes = new ChangeFeed(opts.changeDebounceMs);
    this.fileBytes = fileBytes;
  }

  /** The SQLite database. It is replaced when a snapshot gives it more room to grow: do not keep it. */
  get db(): Database {
    return this.database;
  }

  /** The `.mlops` folder of a workspace. */
  static dirOf(workspace: string): string {
    return path.join(workspace, STORE_DIR);
  }

  static exists(workspace: string): boolean {
    const dir = Store.dirOf(workspace);
    return [SNAPSHOT, SNAPSHOT + PREV, JOURNAL].some((f) => fs.existsSync(path.join(dir, f)));
  }

  /**
   * Opens (or creates) the store of a workspace and becomes its only owner. Loads the newest intact
   * snapshot and replays the journal written after it.
   */
  static async open(workspace: string, options: StoreOptions = {}): Promise<Store> {
    const dir = Store.dirOf(workspace);
    const readOnly = !!options.readOnly;
    // Ownership first: a refused owner creates nothing.
    const lock = readOnly
      ? undefined
      : await OwnerLock.acquire(path.join(dir, 'store.lock'), { waitMs: options.lockWaitMs, serverUrl: () => readServerUrl(dir) });
    try {
      if (!readOnly) ensureGitignore(dir);
      const SQL = await loadSqlJs();
      const opts = {
        durability: options.durability ?? 'process',
        snapshotIntervalMs: options.snapshotIntervalMs ?? 30_000,
        journalMaxBytes: options.journalMaxBytes ?? 64 * 1024 * 1024,
        changeDebounceMs: options.changeDebounceMs ?? 100,
        readOnly,
      };
      const report: OpenReport = { replayedRecords: 0, notes: [], keptCopies: [] };
      const mode: OpenMode = readOnly ? 'read' : options.recover ? 'recover' : 'owner';
      const loaded = loadNewestSnapshot(SQL, dir, mode, report);
      const store = new Store(dir, loaded.db, loaded.fileBytes, lock, opts);
      store.SQL = SQL;
      store.tune();
      Object.assign(store.report, report);
      migrate(store.db);
      store.generation = loaded.generation;
      // Without any snapshot the journals' creates need the Default experiment, which only the lost snapshot held.
      if (loaded.generation < 0) OPS.get('store.createDefaultExperiment')!(store, { time: Date.now() });
      store.replayJournals(mode);
      if (readOnly) return store;
      store.ensureDefaults();
      lock!.onCheck = () => store.restoreFilesIfGone();
      store.timer = setInterval(() => store.snapshotIfDirty(), opts.snapshotIntervalMs);
      store.timer.unref();
      return store;
    } catch (e) {
      lock?.release();
      throw e;
    }
  }

  private replayJournals(mode: OpenMode): void {
    const files = { prev: path.join(this.dir, JOURNAL + PREV), current: path.join(this.dir, JOURNAL) };
    // An owner refuses to skip damage without consent (recover); readers and recovery keep every intact record.
    const plan = planJournals(files, this.generation, mode);
    const failures = new ReplayFailures();
    this.replaying = true;
    this.db.exec('BEGIN');
    try {
      for (const p of plan.filter((j) => j.replay)) {
        if (p.generation > this.generation && this.generation >= 0) {
          this.report.notes.push(`${path.basename(p.file)} continues generation ${p.generation}, but the snapshot is at ${this.generation}; its records are applied after the snapshot`);
        }
        for (const rec of p.read.records) this.replayRecord(p.file, rec, failures);
        if (mode === 'read') {
          const note = readerNote(p);
          if (note) this.report.notes.push(note);
        } else if (p.read.lostBytes > 0) {
          this.report.notes.push(ownerNote(p, keepCopy(p.file, this.report, 'damaged')));
        }
      }
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.replaying = false;
      this.memo.clear();
    }
    this.report.notes.push(...failures.notes());
    if (mode === 'read') return;
    const current = plan.find((p) => p.file === files.current)!;
    const startGen = this.generation;
    this.generation = Math.max(0, this.generation, ...plan.filter((p) => p.replay).map((p) => p.generation));
    const validBytes = current.generation === this.generation && !current.read.headerDamaged ? current.read.validBytes : 0;
    if (current.read.generation >= 0 && current.read.generation < startGen) {
      // The snapshot already holds this journal (a crash came between snapshot and rotation).
      this.report.notes.push('the journal was already contained in the snapshot; started a new one');
    }
    if (mode === 'recover' && this.report.notes.length) {
      keepCopiesBeforeRecovery(this.dir, [SNAPSHOT, SNAPSHOT + PREV, JOURNAL, JOURNAL + PREV], this.report);
    }
    this.journal = Journal.open(files.current, this.opts.durability, this.generation, validBytes);
    if (this.report.replayedRecords > 0) this.dirty = true;
    // After a fallback the files on disk no longer line up; a fresh snapshot makes them consistent again.
    if (this.generation !== startGen || this.report.keptCopies.length) this.snapshot();
  }

  private replayRecord(file: string, rec: { op: string; args: unknown; bin?: Uint8Array }, failures: ReplayFailures) {
    if (!MEMO_SAFE.has(rec.op)) this.memo.clear();
    const apply = OPS.get(rec.op);
    if (!apply) throw new CorruptStoreFile(file, `unknown operation "${rec.op}" (written by a newer version?)`);
    try {
      apply(this, rec.args, rec.bin);
      if (!MEMO_SAFE.has(rec.op)) this.memo.clear();
    } catch (e) {
      // A record that was acknowledged applied cleanly once; failing now means the files disagree.
      this.memo.clear();
      failures.add(file, rec.op, (e as Error).message);
    }
    this.report.replayedRecords++;
  }

  /**
   * The store's files were deleted under the owner (`git clean -fdx`, `rm -rf .mlops`): it still holds every
   * acknowledged write in memory, so it writes them out again rather than let the next open lose them.
   */
  private restoreFilesIfGone() {
    if (this.closed || fs.existsSync(path.join(this.dir, JOURNAL))) return;
    try {
      ensureGitignore(this.dir);
      this.snapshot();
    } catch {
      // Tried again at the next check.
    }
  }

  /** Whether this process still owns the store (re-checks the lock; see OwnerLock.verify). */
  private ownerOk(): boolean {
    return !this.lock || this.lock.verify();
  }

  private ensureDefaults() {
    const hasDefault = this.db.exec('SELECT 1 FROM experiments WHERE experiment_id = 0');
    if (!hasDefault.length) this.mutate('store.createDefaultExperiment', { time: Date.now() });
  }

  /**
   * Durability is our journal's job, so SQLite's own rollback journal and syncs (inside sql.js's in-memory
   * file system) are pure overhead. export() resets pragmas, so this runs again after every snapshot.
   */
  private tune() {
    this.db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536');
  }

  /** A cached prepared statement. export() frees statements, so the cache is cleared on snapshot. */
  stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Runs a query and returns its rows as objects. */
  all<T = Record<string, SqlValue>>(sql: string, params: SqlValue[] = []): T[] {
    const s = this.stmt(sql);
    s.bind(params);
    const out: T[] = [];
    try {
      while (s.step()) out.push(s.getAsObject() as T);
    } finally {
      s.reset();
    }
    return out;
  }

  one<T = Record<string, SqlValue>>(sql: string, params: SqlValue[] = []): T | undefined {
    const s = this.stmt(sql);
    s.bind(params);
    try {
      return s.step() ? (s.getAsObject() as T) : undefined;
    } finally {
      s.reset();
    }
  }

  run(sql: string, params: SqlValue[] = []): void {
    const s = this.stmt(sql);
    s.run(params);
    s.reset();
  }

  get replayingJournal(): boolean {
    return this.replaying;
  }

  /** Applies a journaled operation. See defineOp. */
  mutate(op: string, args: unknown, bin?: Uint8Array): unknown {
    if (this.closed) throw new MlopsError('INVALID_STATE', 'the store is closed');
    if (this.opts.readOnly) {
      throw new MlopsError('TEMPORARILY_UNAVAILABLE', `the store is open read-only (another process owns ${this.dir}); send writes to the owner's server`);
    }
    if (this.lock?.lost) throw new OwnershipLost(this.lock.file, this.lock.lostTo!.pid);
    const apply = OPS.get(op);
    if (!apply) throw new Error(`unknown store operation ${op}`);
    if (!MEMO_SAFE.has(op)) this.memo.clear();
    this.db.exec('SAVEPOINT op');
    let result: unknown;
    try {
      result = apply(this, args, bin);
      this.journal.append({ op, args, bin });
    } catch (e) {
      this.memo.clear();
      this.db.exec('ROLLBACK TO op');
      this.db.exec('RELEASE op');
      throw e;
    }
    this.db.exec('RELEASE op');
    // An operation that is not memo-safe may have read rows into the memo before changing them.
    if (!MEMO_SAFE.has(op)) this.memo.clear();
    this.dirty = true;
    if (this.journal.bytes > this.opts.journalMaxBytes) this.scheduleSnapshot();
    else if (this.journal.bytes - this.roomCheckedAt > ROOM_CHECK_BYTES) {
      // Running out of room to grow: a snapshot gives the database new room (keepRoomToGrow).
      this.roomCheckedAt = this.journal.bytes;
      if (this.fileBytes - this.usedBytes() < ROOM_MARGIN) this.scheduleSnapshot();
    }
    return result;
  }

  private scheduleSnapshot() {
    if (this.snapshotPending) return;
    this.snapshotPending = true;
    setImmediate(() => {
      this.snapshotPending = false;
      if (!this.closed && this.ownerOk()) this.snapshot();
    });
  }

  /** Bytes of the database's pages (the file in sql.js's file system may be larger: room to grow). */
  private usedBytes(): number {
    const r = this.db.exec('PRAGMA page_count; PRAGMA page_size');
    return Number(r[0].values[0][0]) * Number(r[1].values[0][0]);
  }

  onDidChange(listener: ChangeListener) {
    return this.changes.onDidChange(listener);
  }

  get journalBytes(): number {
    return this.journal.bytes;
  }

  snapshotIfDirty(): void {
    if (this.dirty && !this.closed && !this.opts.readOnly && this.ownerOk()) this.snapshot();
  }

  /**
   * Writes an atomic snapshot and starts a new journal generation. The previous snapshot and journal are
   * kept as `.prev`, so one damaged snapshot can be recovered from the one before it.
   */
  snapshot(final = false): void {
    // A snapshot of a store another owner took would overwrite that owner's files.
    if (!this.ownerOk()) throw new OwnershipLost(this.lock!.file, this.lock!.lostTo!.pid);
    this.memo.clear();
    for (const hook of snapshotHooks) hook(this);
    const next = this.generation + 1;
    setMeta(this.db, 'journal_generation', String(next));
    this.clearStatements();
    const bytes = this.db.export();
    this.tune();
    const snap = path.join(this.dir, SNAPSHOT);
    const tmp = path.join(this.dir, `.${SNAPSHOT}.tmp`);
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeFileSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (fs.existsSync(snap)) fs.renameSync(snap, snap + PREV);
    fs.renameSync(tmp, snap);
    // From here the snapshot holds every journaled record; rotate the journal.
    this.journal.close();
    const jfile = path.join(this.dir, JOURNAL);
    if (fs.existsSync(jfile)) fs.renameSync(jfile, jfile + PREV);
    this.generation = next;
    this.journal = Journal.open(jfile, this.opts.durability, next, 0);
    this.dirty = false;
    this.roomCheckedAt = 0;
    if (!final) this.keepRoomToGrow(bytes);
  }

  /**
   * Reopens the database from the snapshot just written, with fresh room to grow, once less than a quarter
   * of the room it should have is left (or sql.js had to grow the file itself). The image is the one now
   * on disk, so nothing can be lost in between; statements were already freed by the snapshot.
   */
  private keepRoomToGrow(image: Uint8Array): void {
    const want = slackFor(image.length);
    if (this.fileBytes - image.length >= want / 4) return;
    this.database.close();
    try {
      const reopened = openWithSlack(this.SQL, image, want);
      this.database = reopened.db;
      this.fileBytes = reopened.fileBytes;
    } catch {
      // Not enough memory for the padding: carry on without it (sql.js grows the file as it goes).
      this.database = new this.SQL.Database(image);
      this.fileBytes = image.length;
    }
    this.tune();
  }

  private clearStatements() {
    for (const s of this.stmts.values()) {
      try {
        s.free();
      } catch {
        /* freed by export already */
      }
    }
    this.stmts.clear();
  }

  /** Snapshots, releases ownership and frees memory. */
  close(): void {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    try {
      if (this.dirty && !this.opts.readOnly && this.ownerOk()) this.snapshot(true);
    } finally {
      this.closed = true;
      this.changes.flush();
      this.changes.dispose();
      this.journal?.close();
      this.clearStatements();
      this.db.close();
      this.lock?.release();
    }
  }

  get isClosed() {
    return this.closed;
  }

  get isReadOnly() {
    return this.opts.readOnly;
  }
}

/** Physical reorganisations run before each snapshot (e.g. merging small metric chunks). Not journaled. */
const snapshotHooks: ((store: Store) => void)[] = [];
export function beforeSnapshot(hook: (store: Store) => void) {
  snapshotHooks.push(hook);
}

defineOp('store.createDefaultExperiment', (store, args: { time: number }) => {
  store.run(
    "INSERT OR IGNORE INTO experiments(experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', ?, ?)",
    [args.time, args.time],
  );
});

/**
 * The newest intact snapshot. An owner refuses a damaged one; recovery keeps a copy and falls back; a reader
 * falls back in memory, changing nothing.
 */
function loadNewestSnapshot(SQL: Awaited<ReturnType<typeof loadSqlJs>>, dir: string, mode: OpenMode, report: OpenReport) {
  const writable = mode !== 'read';
  const snap = path.join(dir, SNAPSHOT);
  const candidates = [snap, snap + PREV].filter((f) => fs.existsSync(f));
  const problems: string[] = [];
  for (const file of candidates) {
    try {
      const { db, fileBytes } = openSnapshot(SQL, file, writable);
      const generation = Number(getMeta(db, 'journal_generation') ?? '0');
      if (file !== snap) {
        if (fs.existsSync(snap)) report.notes.push(`used the previous snapshot ${path.basename(file)}`);
        else report.notes.push('resumed from the previous snapshot (the last snapshot was interrupted)');
      }
      return { db, fileBytes, generation };
    } catch (e) {
      const err = e as Error;
      problems.push(`${file}: ${err.message}`);
      if (mode === 'owner') {
        throw new CorruptStoreFile(
          file,
          `${err.message}. Nothing was changed. Open with recovery (mlops store recover) to fall back to ` +
            `${candidates.length > 1 ? 'the previous snapshot and both journals' : 'the journal alone'}; a copy of the damaged file is kept.`,
        );
      }
      if (mode === 'read') {
        report.notes.push(`${path.basename(file)} is damaged (${err.message}); showing what the older files hold. Nothing was changed; run "mlops store recover" to repair it`);
        continue;
      }
      const copy = keepCopy(file, report, 'damaged');
      report.notes.push(`${path.basename(file)} is damaged (${err.message}); copy kept at ${path.basename(copy)}`);
    }
  }
  if (problems.length) {
    report.notes.push(
      'no intact snapshot: rebuilt from the journals alone; what only the snapshots held (anything older than the older journal) is missing' +
        (mode === 'read' ? '' : ', and is in the copies kept'),
    );
  }
  const fresh = writable ? openWithSlack(SQL, undefined, slackFor(0)) : { db: new SQL.Database(), fileBytes: 0 };
  return { ...fresh, generation: candidates.length && problems.length ? -1 : 0 };
}

/** Opens a snapshot; an owner's copy gets room to grow (see openWithSlack), a reader's does not. */
function openSnapshot(SQL: Awaited<ReturnType<typeof loadSqlJs>>, file: string, writable: boolean): { db: Database; fileBytes: number } {
  const bytes = fs.readFileSync(file);
  const magic = 'SQLite format 3\0';
  if (bytes.length < 100 || bytes.subarray(0, 16).toString('latin1') !== magic) {
    throw new Error(bytes.length < 100 ? `truncated (${bytes.length} bytes)` : 'not an SQLite database (bad header)');
  }
  const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
  const pages = bytes.readUInt32BE(28);
  if (pages > 0 && bytes.length < pages * pageSize) {
    throw new Error(`truncated: ${bytes.length} bytes, the header promises ${pages * pageSize}`);
  }
  const { db, fileBytes } = writable ? openWithSlack(SQL, bytes, slackFor(bytes.length)) : { db: new SQL.Database(bytes), fileBytes: bytes.length };
  try {
    const check = db.exec('PRAGMA quick_check');
    const verdict = String(check[0]?.values[0]?.[0] ?? '');
    if (verdict !== 'ok') throw new Error(`integrity check failed: ${verdict}`);
  } catch (e) {
    db.close();
    throw e instanceof Error ? e : new Error(String(e));
  }
  return { db, fileBytes };
}

function ensureGitignore(dir: string) {
  const f = path.join(dir, '.gitignore');
  if (!fs.existsSync(f)) {
    // The store itself is committed by choice; runtime files never are.
    writeFileAtomic(f, '# written by MLOps Workbench\nstore.lock\nserver.json\n*.tmp\n*.damaged-*\n*.before-recover-*\nenvs/\n', 0o644);
  }
}

function readServerUrl(dir: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'server.json'), 'utf8')).url;
  } catch {
    return undefined;
  }
}
