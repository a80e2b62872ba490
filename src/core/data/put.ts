import fs from 'node:fs';
import { md5Bytes } from './hash';
import type { HashPool } from './hashPool';
import { copyFileAnyway, unsupported } from './links';
import { OBJECT_MODE, type ObjectDb } from './objectDb';
import { isRacy, statToken } from './statCache';

const ZERO_OID = '00000000000000000000000000000000';
/** Files up to this size are read whole and written from the same buffer. */
const WHOLE = 1 << 20;

/**
 * How `add`/`commit` put workspace files into the cache, from `cache.type` as DVC decides it: reflink first, then
 * copy; when the first configured type is `hardlink`, reflink, then hardlink, then copy.
 */
export interface PutState {
  hardlink?: boolean;
}

export function putState(types: string[]): PutState {
  return { hardlink: types[0] === 'hardlink' };
}

/** Links the workspace file itself in as the object (cache.type hardlink); the shared inode becomes read-only. */
function linkInto(store: ObjectDb, abs: string, md5: string): boolean {
  if (store.exists(md5)) return true;
  const tmp = store.tempFor(md5);
  try {
    fs.linkSync(abs, tmp);
  } catch (e) {
    if (unsupported(e)) return false;
    throw e;
  }
  store.commitTemp(tmp, md5);
  return true;
}

/**
 * Hashes one file and stores its object, reading the file once: small files are read whole, hashed and written from
 * the same buffer; a large file is copied by the kernel (a reflink where the filesystem can) while a worker hashes
 * it, or, when it was modified too recently to verify that way, hashed while the worker copies it (the write of one
 * chunk overlapping the read of the next).
 */
export async function storeFile(
  pool: HashPool,
  store: ObjectDb,
  put: PutState,
  abs: string,
  size: number,
  signal?: AbortSignal,
  isexec = false,
): Promise<string> {
  if (put.hardlink && !isexec) {
    const md5 = size <= WHOLE ? md5Bytes(fs.readFileSync(abs)) : await pool.md5(abs, signal);
    if (linkInto(store, abs, md5)) return md5;
    return storeCopy(pool, store, abs, size, signal);
  }
  return storeCopy(pool, store, abs, size, signal);
}

async function storeCopy(pool: HashPool, store: ObjectDb, abs: string, size: number, signal?: AbortSignal): Promise<string> {
  if (size <= WHOLE) {
    const data = fs.readFileSync(abs);
    const md5 = md5Bytes(data);
    await store.putBytesAsync(md5, data);
    return md5;
  }
  const tmp = store.tempFor(ZERO_OID);
  try {
    const md5 = (await copyWhileHashing(pool, abs, tmp, signal)) ?? (await pool.copyHash(abs, tmp, signal)).md5;
    if (store.exists(md5)) fs.rmSync(tmp, { force: true });
    else store.commitTemp(tmp, md5);
    return md5;
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * The kernel copies (a reflink where the filesystem can, else copy_file_range) while a worker hashes the source:
 * both run at once over the same pages, so a cold file is read from disk once. The copy holds the hashed bytes if
 * the source's stat (inode, mtime, ctime, size) is the same before and after and was not racily fresh; otherwise
 * undefined (the caller hashes while copying in one pass instead).
 */
async function copyWhileHashing(pool: HashPool, abs: string, tmp: string, signal?: AbortSignal): Promise<string | undefined> {
  const before = fs.statSync(abs);
  if (isRacy(before)) return undefined;
  const [hashed, copied] = await Promise.allSettled([pool.md5(abs, signal), copyFileAnyway(abs, tmp)]);
  if (hashed.status === 'rejected') throw hashed.reason;
  if (copied.status === 'rejected') throw copied.reason;
  const after = fs.statSync(abs, { throwIfNoEntry: false });
  if (!after || statToken(after) !== statToken(before)) {
    fs.rmSync(tmp, { force: true });
    return undefined;
  }
  fs.chmodSync(tmp, OBJECT_MODE);
  return hashed.value;
}
