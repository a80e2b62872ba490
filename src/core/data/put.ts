import { constants as fsc } from 'node:fs';
import fs from 'node:fs';
import { md5Bytes } from './hash';
import type { HashPool } from './hashPool';
import { unsupported } from './links';
import { OBJECT_MODE, type ObjectDb } from './objectDb';

const ZERO_OID = '00000000000000000000000000000000';
/** Files up to this size are read whole and written from the same buffer. */
const WHOLE = 1 << 20;

/**
 * How `add`/`commit` put workspace files into the cache, from `cache.type` as DVC decides it: reflink first, then
 * copy; when the first configured type is `hardlink`, reflink, then hardlink, then copy.
 */
export interface PutState {
  hardlink?: boolean;
  /** Set after the first reflink attempt: false once the filesystem refused. */
  reflink?: boolean;
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
 * the same buffer; a reflink (where the filesystem can) costs no read at all beyond the hash; otherwise the worker
 * hashes while it copies, and the write of one chunk overlaps the read of the next.
 */
export async function storeFile(pool: HashPool, store: ObjectDb, put: PutState, abs: string, size: number, signal?: AbortSignal, isexec = false): Promise<string> {
  if (put.hardlink && !isexec) {
    const md5 = size <= WHOLE ? md5Bytes(fs.readFileSync(abs)) : await pool.md5(abs, signal);
    if (linkInto(store, abs, md5)) return md5;
    return storeCopy(pool, store, put, abs, size, signal);
  }
  return storeCopy(pool, store, put, abs, size, signal);
}

async function storeCopy(pool: HashPool, store: ObjectDb, put: PutState, abs: string, size: number, signal?: AbortSignal): Promise<string> {
  if (size <= WHOLE) {
    const data = fs.readFileSync(abs);
    const md5 = md5Bytes(data);
    await store.putBytesAsync(md5, data);
    return md5;
  }
  const tmp = store.tempFor(ZERO_OID);
  try {
    let md5: string;
    // The clone shares the source's blocks: hashing it is the one read, and proves the object by construction.
    if (put.reflink !== false && (await tryReflink(abs, tmp, put))) md5 = await pool.md5(tmp, signal);
    else md5 = (await pool.copyHash(abs, tmp, signal)).md5;
    if (store.exists(md5)) fs.rmSync(tmp, { force: true });
    else store.commitTemp(tmp, md5);
    return md5;
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

async function tryReflink(src: string, tmp: string, put: PutState): Promise<boolean> {
  try {
    await fs.promises.copyFile(src, tmp, fsc.COPYFILE_FICLONE_FORCE);
    fs.chmodSync(tmp, OBJECT_MODE);
    put.reflink = true;
    return true;
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if (!unsupported(e)) throw e;
    put.reflink = false;
    return false;
  }
}
