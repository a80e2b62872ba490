import fs from 'node:fs';
import zlib from 'node:zlib';

/**
 * Reading a journal (see journal.ts for the format) so that damage never hides intact records: a record
 * that fails its length or checksum is skipped by scanning for the next intact framed record, whose
 * payload starts with the JSON `{"op":"` and whose checksum holds. A final record cut short (the owner
 * died mid-append, or a reader raced an append) is expected, and reported apart from damage.
 */
export const JOURNAL_MAGIC = Buffer.from('MLOPSJ01');
export const JOURNAL_HEADER = JOURNAL_MAGIC.length + 4;
export const MAX_RECORD = 256 * 1024 * 1024;
const PAYLOAD_START = Buffer.from('{"op":"');

export interface JournalRecord {
  op: string;
  args: unknown;
  bin?: Uint8Array;
}

/** Bytes that hold no intact record. */
export interface JournalDamage {
  offset: number;
  bytes: number;
  /** About how many records the bytes held (records whose start is still recognisable). */
  records: number;
  problem: string;
}

export interface JournalReadResult {
  /** The generation in the header; -1 when there is no header or it is damaged. */
  generation: number;
  records: JournalRecord[];
  /** End of the last intact record (or of the header): where appending continues. */
  validBytes: number;
  /** Bytes in no intact record: damage plus a torn tail. */
  lostBytes: number;
  /** The first problem, in words. */
  problem?: string;
  /** Damaged regions, in file order. Records after them were kept. */
  damage: JournalDamage[];
  /** A final record cut short by a crash or a concurrent append: expected, not damage. */
  torn?: JournalDamage;
  headerDamaged: boolean;
}

type Parsed = { rec: JournalRecord; end: number } | { problem: string; pastEnd?: boolean };

function recordAt(data: Buffer, off: number): Parsed {
  if (off + 8 > data.length) return { problem: `record at byte ${off} is truncated`, pastEnd: true };
  const len = data.readUInt32LE(off);
  if (len < 4 || len > MAX_RECORD) return { problem: `record at byte ${off} has a bad length (${len})` };
  if (off + 8 + len > data.length) return { problem: `record at byte ${off} is truncated`, pastEnd: true };
  const payload = data.subarray(off + 8, off + 8 + len);
  if (zlib.crc32(payload) !== data.readUInt32LE(off + 4)) return { problem: `record at byte ${off} fails its checksum` };
  const jsonLen = payload.readUInt32LE(0);
  if (4 + jsonLen > len) return { problem: `record at byte ${off} has a bad length` };
  let parsed: { op: string; args: unknown };
  try {
    parsed = JSON.parse(payload.subarray(4, 4 + jsonLen).toString('utf8'));
  } catch {
    return { problem: `record at byte ${off} is not valid JSON` };
  }
  if (typeof parsed?.op !== 'string') return { problem: `record at byte ${off} names no operation` };
  const binLen = len - 4 - jsonLen;
  // Copy the tail so typed-array views get an aligned buffer of their own.
  const bin = binLen > 0 ? new Uint8Array(payload.subarray(4 + jsonLen)) : undefined;
  return { rec: { op: parsed.op, args: parsed.args, bin }, end: off + 8 + len };
}

/** The next offset at or after `from` where an intact record starts, or -1. */
function resync(data: Buffer, from: number): number {
  let at = from + 12;
  for (;;) {
    const hit = data.indexOf(PAYLOAD_START, at);
    if (hit < 0) return -1;
    if ('rec' in recordAt(data, hit - 12)) return hit - 12;
    at = hit + 1;
  }
}

/** Record starts recognisable in [from, to): a record's payload, `{"op":"…`, begins 12 bytes after its start. */
function recordsIn(data: Buffer, from: number, to: number): number {
  let n = 0;
  for (let at = data.indexOf(PAYLOAD_START, from + 12); at >= 0 && at < to + 12; at = data.indexOf(PAYLOAD_START, at + 1)) n++;
  return n;
}

function allZero(data: Buffer, from: number): boolean {
  for (let i = from; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}

export function readJournal(file: string): JournalReadResult {
  const empty: JournalReadResult = { generation: -1, records: [], validBytes: 0, lostBytes: 0, damage: [], headerDamaged: false };
  if (!fs.existsSync(file)) return empty;
  return scanJournal(fs.readFileSync(file));
}

export function scanJournal(data: Buffer): JournalReadResult {
  const out: JournalReadResult = { generation: -1, records: [], validBytes: 0, lostBytes: 0, damage: [], headerDamaged: false };
  if (data.length === 0) return out;
  let off = JOURNAL_HEADER;
  if (data.length < JOURNAL_HEADER && JOURNAL_MAGIC.subarray(0, Math.min(data.length, JOURNAL_MAGIC.length)).equals(data.subarray(0, JOURNAL_MAGIC.length))) {
    // The header itself was being written when the process died.
    out.torn = { offset: 0, bytes: data.length, records: 0, problem: 'the journal header is incomplete' };
    out.lostBytes = data.length;
    return out;
  }
  if (data.length >= JOURNAL_HEADER && data.subarray(0, JOURNAL_MAGIC.length).equals(JOURNAL_MAGIC)) {
    out.generation = data.readUInt32LE(JOURNAL_MAGIC.length);
    out.validBytes = JOURNAL_HEADER;
  } else {
    out.headerDamaged = true;
    off = 0;
  }
  while (off < data.length) {
    const r = recordAt(data, off);
    if ('rec' in r) {
      out.records.push(r.rec);
      off = out.validBytes = r.end;
      continue;
    }
    const next = resync(data, off);
    const end = next < 0 ? data.length : next;
    const problem = out.headerDamaged && off === 0 ? 'the journal header is damaged' : r.problem;
    // A damaged record whose start is unrecognisable still counts; the header is no record.
    const seen = recordsIn(data, off, end);
    const records = out.headerDamaged && off === 0 ? seen : Math.max(1, seen);
    const region: JournalDamage = { offset: off, bytes: end - off, records, problem };
    out.lostBytes += region.bytes;
    if (next < 0 && !(out.headerDamaged && off === 0) && (r.pastEnd || allZero(data, off))) out.torn = { ...region, records: 1 };
    else out.damage.push(region);
    out.problem ??= problem;
    if (next < 0) break;
    off = next;
  }
  return out;
}
