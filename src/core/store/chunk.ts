import zlib from 'node:zlib';

/**
 * One chunk of a metric history in a segment file: the points of one run × key, columnar, checksummed, with
 * a summary a chart can be drawn from without reading the points.
 *
 *   u32 LE payload length | u32 LE crc32(payload) | payload, padded to a multiple of 8 bytes
 *   payload: u8 flags | u8 0 | u16 run id bytes | u16 key bytes | u16 buckets | u32 n | f64 seq
 *            | run id | key | zeros to 8 | SUMMARY_F64 × f64 | buckets × BUCKET_F64 × f64
 *            | steps f64[n] | timestamps f64[n] | values f64[n]
 *
 * `seq` is the position of the chunk's first point among all points of its run × key in the order they were
 * logged. A merged chunk (flag MERGED) holds the points of earlier chunks covering [seq, seq + n) and takes
 * their place; it adds no points. Each bucket summarises BUCKET consecutive points by four of them, in
 * logging order: the first, the lowest and the highest value, the last, so the drawn envelope is exact.
 * Float64 keeps NaN and ±Inf exact.
 */
export const MERGED = 1;
export const BUCKET = 64;
/** Chunks with at least this many points carry buckets. */
export const BUCKETS_FROM = 256;
const PRELUDE = 20;
const SUMMARY_F64 = 14;
const BUCKET_F64 = 12;

export interface ChunkSummary {
  firstStep: number;
  firstTs: number;
  lastStep: number;
  lastTs: number;
  minStep: number;
  maxStep: number;
  minTs: number;
  maxTs: number;
  /** the chunk's latest point by MLflow's order (greatest step, timestamp, value; NaN as 0) */
  latestStep: number;
  latestTs: number;
  latestValue: number;
  minValue: number;
  maxValue: number;
  /** 1 when the points are in (step, timestamp) order */
  sorted: number;
}

export interface ChunkHeader extends ChunkSummary {
  flags: number;
  runId: string;
  key: string;
  n: number;
  seq: number;
  buckets: number;
  /** bytes from the record's start to its summary, and to its points */
  summaryAt: number;
  dataAt: number;
  /** bytes of the whole record, frame and padding included */
  length: number;
}

