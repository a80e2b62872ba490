import fs from 'node:fs';
import path from 'node:path';
import { decodeChunk, type ChunkHeader } from './chunk';
import { writeAllAndSync, writeAllAndSyncSync } from './fileio';

/**
 * The metric points of a store: append-only segment files `.mlops/metrics/seg-<n>.mseg`, each a 16-byte
 * header (magic, segment number) and chunk records (chunk.ts). The segment files are the durable log of the
 * points; the sql.js image only indexes them (metric_chunks: where each chunk is, and its summary).
 *
 * Appends are queued in memory and written by `flush` (one write per segment and one fdatasync for every
 * append since the last flush: group commit); a queued record can be read back before it is written.
 * A segment is closed to appends at SEGMENT_BYTES and a new one started.
 */
export const SEGMENT_DIR = 'metrics';
const MAGIC = Buffer.from('MLOPSSG1');
const HEADER = 16;
const SEGMENT_BYTES = 64 * 1024 * 1024;
const SCAN_WINDOW = 4 * 1024 * 1024;
const MAX_RECORD = 256 * 1024 * 1024;

export interface Mark {
  seg: number;
  off: number;
}

interface Pending {
  pos: number;
  buf: Buffer;
}

interface Segment {
  no: number;
  file: string;
  fd: number;
  /** bytes on disk (written, and synced once a flush completes) */
  durable: number;
  /** bytes including queued appends */
  end: number;
  pending: Pending[];
  /** the batch being written by a flush in progress (readable until it lands) */
  inflight: Pending[];
  closing?: boolean;
}

const segName = (no: number) => `seg-${String(no).padStart(8, '0')}.mseg`;

export class PointLog {
  private readonly segs = new Map<number, Segment>();
  private current = 0;

  /** Called after each append (the owner schedules a group commit). */
  onAppend: () => void = () => {};

  private constructor(
    readonly dir: string,
    private readonly readOnly: boolean,
    private readonly writeThrough: boolean,
  ) {}

  /**
   * Opens the segments of `storeDir`. A read-only log never writes; appends stay in memory. With
   * `writeThrough` (durability 'process') each append is written at once, without waiting for the disk.
   */
  static open(storeDir: string, readOnly: boolean, writeThrough = false): PointLog {
    const log = new PointLog(path.join(storeDir, SEGMENT_DIR), readOnly, writeThrough);
    const nums = log.list();
    for (const no of nums) log.attach(no);
    log.current = nums.length ? nums[nums.length - 1] : 0;
    return log;
  }

  /** Segment numbers on disk, ascending. */
  list(): number[] {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .map((n) => /^seg-(\d{8})\.mseg$/.exec(n))
      .filter((m) => m)
      .map((m) => Number(m![1]))
      .sort((a, b) => a - b);
  }

  private attach(no: number): Segment {
    const file = path.join(this.dir, segName(no));
    const fd = fs.openSync(file, this.readOnly ? 'r' : 'r+');
    const size = fs.fstatSync(fd).size;
    const seg: Segment = { no, file, fd, durable: size, end: size, pending: [], inflight: [] };
    this.segs.set(no, seg);
    return seg;
  }

  /** Where the next append goes: the mark a snapshot records so that opening rescans only what came after. */
  get mark(): Mark {
    const seg = this.segs.get(this.current);
    return { seg: this.current, off: seg ? seg.end : 0 };
  }

  get hasPending(): boolean {
    for (const s of this.segs.values()) if (s.pending.length) return true;
    return false;
  }

  /** Queues a record; returns where it will be. */
  append(record: Buffer): Mark {
    let seg = this.segs.get(this.current);
    if (!seg || (seg.end + record.length > SEGMENT_BYTES && seg.end > HEADER)) seg = this.startSegment(this.current + 1);
    const at = { seg: seg.no, off: seg.end };
    seg.pending.push({ pos: seg.end, buf: record });
    seg.end += record.length;
    if (this.writeThrough && !this.readOnly) this.writeNow(seg);
    this.onAppend();
    return at;
  }

  private startSegment(no: number): Segment {
    let seg: Segment;
    if (this.readOnly) {
      seg = { no, file: '', fd: -1, durable: 0, end: 0, pending: [], inflight: [] };
      this.segs.set(no, seg);
    } else {
      fs.mkdirSync(this.dir, { recursive: true });
      const file = path.join(this.dir, segName(no));
      const fd = fs.openSync(file, 'w+', 0o600);
      seg = { no, file, fd, durable: 0, end: 0, pending: [], inflight: [] };
      this.segs.set(no, seg);
    }
    const h = Buffer.alloc(HEADER);
    MAGIC.copy(h);
    h.writeUInt32LE(no, MAGIC.length);
    seg.pending.push({ pos: 0, buf: h });
    seg.end = HEADER;
    this.current = no;
    return seg;
  }

  /** Writes and syncs every queued append. Rejects (keeping them queued) when the disk refuses. */
  async flush(): Promise<void> {
    if (this.readOnly) return;
    const work = [...this.segs.values()].filter((s) => s.pending.length);
    await Promise.all(work.map((s) => this.flushSegment(s)));
  }

