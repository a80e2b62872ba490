import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { checkAborted } from './errors';

/** DVC 3 hashes raw bytes (`md5`); DVC 2 outputs (no `hash:` key) use `md5-dos2unix`. */
export type HashName = 'md5' | 'md5-dos2unix';

/** Python reads in 1 MiB chunks; the legacy CRLF rule applies per chunk, so chunking is part of the algorithm. */
export const CHUNK = 1024 * 1024;

export function md5Bytes(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** Small files: one read, no stream set-up; cheaper than anything async for a few KiB. */
export function md5FileSync(file: string): string {
  return md5Bytes(fs.readFileSync(file));
}

/** Streams a file through md5 on this thread, yielding between chunks. */
export async function md5FileAsync(file: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('md5');
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 * CHUNK);
    for (;;) {
      checkAborted(signal, `hashing ${file}`);
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (!bytesRead) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

const TEXT_BYTES = (() => {
  const t = new Uint8Array(256);
  for (let c = 32; c <= 126; c++) t[c] = 1;
  for (const c of [0x0a, 0x0d, 0x09, 0x0c, 0x08]) t[c] = 1;
  return t;
})();

/** DVC's `istextblock`: empty is text, any NUL is binary, otherwise at most 30% bytes outside printable ASCII. */
export function isTextBlock(block: Uint8Array): boolean {
  if (!block.length) return true;
  let nontext = 0;
  for (let i = 0; i < block.length; i++) {
    const c = block[i];
    if (c === 0) return false;
    if (!TEXT_BYTES[c]) nontext++;
  }
  return nontext / block.length <= 0.3;
}

function replaceCrlf(chunk: Buffer): Buffer {
  if (chunk.indexOf(0x0d) < 0) return chunk;
  const out = Buffer.allocUnsafe(chunk.length);
  let n = 0;
  for (let i = 0; i < chunk.length; i++) {
    if (chunk[i] === 0x0d && i + 1 < chunk.length && chunk[i + 1] === 0x0a) continue;
    out[n++] = chunk[i];
  }
  return out.subarray(0, n);
}

/**
 * DVC 2.x `md5-dos2unix`: decide text/binary once from the first 512 bytes; for text, replace CRLF by LF within
 * each 1 MiB chunk (a CRLF split across chunks stays). Only used to verify legacy outputs.
 */
export function md5Dos2unixBytes(data: Uint8Array): string {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const text = isTextBlock(buf.subarray(0, 512));
  const h = createHash('md5');
  for (let off = 0; off < buf.length || off === 0; off += CHUNK) {
    const chunk = buf.subarray(off, off + CHUNK);
    h.update(text ? replaceCrlf(chunk) : chunk);
    if (!buf.length) break;
  }
  return h.digest('hex');
}

export async function md5Dos2unixFile(file: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('md5');
  const fh = await fs.promises.open(file, 'r');
  try {
    let text: boolean | undefined;
    for (;;) {
      checkAborted(signal, `hashing ${file}`);
      // Fill exactly one chunk, as Python's f.read(1 MiB) does on a regular file.
      const chunk = Buffer.allocUnsafe(CHUNK);
      let n = 0;
      while (n < CHUNK) {
        const { bytesRead } = await fh.read(chunk, n, CHUNK - n, null);
        if (!bytesRead) break;
        n += bytesRead;
      }
      const data = chunk.subarray(0, n);
      if (text === undefined) text = isTextBlock(data.subarray(0, 512));
      if (n) h.update(text ? replaceCrlf(data) : data);
      if (n < CHUNK) break;
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}
