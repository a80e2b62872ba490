import fs from 'node:fs';
import path from 'node:path';
import type { Database, SqlValue, Statement } from 'sql.js';
import { writeFileAtomic } from './atomicFile';
import { ChangeFeed, type ChangeListener } from './changes';
import type { ChunkHeader } from './chunk';
import { GroupCommit, unavailable } from './commit';
import { CorruptStoreFile, MlopsError, OwnershipLost } from '../errors';
import { isDiskFull } from './fileio';
import { Journal, type Durability } from './journal';
import { OwnerLock } from './lock';
import { keepCopiesBeforeRecovery, keepCopy, ownerNote, planJournals, readerNote, ReplayFailures, type OpenMode } from './recovery';
import { getMeta, migrate, setMeta } from './schema';
import { PointLog, type Mark } from './segments';
import { loadSqlJs, openWithSlack, slackFor } from './sqljs';
import { writeImage } from './snapshotWriter';
import { STORE_DIR } from '../paths';

export interface StoreOptions {
  /**
   * 'fsync' (default): a write is acknowledged (`durable()` resolves) once it is on disk, power loss included;
   * concurrent writes share one write and fdatasync (group commit). 'process': writes go to the kernel at
   * once and `durable()` resolves at once; they survive the death of this process, not a power loss.
   */
  durability?: Durability;
  /** Snapshot this often when something changed (ms). Default 30 s. */
  snapshotIntervalMs?: number;
  /** Snapshot when the journal grows past this many bytes. Default 64 MiB. */
  journalMaxBytes?: number;
  /** Snapshot when this many bytes of metric points were logged since the last one (bounds the rescan on open). Default 32 MiB. */
  pointsMaxBytes?: number;
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
/** What an operation writes to the journal, when not its whole input (its points went to the segments). */
type JournalView = (args: any, bin?: Uint8Array) => { args: unknown; bin?: Uint8Array } | undefined;
const VIEWS = new Map<string, JournalView>();
/** Operations that keep Store.memo correct themselves; every other operation clears it. */
const MEMO_SAFE = new Set<string>();

/**
 * Declares a journaled operation. The returned function validates and applies it inside a savepoint,
 * appends it to the journal, and only then commits: a write is acknowledged only once it is journaled.
 * Ids and timestamps must be chosen by the caller and passed in `args`, so replay is deterministic.
 */
export function defineOp<A, R>(
  name: string,
  apply: (store: Store, args: A, bin?: Uint8Array) => R,
  opts: { keepsMemo?: boolean; journal?: (args: A, bin?: Uint8Array) => { args: unknown; bin?: Uint8Array } | undefined } = {},
) {
  if (OPS.has(name)) throw new Error(`operation ${name} defined twice`);
  OPS.set(name, apply as ApplyFn);
  if (opts.keepsMemo) MEMO_SAFE.add(name);
  if (opts.journal) VIEWS.set(name, opts.journal as JournalView);
  return (store: Store, args: A, bin?: Uint8Array): R => store.mutate(name, args, bin) as R;
}

/** The names of the operations defined so far (what a journal can replay). */
export function definedOps(): string[] {
  return [...OPS.keys()].sort();
}

export { STORE_DIR };
export const SNAPSHOT = 'store.snapshot';
export const JOURNAL = 'store.journal';
const PREV = '.prev';
/** How often (journal bytes) the owner checks that the database still has room to grow, and the least room. */
const ROOM_CHECK_BYTES = 1024 * 1024;
const ROOM_MARGIN = 256 * 1024;

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
  /** Journals rotated away whose last records a flush has still to write. */
  private retiring: Journal[] = [];
  private pointLog!: PointLog;
  private readonly commit: GroupCommit;
  /** Where the points stood at the last snapshot. */
  private pointsMark: Mark = { seg: 0, off: 0 };
  private snapshotWanted = false;
  /** An exported image waiting to be written (its write failed, or its flush has not completed). */
  private pendingImage: { image: Uint8Array; epoch: number } | undefined;
  private imageWriting = false;
  /** Incremented by every snapshot, so an older image never replaces a newer one. */
  private snapshotEpoch = 0;
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private replaying = false;
  private closed = false;
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
    this.commit = new GroupCommit(
      () => this.flushRound(),
      () => this.snapshotWanted && !this.imageWriting,
      (e) => this.warn(`could not write to ${this.dir}: ${e.message}; writes are refused (503, retryable) until the disk takes them`),
    );
  }

  /** The metric segments (store/segments.ts). */
  get points(): PointLog {
    return this.pointLog;
  }

  /** Problems the store worked around (a failed snapshot, a full disk): reported, never thrown from a timer. */
  warn(message: string): void {
    this.report.notes.push(message);
    if (this.report.notes.length > 100) this.report.notes.splice(0, this.report.notes.length - 100);
    process.emitWarning(message, 'MlopsStoreWarning');
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
        durability: options.durability ?? 'fsync',
        snapshotIntervalMs: options.snapshotIntervalMs ?? 30_000,
        journalMaxBytes: options.journalMaxBytes ?? 64 * 1024 * 1024,
        pointsMaxBytes: options.pointsMaxBytes ?? 32 * 1024 * 1024,
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
      store.pointLog = PointLog.open(dir, readOnly, opts.durability === 'process');
      if (opts.durability === 'fsync') store.pointLog.onAppend = () => store.commit.queued();
      migrate(store.db);
      store.generation = loaded.generation;
      const migrated = store.openPoints();
      // Without any snapshot the journals' creates need the Default experiment, which only the lost snapshot held.
      if (loaded.generation < 0) OPS.get('store.createDefaultExperiment')!(store, { time: Date.now() });
      store.replayJournals(mode);
      if (readOnly) return store;
      if (migrated) store.snapshotIfRoom();
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
          this.report.notes.push(
            `${path.basename(p.file)} continues generation ${p.generation}, but the snapshot is at ${this.generation}; its records are applied after the snapshot`,
          );
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
    if (this.generation !== startGen || this.report.keptCopies.length) this.snapshotIfRoom();
  }

  /**
   * Brings the points index up to date: moves a v1 store's points into segments (returns true: the caller
   * snapshots), or indexes the chunks logged after the snapshot's mark.
   */
  private openPoints(): boolean {
    for (const hook of migrationHooks) if (hook(this)) return true;
    const mark = getMeta(this.db, 'points_mark');
    this.pointsMark = mark ? (JSON.parse(mark) as Mark) : { seg: 0, off: 0 };
    const found: { h: ChunkHeader; at: Mark }[] = [];
    let added = 0;
    this.db.exec('BEGIN');
    try {
      this.pointLog.scan(
        this.pointsMark,
        (h, at) => {
          found.push({ h, at });
        },
        (file, at, lost, why) => this.notePointsDamage(file, at, lost, why),
      );
      if (found.length && pointsHook) added = pointsHook(this, found);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.memo.clear();
    }
    if (added) this.dirty = true;
    return false;
  }

  private notePointsDamage(file: string, at: number, lost: number, why: string) {
    if (this.opts.readOnly) {
      this.report.notes.push(`${path.basename(file)}: ${why} at byte ${at}; read the ${at} bytes before it`);
      return;
    }
    const copy = `${file}.damaged-${Date.now()}`;
    // A torn final write (the process died mid-append) was never acknowledged; keep the bytes anyway.
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(lost);
      fs.readSync(fd, buf, 0, lost, at);
      fs.writeFileSync(copy, buf, { mode: 0o600 });
    } finally {
      fs.closeSync(fd);
    }
    this.report.keptCopies.push(copy);
    this.report.notes.push(`${path.basename(file)}: ${why} at byte ${at}; cut off the last ${lost} bytes (copy kept at ${path.basename(copy)})`);
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

  /** Throws unless this store can take a write now (open, the owner, the disk taking writes). */
  checkWritable(): void {
    if (this.closed) throw new MlopsError('INVALID_STATE', 'the store is closed');
    if (this.opts.readOnly) {
      throw new MlopsError('TEMPORARILY_UNAVAILABLE', `the store is open read-only (another process owns ${this.dir}); send writes to the owner's server`);
    }
    if (this.lock?.lost) throw new OwnershipLost(this.lock.file, this.lock.lostTo!.pid);
    if (this.commit.failure) throw unavailable(this.commit.failure);
  }

  /**
   * Resolves once every write made so far is durable (see StoreOptions.durability); rejects with a retryable
   * TEMPORARILY_UNAVAILABLE when the disk refused it. The server answers a request only after this.
   */
  durable(): Promise<void> {
    return this.commit.durable();
  }

  /** Changes whenever a write is queued: compare before and after a request to know whether it wrote. */
  get writeTicket(): number {
    return this.commit.ticket;
  }

  /** Applies a journaled operation. See defineOp. */
  mutate(op: string, args: unknown, bin?: Uint8Array): unknown {
    this.checkWritable();
    const apply = OPS.get(op);
    if (!apply) throw new Error(`unknown store operation ${op}`);
    if (!MEMO_SAFE.has(op)) this.memo.clear();
    this.db.exec('SAVEPOINT op');
    let result: unknown;
    try {
      result = apply(this, args, bin);
      const view = VIEWS.get(op);
      const rec = view ? view(args, bin) : { args, bin };
      if (rec) {
        this.journal.append({ op, args: rec.args, bin: rec.bin });
        if (this.opts.durability === 'fsync') this.commit.queued();
      }
    } catch (e) {
      this.memo.clear();
      this.db.exec('ROLLBACK TO op');
      this.db.exec('RELEASE op');
      throw isDiskFull(e) ? unavailable(e as Error) : e;
    }
    this.db.exec('RELEASE op');
    // An operation that is not memo-safe may have read rows into the memo before changing them.
    if (!MEMO_SAFE.has(op)) this.memo.clear();
    this.dirty = true;
    this.checkGrowth();
    return result;
  }

  /** Points were appended outside an operation (tracking/metrics): note it, and snapshot when they pile up. */
  wrotePoints(): void {
    this.dirty = true;
    if (this.pointLog.bytesSince(this.pointsMark) > this.opts.pointsMaxBytes) this.requestSnapshot();
  }

  private checkGrowth(): void {
    if (this.journal.bytes > this.opts.journalMaxBytes) this.requestSnapshot();
    else if (this.journal.bytes - this.roomCheckedAt > ROOM_CHECK_BYTES) {
      // Running out of room to grow: a snapshot gives the database new room (keepRoomToGrow).
      this.roomCheckedAt = this.journal.bytes;
      if (this.fileBytes - this.usedBytes() < ROOM_MARGIN) this.requestSnapshot();
    }
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

  /** The periodic snapshot: asked for, never run inside the timer, so it cannot throw there. */
  snapshotIfDirty(): void {
    if (this.closed || this.opts.readOnly || !this.ownerOk()) return;
    if (this.dirty || this.pendingImage) this.requestSnapshot();
  }

  /**
   * A snapshot without blocking: the next group-commit round exports the (small, metadata-only) image and
   * rotates the journal between two flushes, and the image is written and synced off the event loop once
   * the records it contains are durable. No request waits for it.
   */
  requestSnapshot(): void {
    // A snapshot of a store another owner took would overwrite that owner's files.
    if (this.closed || this.opts.readOnly || !this.ownerOk()) return;
    this.snapshotWanted = true;
    if (this.opts.durability === 'fsync') this.commit.schedule();
    else setImmediate(() => this.processSnapshot());
  }

  /** Durability 'process': nothing is queued, so the rotation happens at once and the image is written in the background. */
  private processSnapshot() {
    if (this.closed || !this.snapshotWanted || this.imageWriting) return;
    this.snapshotWanted = false;
    if (!this.pendingImage) this.rotate();
    this.writePendingImage();
  }

  private async flushRound(): Promise<void> {
    if (this.closed) return;
    if (this.snapshotWanted && !this.imageWriting && !this.pendingImage) {
      this.snapshotWanted = false;
      this.rotate();
    } else if (this.snapshotWanted && this.pendingImage && !this.imageWriting) this.snapshotWanted = false;
    const retiring = this.retiring.slice();
    await Promise.all([this.journal.flush(), this.pointLog.flush(), ...retiring.map((j) => j.flush())]);
    for (const j of retiring) {
      j.close();
      this.retiring.splice(this.retiring.indexOf(j), 1);
    }
    // Everything the pending image holds is durable now: it can be written.
    if (this.pendingImage && !this.imageWriting) this.writePendingImage();
  }

  /** Exports the image, records where the points stand, and starts the next journal generation. Blocking but small. */
  private rotate(): void {
    this.memo.clear();
    for (const hook of snapshotHooks) hook(this);
    const next = this.generation + 1;
    const mark = this.pointLog.mark;
    setMeta(this.db, 'journal_generation', String(next));
    setMeta(this.db, 'points_mark', JSON.stringify(mark));
    this.clearStatements();
    const image = this.db.export();
    this.tune();
    const jfile = path.join(this.dir, JOURNAL);
    fs.renameSync(jfile, jfile + PREV);
    let fresh: Journal;
    try {
      fresh = Journal.create(jfile, this.opts.durability, next);
    } catch (e) {
      fs.renameSync(jfile + PREV, jfile); // as before: this generation goes on
      throw e;
    }
    this.retiring.push(this.journal);
    this.journal = fresh;
    this.generation = next;
    this.pointsMark = mark;
    this.dirty = false;
    this.roomCheckedAt = 0;
    this.pendingImage = { image, epoch: ++this.snapshotEpoch };
    this.keepRoomToGrow(image);
  }

  private writePendingImage() {
    const job = this.pendingImage;
    if (!job || this.imageWriting) return;
    if (this.opts.durability === 'process') {
      for (const j of this.retiring.splice(0)) j.close();
    }
    this.imageWriting = true;
    writeImage(this.dir, SNAPSHOT, job.image, () => job.epoch === this.snapshotEpoch && !this.closed)
      .then(() => {
        if (this.pendingImage === job) this.pendingImage = undefined;
      })
      .catch((e: Error) => {
        // Kept: the next periodic snapshot writes this image again. The journals still hold everything.
        this.warn(`snapshot of ${this.dir} failed (${e.message}); will retry. Nothing is lost: the journal holds every write.`);
      })
      .finally(() => {
        this.imageWriting = false;
      });
  }

  /**
   * A snapshot that tidies the files after opening. On a full disk it is skipped: the files as they are
   * (a snapshot plus the journals after it) open again the same way, nothing is lost.
   */
  private snapshotIfRoom(final = false): void {
    // Writes not yet on disk must get there (or fail loudly); only the snapshot itself may wait.
    this.journal.flushSync();
    this.pointLog.flushSync();
    try {
      this.snapshot(final);
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      this.warn(`could not write a snapshot of ${this.dir} (${(e as NodeJS.ErrnoException).code}); the journals keep every write, it is retried later`);
      this.dirty = true;
    }
  }

  /**
   * Writes an atomic snapshot and starts a new journal generation, blocking (the CLI's `store snapshot`,
   * after an import, on close). The previous snapshot and journal are kept as `.prev`, so one damaged
   * snapshot can be recovered from the one before it.
   */
  snapshot(final = false): void {
    // A snapshot of a store another owner took would overwrite that owner's files.
    if (!this.ownerOk()) throw new OwnershipLost(this.lock!.file, this.lock!.lostTo!.pid);
    // Everything queued goes to disk first: the snapshot's mark and generation must describe durable files.
    for (const j of this.retiring.splice(0)) j.close();
    this.journal.flushSync();
    this.pointLog.flushSync();
    this.memo.clear();
    for (const hook of snapshotHooks) hook(this);
    const next = this.generation + 1;
    const mark = this.pointLog.mark;
    setMeta(this.db, 'journal_generation', String(next));
    setMeta(this.db, 'points_mark', JSON.stringify(mark));
    this.clearStatements();
    const bytes = this.db.export();
    this.tune();
    this.snapshotEpoch++;
    this.pendingImage = undefined;
    const snap = path.join(this.dir, SNAPSHOT);
    const tmp = path.join(this.dir, `.${SNAPSHOT}.tmp`);
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeFileSync(fd, bytes);
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    if (fs.existsSync(snap)) fs.renameSync(snap, snap + PREV);
    fs.renameSync(tmp, snap);
    // From here the snapshot holds every journaled record; rotate the journal.
    this.journal.close();
    const jfile = path.join(this.dir, JOURNAL);
    if (fs.existsSync(jfile)) fs.renameSync(jfile, jfile + PREV);
    this.generation = next;
    this.journal = Journal.open(jfile, this.opts.durability, next, 0);
    this.commit.allDurable();
    this.pointsMark = mark;
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
      if (!this.opts.readOnly && this.ownerOk()) {
        if (this.dirty || this.pendingImage) this.snapshotIfRoom(true);
        else {
          this.journal?.flushSync();
          this.pointLog?.flushSync();
          this.commit.allDurable();
        }
      }
    } finally {
      this.closed = true;
      this.commit.dispose();
      this.changes.flush();
      this.changes.dispose();
      for (const j of this.retiring.splice(0)) j.close();
      this.journal?.close();
      this.pointLog?.close();
      this.clearStatements();
      this.db.close();
      this.lock?.release();
    }
  }

  /** Tells would-be owners, through the ownership claim, where this owner's server answers. */
  announceServer(url: string | undefined): void {
    this.lock?.announceServer(url);
  }

  get isClosed() {
    return this.closed;
  }

  get isReadOnly() {
    return this.opts.readOnly;
  }
}

/** Physical reorganisations run before each snapshot. Not journaled. */
const snapshotHooks: ((store: Store) => void)[] = [];
export function beforeSnapshot(hook: (store: Store) => void) {
  snapshotHooks.push(hook);
}

type PointsHook = (store: Store, found: { h: ChunkHeader; at: Mark }[]) => number;
let pointsHook: PointsHook | undefined;
/** Indexes the chunks found in the segments after the snapshot's mark (tracking/pointIndex.ts); returns how many were new. */
export function onPointsChunks(hook: PointsHook) {
  pointsHook = hook;
}

const migrationHooks: ((store: Store) => boolean)[] = [];
/** Runs after the schema migrations on open; returns true when it changed the store (the owner snapshots). */
export function afterMigration(hook: (store: Store) => boolean) {
  migrationHooks.push(hook);
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
        report.notes.push(
          `${path.basename(file)} is damaged (${err.message}); showing what the older files hold. Nothing was changed; run "mlops store recover" to repair it`,
        );
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
