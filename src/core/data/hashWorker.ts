// The hash worker's source, evaluated inline so it works the same under tsx, in the esbuild bundle and in the
// extension host: no extra entry point to ship. Plain md5 only; legacy hashing is rare and stays on the caller's
// thread. Messages are handled strictly one after the other (a promise chain), so a batch posted while the caller's
// thread is busy walking a tree starts as soon as the previous one ends.
//
//   { kind: 'md5', id, file }                       → { id, md5, size }
//   { kind: 'batch', id, files, base?, link?, cancel } → { id, md5s, sizes } | { id, aborted } | { id, error, index }
//       hashes whole small files; with `base` (a cache's files/md5 folder) also stores each missing object there:
//       the bytes just read are written (temp file, rename), or with link: 'hardlink' the file itself is linked in.
//   { kind: 'scan', id, dirs: [{ abs, rel }], refuse } → { id, results }: `scanDir` per folder (parallel status)
//   { kind: 'copy', id, file, tmp, cancel }         → { id, md5, size }
//       hashes a file while copying it to tmp: one read; the write of a chunk overlaps the read and hash of the next.
import { SCAN_DIR_SOURCE } from './scanDir';

export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash, randomBytes } = require('node:crypto');
const md5b64 = (s, nums) => createHash('md5').update(s).update(nums).digest('base64');
const scanDir = new Function('fs', 'sep', 'md5b64', ${JSON.stringify(SCAN_DIR_SOURCE)})(fs, require('node:path').sep, md5b64);
const CHUNK = 4 * 1024 * 1024;
let buf = Buffer.allocUnsafe(1024 * 1024);
const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
const made = new Set();
const tmpIn = (dir) => dir + '/.mlops-' + process.pid + '-' + randomBytes(8).toString('hex') + '.tmp';
const isCancelled = (m) => m.cancel && Atomics.load(m.cancel, 0) !== 0;

function readWhole(file) {
  const fd = fs.openSync(file, 'r');
  try {
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const r = fs.readSync(fd, buf, n, buf.length - n, null);
      if (!r) return n;
      n += r;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function hashWhole(file, m) {
  const fd = fs.openSync(file, 'r');
  try {
    const h = createHash('md5');
    let size = 0;
    for (;;) {
      if (isCancelled(m)) return { aborted: true };
      const n = fs.readSync(fd, bufs[0], 0, CHUNK, null);
      if (!n) break;
      size += n;
      h.update(n === CHUNK ? bufs[0] : bufs[0].subarray(0, n));
    }
    return { md5: h.digest('hex'), size };
  } finally {
    fs.closeSync(fd);
  }
}

function ensureDir(dir) {
  if (made.has(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  made.add(dir);
}

// Temp name in the object's folder, then rename: the object appears complete or not at all.
function put(base, md5, file, n, link) {
  const dir = base + '/' + md5.slice(0, 2);
  const dest = dir + '/' + md5.slice(2);
  if (fs.statSync(dest, { throwIfNoEntry: false })) return;
  ensureDir(dir);
  const tmp = tmpIn(dir);
  let fd;
  try {
    if (link === 'hardlink') {
      fs.linkSync(file, tmp);
      fs.chmodSync(tmp, 0o444);
    } else {
      fd = fs.openSync(tmp, 'wx', 0o444);
      let off = 0;
      while (off < n) off += fs.writeSync(fd, buf, off, n - off);
      fs.closeSync(fd);
      fd = undefined;
    }
    fs.renameSync(tmp, dest);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    try { fs.unlinkSync(tmp); } catch {}
    if (e && e.code === 'ENOENT') made.delete(dir);
    throw e;
  }
}

function batch(m) {
  const md5s = [];
  const sizes = [];
  for (let i = 0; i < m.files.length; i++) {
    if (isCancelled(m)) return { id: m.id, aborted: true };
    try {
      const n = readWhole(m.files[i]);
      const md5 = createHash('md5').update(buf.subarray(0, n)).digest('hex');
      if (m.base) put(m.base, md5, m.files[i], n, m.link);
      md5s.push(md5);
      sizes.push(n);
    } catch (e) {
      return { id: m.id, error: String((e && e.message) || e), code: e && e.code, index: i };
    }
  }
  return { id: m.id, md5s, sizes };
}

async function copy(m) {
  const rfd = fs.openSync(m.file, 'r');
  let out;
  try {
    out = await fs.promises.open(m.tmp, 'wx', 0o444);
    const h = createHash('md5');
    let size = 0;
    let pending;
    let i = 0;
    for (;;) {
      if (isCancelled(m)) {
        if (pending) await pending;
        return { id: m.id, aborted: true };
      }
      const b = bufs[i];
      const n = fs.readSync(rfd, b, 0, CHUNK, null);
      if (!n) break;
      h.update(n === CHUNK ? b : b.subarray(0, n));
      if (pending) await pending;
      pending = writeAll(out, b, n);
      size += n;
      i ^= 1;
    }
    if (pending) await pending;
    return { id: m.id, md5: h.digest('hex'), size };
  } finally {
    fs.closeSync(rfd);
    if (out) await out.close();
  }
}

async function writeAll(fh, b, n) {
  let off = 0;
  while (off < n) off += (await fh.write(b, off, n - off)).bytesWritten;
}

async function handle(m) {
  try {
    if (m.kind === 'batch') return batch(m);
    if (m.kind === 'scan') return { id: m.id, results: m.dirs.map((d) => scanDir(d.abs, d.rel, undefined, undefined, m.refuse)) };
    if (m.kind === 'copy') return await copy(m);
    return { id: m.id, ...hashWhole(m.file, m) };
  } catch (e) {
    return { id: m.id, error: String((e && e.message) || e), code: e && e.code };
  }
}

let chain = Promise.resolve();
parentPort.on('message', (m) => {
  chain = chain.then(() => handle(m)).then((r) => parentPort.postMessage(r));
});
`;
