import fs from 'node:fs';
import zlib from 'node:zlib';
import { JOURNAL_HEADER, JOURNAL_MAGIC, type JournalRecord } from './journalScan';

export { readJournal, scanJournal, type JournalDamage, type JournalReadResult, type JournalRecord } from './journalScan';
import { writeAllAndSync, writeAllAndSyncSync } from './fileio';

/**
 * The append-only journal. Each record is framed as
 *   u32 LE payload length | u32 LE crc32(payload) | payload
 * after a 12-byte header (magic + u32 generation), and a payload is  u32 LE json length | json | binary tail.
 * The generation ties a journal to the snapshot it continues: a snapshot taken at generation G holds every
 * record of journals before G, so a crash between writing a snapshot and resetting the journal never
 * replays a record twice.
 * The binary tail carries typed arrays (metric values keep NaN and ±Inf, which JSON cannot).
 * A torn last record (the process died mid-write) fails its length or checksum and is ignored on replay;
 * damage elsewhere is skipped by resynchronising on the next intact record (journalScan.ts).
 */
const MAGIC = JOURNAL_MAGIC;
const HEADER = JOURNAL_HEADER;

function header(generation: number): Buffer {
  const h = Buffer.alloc(HEADER);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(generation, MAGIC.length);
  return h;
}

export function encodeRecord(rec: JournalRecord): Buffer {
  const json = Buffer.from(JSON.stringify({ op: rec.op, args: rec.args }), 'utf8');
  const binLen = rec.bin ? rec.bin.byteLength : 0;
  const payloadLen = 4 + json.length + binLen;
  const buf = Buffer.allocUnsafe(8 + payloadLen);
  buf.writeUInt32LE(payloadLen, 0);
  buf.writeUInt32LE(json.length, 8);
  json.copy(buf, 12);
  if (rec.bin) buf.set(rec.bin, 12 + json.length);
  buf.writeUInt32LE(zlib.crc32(buf.subarray(8)), 4);
  return buf;
}

export type Durability = 'process' | 'fsync';

/**
 * An open journal file. With durability 'fsync' (the default) `append` queues the record and `flush` writes
 * every queued record with one write and one fdatasync (group commit): a record is durable, power loss
 * included, once the flush that carried it resolved. With 'process', `append` writes at once and returns
 * once the record is in the kernel (it survives the death of this process, not a power loss).
 */
export class Journal {
  private fd: number;
  private size: number;
  /** bytes known to be written (and, after a flush, synced) */
  private written: number;
  private pending: Buffer[] = [];
  private inflight: Buffer[] = [];
  private closing = false;

  private constructor(
    readonly file: string,
    fd: number,
    size: number,
    private readonly durability: Durability,
  ) {
    this.fd = fd;
    this.size = size;
    this.written = size;
  }

  /**
   * Opens for appending at `validBytes`; a fresh or reset journal (validBytes 0) gets a new header.
   * The caller has already kept a copy of any damaged tail, so cutting it off loses nothing more.
   */
  static open(file: string, durability: Durability, generation: number, validBytes: number): Journal {
    const fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+', 0o600);
    const j = new Journal(file, fd, validBytes, durability);
    if (validBytes < HEADER) j.reset(generation);
    else if (fs.fstatSync(fd).size !== validBytes) {
      fs.ftruncateSync(fd, validBytes);
      fs.fsyncSync(fd);
    }
    return j;
  }

  /** A new, empty journal whose header is queued like a record (no blocking write): for rotation. */
  static create(file: string, durability: Durability, generation: number): Journal {
    const fd = fs.openSync(file, 'w+', 0o600);
    const j = new Journal(file, fd, 0, durability);
    j.pending.push(header(generation));
    j.size = HEADER;
    if (durability === 'process') j.writeQueued();
    return j;
  }

  get bytes(): number {
    return this.size;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  append(rec: JournalRecord): void {
    const buf = encodeRecord(rec);
    this.pending.push(buf);
    this.size += buf.length;
    if (this.durability === 'process') this.writeQueued();
  }

  private writeQueued() {
    this.written += writeAll(this.fd, this.pending, this.written);
    this.pending = [];
  }

  /** Writes and syncs the queued records. On failure they stay queued and the file is cut back. */
  async flush(): Promise<void> {
    if (!this.pending.length) return;
    this.inflight = this.pending;
    this.pending = [];
    const start = this.written;
    try {
      this.written = Math.max(this.written, start + (await writeAllAndSync(this.fd, this.inflight, start)));
      this.inflight = [];
    } catch (e) {
      this.pending = this.inflight.concat(this.pending);
      this.inflight = [];
      try {
        fs.ftruncateSync(this.fd, this.written);
      } catch {
        /* the next attempt overwrites the same bytes */
      }
      throw e;
    } finally {
      if (this.closing) this.closeNow();
    }
  }

  /** Writes and syncs the queued records (and any a flush is still writing), blocking. */
  flushSync(): void {
    const all = this.inflight.concat(this.pending);
    if (!all.length || this.fd < 0) return;
    const start = this.written;
    this.written = start + writeAllAndSyncSync(this.fd, all, start);
    this.pending = [];
  }

  /** Called after a snapshot has been made durable: the records are all in it now. */
  reset(generation: number): void {
    this.pending = [];
    fs.ftruncateSync(this.fd, 0);
    fs.writeSync(this.fd, header(generation), 0, HEADER, 0);
    this.size = this.written = HEADER;
    fs.fsyncSync(this.fd);
  }

  sync(): void {
    this.flushSync();
    fs.fdatasyncSync(this.fd);
  }

  /** Writes what is queued and closes; a file a flush is still writing is closed when that write settles. */
  close(): void {
    if (this.fd < 0) return;
    this.flushSync();
    fs.fsyncSync(this.fd);
    if (this.inflight.length) this.closing = true;
    else this.closeNow();
  }

  private closeNow() {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

function writeAll(fd: number, bufs: Buffer[], pos: number): number {
  let at = pos;
  for (const b of bufs) {
    for (let w = 0; w < b.length;) w += fs.writeSync(fd, b, w, b.length - w, at + w);
    at += b.length;
  }
  return at - pos;
}

export const JOURNAL_HEADER_BYTES = HEADER;
