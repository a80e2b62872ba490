// S3 remote speed against a local s3rver: `mlops data push` / `fetch` of one large file and of many small files, as a
// ratio against the ceiling: a plain parallel PUT / GET loop with the same HTTP client, the same parallelism and
// part size, and no hashing, has() checks or manifests. Rounds alternate ours and the baseline; medians are reported.
// MLOPS_BENCH_S3_MIB (default 256; 1024 for the issue's figure), MLOPS_BENCH_S3_FILES (10,000), MLOPS_BENCH_S3_ROUNDS (3).
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataRepo } from '../src/core/data';
import { Limiter, partSize } from '../src/core/data/s3/multipart';
import type { S3Remote } from '../src/core/data/s3/s3Remote';
import { xmlTag } from '../src/core/data/s3/http';
import { isolatedAwsEnv, startS3Server } from '../test/helpers/s3server';

const quick = !!process.env.MLOPS_BENCH_QUICK;
const MIB = Number(process.env.MLOPS_BENCH_S3_MIB ?? (quick ? 64 : 256));
const FILES = Number(process.env.MLOPS_BENCH_S3_FILES ?? (quick ? 2000 : 10_000));
const ROUNDS = Number(process.env.MLOPS_BENCH_S3_ROUNDS ?? 3);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The ceiling: PUT every cache object (multipart for big ones, parts in parallel) with `jobs` requests in flight. */
async function plainUpload(remote: S3Remote, files: { key: string; file: string; size: number }[], chunk: number, threshold: number): Promise<void> {
  const http = remote.http;
  const lim = new Limiter(remote.jobs);
  await Promise.all(
    files.map(async (f) => {
      if (f.size < threshold) {
        return lim.run(async () => {
          const req = { method: 'PUT' as const, key: f.key, body: await fs.promises.readFile(f.file) };
          http.check(await http.request(req), req);
        });
      }
      const c = { method: 'POST' as const, key: f.key, query: { uploads: '' } };
      const uploadId = xmlTag(http.check(await http.request(c), c).body.toString(), 'UploadId')!;
      const step = partSize(f.size, chunk);
      const fh = await fs.promises.open(f.file, 'r');
      const etags: string[] = [];
      const parts: Promise<void>[] = [];
      for (let n = 1, pos = 0; pos < f.size; n++, pos += step) {
        await lim.acquire();
        const buf = Buffer.allocUnsafe(Math.min(step, f.size - pos));
        await fh.read(buf, 0, buf.length, pos);
        const part = n;
        parts.push(
          (async () => {
            try {
              const req = { method: 'PUT' as const, key: f.key, query: { partNumber: String(part), uploadId }, body: buf };
              etags[part - 1] = String(http.check(await http.request(req), req).headers.etag);
            } finally {
              lim.release();
            }
          })(),
        );
      }
      await Promise.all(parts);
      await fh.close();
      const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
      const done = { method: 'POST' as const, key: f.key, query: { uploadId }, body: Buffer.from(xml) };
      http.check(await http.request(done), done);
    }),
  );
}

/** The ceiling for downloads: GET every object to a file with `jobs` in flight. */
async function plainDownload(remote: S3Remote, keys: string[], dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const i = next++;
      const req = { method: 'GET' as const, key: keys[i], toFile: { path: path.join(dir, String(i)) } };
      remote.http.check(await remote.http.request(req), req);
    }
  };
  await Promise.all(Array.from({ length: remote.jobs }, worker));
}

async function scenario(label: string, make: (root: string) => void): Promise<void> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-s3-'));
  const root = path.join(base, 'repo');
  fs.mkdirSync(root);
  const { repo } = DataRepo.init(root);
  make(root);
  await repo.add(
    fs
      .readdirSync(root)
      .filter((f) => !f.startsWith('.'))
      .map((f) => path.join(root, f)),
  );
  const r = { push: [] as number[], pushBase: [] as number[], fetch: [] as number[], fetchBase: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh server per round: every push really sends, and s3rver's folders never grow across rounds.
    const s = await startS3Server('bench');
    if (typeof s === 'string') return console.log(`skipped: ${s}`);
    const { endpoint, bucket } = s;
    const ours = `ours-${round}`;
    const plain = `plain-${round}`;
    repo.addRemote('s3', `s3://${bucket}/${ours}`, { makeDefault: true });
    repo.config.modifyRemote('s3', 'endpointurl', endpoint);
    const opened = DataRepo.open(root);
    const remote = opened.remoteStorage() as S3Remote;
    const objects = opened.cache.list().map((oid) => ({ oid, file: opened.cache.path(oid) }));
    const plainFiles = objects.map((o) => ({ key: `${plain}/files/md5/${o.oid.slice(0, 2)}/${o.oid.slice(2)}`, file: o.file, size: fs.statSync(o.file).size }));
    const order = round % 2 ? ['plain', 'ours'] : ['ours', 'plain'];
    for (const which of order) {
      const t0 = now();
      if (which === 'ours') await opened.push();
      else await plainUpload(remote, plainFiles, 8 << 20, 8 << 20);
      (which === 'ours' ? r.push : r.pushBase).push(now() - t0);
    }
    const cacheBackup = path.join(base, 'cache-backup');
    fs.renameSync(opened.cache.root, cacheBackup);
    for (const which of order) {
      const t0 = now();
      if (which === 'ours') await DataRepo.open(root).fetch();
      else
        await plainDownload(
          remote,
          plainFiles.map((f) => f.key),
          path.join(base, 'plain-dl'),
        );
      (which === 'ours' ? r.fetch : r.fetchBase).push(now() - t0);
    }
    fs.rmSync(opened.cache.root, { recursive: true, force: true });
    fs.renameSync(cacheBackup, opened.cache.root);
    fs.rmSync(path.join(base, 'plain-dl'), { recursive: true, force: true });
    remote.http.close();
    await s.close();
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
  const line = (what: string, ours: number[], plain: number[]) =>
    `  ${what}: ours ${median(ours).toFixed(0)} ms, plain loop ${median(plain).toFixed(0)} ms, ratio ${(median(plain) / median(ours)).toFixed(2)} (goal >= 0.80) [ours ${ours.map((x) => x.toFixed(0)).join('/')}, plain ${plain.map((x) => x.toFixed(0)).join('/')}]`;
  console.log(`${label} (${ROUNDS} alternating rounds, medians; jobs ${(DataRepo.open(root).remoteStorage() as S3Remote).jobs}):`);
  console.log(line('push', r.push, r.pushBase));
  console.log(line('fetch', r.fetch, r.fetchBase));
  fs.rmSync(base, { recursive: true, force: true });
}

export async function run(): Promise<void> {
  const restore = isolatedAwsEnv({ AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  try {
    await scenario(`one ${MIB} MiB file`, (root) => {
      const fd = fs.openSync(path.join(root, 'big.bin'), 'w');
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let i = 0; i < MIB; i++) fs.writeSync(fd, randomFillSync(buf));
      fs.closeSync(fd);
    });
    await scenario(`${FILES} small files`, (root) => {
      for (let i = 0; i < FILES; i++) {
        const d = path.join(root, 'rows', `part-${Math.floor(i / 1000)}`);
        if (i % 1000 === 0) fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, `row-${i}.json`), `{"id": ${i}, "v": ${Math.sin(i)}}\n`);
      }
    });
  } finally {
    restore();
  }
}