export interface Columns {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

const pad8 = (n: number) => (n + 7) & ~7;

/** MLflow's "later" on columns: greater step, then timestamp, then value (NaN as 0). */
export function laterAt(s: Float64Array, t: Float64Array, v: Float64Array, a: number, b: number): boolean {
  if (s[a] !== s[b]) return s[a] > s[b];
  if (t[a] !== t[b]) return t[a] > t[b];
  const av = Number.isNaN(v[a]) ? 0 : v[a];
  const bv = Number.isNaN(v[b]) ? 0 : v[b];
  return av > bv;
}

export function summarize(c: Columns): ChunkSummary {
  const { steps: s, timestamps: t, values: v } = c;
  const n = s.length;
  let best = 0;
  let minStep = s[0],
    maxStep = s[0],
    minTs = t[0],
    maxTs = t[0];
  let minValue = Infinity,
    maxValue = -Infinity;
  let sorted = 1;
  for (let i = 0; i < n; i++) {
    if (s[i] < minStep) minStep = s[i];
    if (s[i] > maxStep) maxStep = s[i];
    if (t[i] < minTs) minTs = t[i];
    if (t[i] > maxTs) maxTs = t[i];
    if (v[i] < minValue) minValue = v[i];
    if (v[i] > maxValue) maxValue = v[i];
    if (i > 0) {
      if (laterAt(s, t, v, i, best)) best = i;
      if (s[i] < s[i - 1] || (s[i] === s[i - 1] && t[i] < t[i - 1])) sorted = 0;
    }
  }
  return {
    firstStep: s[0],
    firstTs: t[0],
    lastStep: s[n - 1],
    lastTs: t[n - 1],
    minStep,
    maxStep,
    minTs,
    maxTs,
    latestStep: s[best],
    latestTs: t[best],
    latestValue: v[best],
    minValue,
    maxValue,
    sorted,
  };
}

function bucketsOf(c: Columns, out: Float64Array, at: number) {
  const n = c.steps.length;
  for (let b = 0, o = at; b * BUCKET < n; b++, o += BUCKET_F64) {
    const from = b * BUCKET;
    const to = Math.min(n, from + BUCKET);
    let lo = from,
      hi = from;
    for (let i = from + 1; i < to; i++) {
      if (c.values[i] < c.values[lo] || Number.isNaN(c.values[lo])) lo = i;
      if (c.values[i] > c.values[hi] || Number.isNaN(c.values[hi])) hi = i;
    }
    const [a, z] = lo <= hi ? [lo, hi] : [hi, lo];
    let k = o;
    for (const i of [from, a, z, to - 1]) {
      out[k++] = c.steps[i];
      out[k++] = c.timestamps[i];
      out[k++] = c.values[i];
    }
  }
}

/** Encodes a chunk record (see the format above). */
export function encodeChunk(runId: string, key: string, seq: number, c: Columns, flags = 0): Buffer {
  return encodeChunkWithHeader(runId, key, seq, c, flags).record;
}

/** Encodes a chunk record and returns its header too (what decodeChunk would read back). */
export function encodeChunkWithHeader(runId: string, key: string, seq: number, c: Columns, flags = 0): { record: Buffer; header: ChunkHeader } {
  const n = c.steps.length;
  const run = Buffer.from(runId, 'utf8');
  const k = Buffer.from(key, 'utf8');
  const nb = n >= BUCKETS_FROM ? Math.ceil(n / BUCKET) : 0;
  const summaryAt = 8 + pad8(PRELUDE + run.length + k.length);
  const dataAt = summaryAt + 8 * (SUMMARY_F64 + nb * BUCKET_F64);
  const length = pad8(dataAt + 24 * n);
  // allocUnsafe: every byte is written below, the gaps (a reserved byte, padding) explicitly as zeros.
  const buf = Buffer.allocUnsafe(length);
  buf.fill(0, 8 + PRELUDE + run.length + k.length, summaryAt);
  buf.fill(0, dataAt + 24 * n, length);
  buf.writeUInt32LE(length - 8, 0);
  buf.writeUInt8(flags, 8);
  buf.writeUInt8(0, 9);
  buf.writeUInt16LE(run.length, 10);
  buf.writeUInt16LE(k.length, 12);
  buf.writeUInt16LE(nb, 14);
  buf.writeUInt32LE(n, 16);
  buf.writeDoubleLE(seq, 20);
  run.copy(buf, 8 + PRELUDE);
  k.copy(buf, 8 + PRELUDE + run.length);
  const f = new Float64Array(buf.buffer, buf.byteOffset + summaryAt, (length - summaryAt) / 8);
  const sum = summarize(c);
  f.set([
    sum.firstStep,
    sum.firstTs,
    sum.lastStep,
    sum.lastTs,
    sum.minStep,
    sum.maxStep,
    sum.minTs,
    sum.maxTs,
    sum.latestStep,
    sum.latestTs,
    sum.latestValue,
    sum.minValue,
    sum.maxValue,
    sum.sorted,
  ]);
  if (nb) bucketsOf(c, f, SUMMARY_F64);
  const d = (dataAt - summaryAt) / 8;
  f.set(c.steps, d);
  f.set(c.timestamps, d + n);
  f.set(c.values, d + 2 * n);
  buf.writeUInt32LE(zlib.crc32(buf.subarray(8)), 4);
  return { record: buf, header: { ...sum, flags, runId, key, n, seq, buckets: nb, summaryAt, dataAt, length } };
}

/**
 * Decodes the header of the record at `at` in `buf` (its whole record must be there), checking its checksum.
 * Returns a reason instead when the bytes are not an intact record.
 */
export function decodeChunk(buf: Buffer, at: number): ChunkHeader | string {
  if (at + 8 > buf.length) return 'truncated frame';
  const len = buf.readUInt32LE(at);
  if (len < PRELUDE || len % 8 !== 0 || at + 8 + len > buf.length) return 'truncated or bad length';
  const payload = buf.subarray(at + 8, at + 8 + len);
  if (zlib.crc32(payload) !== buf.readUInt32LE(at + 4)) return 'checksum mismatch';
  const runLen = payload.readUInt16LE(2);
  const keyLen = payload.readUInt16LE(4);
  const nb = payload.readUInt16LE(6);
  const n = payload.readUInt32LE(8);
  const summaryAt = 8 + pad8(PRELUDE + runLen + keyLen);
  const dataAt = summaryAt + 8 * (SUMMARY_F64 + nb * BUCKET_F64);
  if (dataAt + 24 * n > len + 8) return 'inconsistent sizes';
  const sv = (i: number) => buf.readDoubleLE(at + summaryAt + 8 * i);
  return {
    flags: payload.readUInt8(0),
    n,
    seq: payload.readDoubleLE(12),
    buckets: nb,
    runId: payload.toString('utf8', PRELUDE, PRELUDE + runLen),
    key: payload.toString('utf8', PRELUDE + runLen, PRELUDE + runLen + keyLen),
    firstStep: sv(0),
    firstTs: sv(1),
    lastStep: sv(2),
    lastTs: sv(3),
    minStep: sv(4),
    maxStep: sv(5),
    minTs: sv(6),
    maxTs: sv(7),
    latestStep: sv(8),
    latestTs: sv(9),
    latestValue: sv(10),
    minValue: sv(11),
    maxValue: sv(12),
    sorted: sv(13),
    summaryAt,
    dataAt,
    length: len + 8,
  };
}

/** The bucket points (4 per bucket, logging order) from the bytes of a record's buckets. */
export function bucketPoints(bytes: Uint8Array, buckets: number): Columns {
  const f = toF64(bytes);
  const m = buckets * 4;
  const out = { steps: new Float64Array(m), timestamps: new Float64Array(m), values: new Float64Array(m) };
  for (let i = 0; i < m; i++) {
    out.steps[i] = f[3 * i];
    out.timestamps[i] = f[3 * i + 1];
    out.values[i] = f[3 * i + 2];
  }
  return out;
}

export const BUCKET_BYTES = BUCKET_F64 * 8;
/** Bytes from a record's summary to its buckets. */
export const SUMMARY_BYTES = SUMMARY_F64 * 8;

/** Float64 view of bytes (copied when they are not 8-byte aligned). */
export function toF64(bytes: Uint8Array): Float64Array {
  if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 3);
  return new Float64Array(new Uint8Array(bytes).buffer);
}
