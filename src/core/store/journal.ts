import fs from 'node:fs';
import zlib from 'node:zlib';
import { JOURNAL_HEADER, JOURNAL_MAGIC, type JournalRecord } from './journalScan';

export { readJournal, scanJournal, type JournalDamage, type JournalReadResult, type JournalRecord } from './journalScan';

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
 * An open journal file. `append` returns once the record is in the kernel (it survives the death of
 * this process); with durability 'fsync' it also waits for the disk (it survives power loss).
 */
export class Journal {
  private fd: number;
  private size: number;

  private constructor(readonly file: string, fd: number, size: number, private readonly durability: Durability) {
    this.fd = fd;
    this.size = size;
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

  get bytes(): number {
    return this.size;
  }

  append(rec: JournalRecord): void {
    const buf = encodeRecord(rec);
    let written = 0;
    while (written < buf.length) {
      written += fs.writeSync(this.fd, buf, written, buf.length - written, this.size + written);
    }
    this.size += buf.length;
    if (this.durability === 'fsync') fs.fdatasyncSync(this.fd);
  }

  /** Called after a snapshot has been made durable: the records are all in it now. */
  reset(generation: number): void {
    fs.ftruncateSync(this.fd, 0);
    fs.writeSync(this.fd, header(generation), 0, HEADER, 0);
    this.size = HEADER;
    fs.fsyncSync(this.fd);
  }

  sync(): void {
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

export const JOURNAL_HEADER_BYTES = HEADER;
