import fs from 'node:fs';

/** Writes all of `bufs` at `pos` (continuing partial writes) and fdatasyncs, off the event loop. */
export async function writeAllAndSync(fd: number, bufs: Buffer[], pos: number): Promise<number> {
  const total = bufs.reduce((a, b) => a + b.length, 0);
  let written = 0;
  while (written < total) written += await writev(fd, dropFirst(bufs, written), pos + written);
  await new Promise<void>((res, rej) => fs.fdatasync(fd, (e) => (e ? rej(e) : res())));
  return total;
}

/** The same, blocking. */
export function writeAllAndSyncSync(fd: number, bufs: Buffer[], pos: number): number {
  let at = pos;
  for (const b of bufs) {
    for (let w = 0; w < b.length;) w += fs.writeSync(fd, b, w, b.length - w, at + w);
    at += b.length;
  }
  fs.fdatasyncSync(fd);
  return at - pos;
}

function dropFirst(bufs: Buffer[], skip: number): Buffer[] {
  if (!skip) return bufs;
  const rest: Buffer[] = [];
  let k = skip;
  for (const b of bufs) {
    if (k >= b.length) k -= b.length;
    else {
      rest.push(k ? b.subarray(k) : b);
      k = 0;
    }
  }
  return rest;
}

function writev(fd: number, bufs: Buffer[], pos: number): Promise<number> {
  // IOV_MAX bounds one call; a partial write is continued by the caller.
  const part = bufs.length > 512 ? bufs.slice(0, 512) : bufs;
  return new Promise((res, rej) => fs.writev(fd, part, pos, (e, n) => (e ? rej(e) : res(n))));
}

/** Errors a full or failing disk gives: the write can be retried once there is room. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' || code === 'EIO' || code === 'EROFS';
}