  private async flushSegment(s: Segment): Promise<void> {
    s.inflight = s.pending;
    s.pending = [];
    const start = s.inflight[0].pos;
    try {
      s.durable = Math.max(
        s.durable,
        start +
          (await writeAllAndSync(
            s.fd,
            s.inflight.map((p) => p.buf),
            start,
          )),
      );
      s.inflight = [];
    } catch (e) {
      s.pending = s.inflight.concat(s.pending);
      s.inflight = [];
      try {
        fs.ftruncateSync(s.fd, s.durable);
      } catch {
        /* the next attempt overwrites the same bytes anyway */
      }
      throw e;
    } finally {
      if (s.closing) this.closeSegment(s);
    }
  }

  private writeNow(s: Segment) {
    for (const p of s.pending) {
      for (let w = 0; w < p.buf.length;) w += fs.writeSync(s.fd, p.buf, w, p.buf.length - w, p.pos + w);
      s.durable = p.pos + p.buf.length;
    }
    s.pending = [];
  }

  /** Writes and syncs every queued append, blocking (closing, or a caller that needs it now). */
  flushSync(): void {
    if (this.readOnly) return;
    for (const s of this.segs.values()) {
      const all = s.inflight.concat(s.pending);
      if (!all.length) continue;
      s.durable =
        all[0].pos +
        writeAllAndSyncSync(
          s.fd,
          all.map((p) => p.buf),
          all[0].pos,
        );
      s.pending = [];
    }
  }

  /** `len` bytes at `off` of segment `seg`, queued or on disk. */
  read(seg: number, off: number, len: number): Buffer {
    const s = this.segs.get(seg);
    if (!s) throw new Error(`metric segment ${segName(seg)} is missing`);
    for (const list of [s.inflight, s.pending]) {
      for (const p of list) {
        if (off >= p.pos && off + len <= p.pos + p.buf.length) return p.buf.subarray(off - p.pos, off - p.pos + len);
      }
    }
    const out = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = fs.readSync(s.fd, out, got, len - got, off + got);
      if (n === 0) throw new Error(`metric segment ${segName(seg)} ends before byte ${off + len}`);
      got += n;
    }
    return out;
  }

  /**
   * Every intact chunk from `from` on, in log order. A segment's first damaged record ends that segment:
   * the bytes from there on are reported (a torn final write: never acknowledged) and, for an owner, cut
   * off after `keep(file, at)` had a chance to copy them.
   */
  scan(from: Mark, onChunk: (h: ChunkHeader, at: Mark, bytes: Buffer) => void, onDamage: (file: string, at: number, lost: number, why: string) => void): void {
    for (const no of [...this.segs.keys()].sort((a, b) => a - b)) {
      if (no < from.seg) continue;
      const s = this.segs.get(no)!;
      const head = s.durable >= HEADER ? this.read(no, 0, HEADER) : Buffer.alloc(0);
      if (!head.length || !head.subarray(0, MAGIC.length).equals(MAGIC)) {
        onDamage(s.file, 0, s.durable, 'not a metric segment (bad header)');
        continue;
      }
      // Read from the mark on (what came before is indexed already), a window at a time: memory stays
      // bounded however long the tail is.
      let off = no === from.seg ? Math.max(HEADER, Math.min(from.off, s.durable)) : HEADER;
      while (off < s.durable) {
        const data = this.read(no, off, Math.min(SCAN_WINDOW, s.durable - off));
        let at = 0;
        let bad: string | undefined;
        while (at < data.length) {
          const need = at + 8 <= data.length ? data.readUInt32LE(at) + 8 : 8;
          if (at + need > data.length) break; // continues past the window (or is torn): read on from here
          const h = decodeChunk(data, at);
          if (typeof h === 'string') {
            bad = h;
            break;
          }
          onChunk(h, { seg: no, off: off + at }, data.subarray(at, at + h.length));
          at += h.length;
        }
        if (!bad && at === 0) {
          // One record longer than the window, or a torn one at the end.
          const len = data.length >= 8 ? data.readUInt32LE(0) + 8 : Infinity;
          if (len <= s.durable - off && len <= MAX_RECORD) {
            const rec = this.read(no, off, len);
            const h = decodeChunk(rec, 0);
            if (typeof h !== 'string') {
              onChunk(h, { seg: no, off }, rec);
              off += h.length;
              continue;
            }
            bad = h;
          } else bad = 'truncated or bad length';
        }
        if (bad) {
          onDamage(s.file, off + at, s.durable - off - at, bad);
          if (!this.readOnly) {
            fs.ftruncateSync(s.fd, off + at);
            fs.fsyncSync(s.fd);
          }
          s.durable = s.end = off + at;
          break;
        }
        off += at;
      }
    }
  }

  /** Deletes every segment (a migration starting over after an interrupted attempt). */
  removeAll(): void {
    for (const s of this.segs.values()) {
      if (s.fd >= 0) fs.closeSync(s.fd);
      if (s.file && !this.readOnly) fs.rmSync(s.file, { force: true });
    }
    this.segs.clear();
    this.current = 0;
  }

  /** Bytes appended since `m` (for deciding when the next snapshot is due). */
  bytesSince(m: Mark): number {
    let total = 0;
    for (const s of this.segs.values()) if (s.no >= m.seg) total += s.end - (s.no === m.seg ? m.off : 0);
    return total;
  }

  /** Closes the files; one that a flush is still writing is closed when that write settles. */
  close(): void {
    for (const s of this.segs.values()) {
      if (s.inflight.length) s.closing = true;
      else this.closeSegment(s);
    }
  }

  private closeSegment(s: Segment) {
    if (s.fd >= 0) fs.closeSync(s.fd);
    s.fd = -1;
  }
}
