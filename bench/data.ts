// Data versioning speed: md5 throughput against md5sum on the same file, and add / status / repeated status on many
// small files (against md5sum over the same files). MLOPS_BENCH_QUICK=1 shrinks the sizes; MLOPS_BENCH_DATA_MIB and
// MLOPS_BENCH_DATA_FILES override them.
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataRepo } from '../src/core/data';
import { md5FileAsync } from '../src/core/data/hash';
import { HashPool } from '../src/core/data/hashPool';

const quick = !!process.env.MLOPS_BENCH_QUICK;
const MIB = Number(process.env.MLOPS_BENCH_DATA_MIB ?? (quick ? 64 : 1024));
const FILES = Number(process.env.MLOPS_BENCH_DATA_FILES ?? (quick ? 10_000 : 100_000));
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function best<T>(n: number, fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  let ms = Infinity;
  let value!: T;
  for (let i = 0; i < n; i++) {
    const t0 = now();
    value = await fn();
    ms = Math.min(ms, now() - t0);
  }
  return { ms, value };
}

function writeBigFile(p: string, mib: number): void {
  const fd = fs.openSync(p, 'w');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let i = 0; i < mib; i++) fs.writeSync(fd, randomFillSync(buf));
  fs.closeSync(fd);
}

function writeSmallFiles(dir: string, n: number): void {
  const perDir = 1000;
  for (let i = 0; i < n; i++) {
    const d = path.join(dir, `part-${String(Math.floor(i / perDir)).padStart(3, '0')}`);
    if (i % perDir === 0) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, `row-${i}.json`), `{"id": ${i}, "value": ${Math.sin(i)}, "label": "${'x'.repeat(i % 200)}"}\n`);
  }
}

export async function run(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-data-'));
  try {
    // 1. One large file: worker-pool md5 vs md5sum, page cache warm for both.
    const big = path.join(tmp, 'big.bin');
    writeBigFile(big, MIB);
    execFileSync('md5sum', [big]);
    const sum = await best(5, () => execFileSync('md5sum', [big], { encoding: 'utf8' }).split(' ')[0]);
    const pool = new HashPool(1);
    const ours = await best(5, () => pool.md5(big));
    const onThread = await best(2, () => md5FileAsync(big));
    await pool.close();
    if (ours.value !== sum.value || onThread.value !== sum.value) throw new Error(`md5 mismatch: ours ${ours.value}, md5sum ${sum.value}`);
    const mbps = (ms: number) => ((MIB / ms) * 1000).toFixed(0);
    console.log(`md5 of ${MIB} MiB: worker ${ours.ms.toFixed(0)} ms (${mbps(ours.ms)} MiB/s), md5sum ${sum.ms.toFixed(0)} ms (${mbps(sum.ms)} MiB/s)`);
    console.log(`  ratio worker/md5sum throughput: ${(sum.ms / ours.ms).toFixed(2)} (target >= 0.90); on the calling thread: ${(sum.ms / onThread.ms).toFixed(2)}`);
    fs.rmSync(big);

    // 2. Many small files: add, status, status again from a fresh open (stat cache on disk).
    const root = path.join(tmp, 'repo');
    fs.mkdirSync(root);
    const data = path.join(root, 'data');
    writeSmallFiles(data, FILES);
    const { repo } = DataRepo.init(root);
    const add = await best(1, () => repo.add([data]));
    // Files written within the last few ms are "racily clean" and never remembered; let the clock move past them.
    await new Promise((r) => setTimeout(r, 100));
    const status1 = await best(1, () => repo.status());
    const status2 = await best(2, () => DataRepo.open(root).status());
    if (status2.value.outputs[0].state !== 'unchanged') throw new Error(`unexpected status ${status2.value.outputs[0].state}`);
    const baseline = await best(1, () => execFileSync('sh', ['-c', 'find data -type f -print0 | xargs -0 md5sum > /dev/null'], { cwd: root }));
    console.log(`${FILES} small files: md5sum over all of them ${baseline.ms.toFixed(0)} ms (baseline)`);
    console.log(`  add ${add.ms.toFixed(0)} ms (ratio ${(add.ms / baseline.ms).toFixed(2)}x baseline; hashes + writes ${FILES} cache objects)`);
    console.log(`  first status ${status1.ms.toFixed(0)} ms (ratio ${(status1.ms / baseline.ms).toFixed(2)}x baseline)`);
    console.log(`  second status, fresh open, nothing changed: ${status2.ms.toFixed(0)} ms (target < 2000 ms; ${(status2.ms / baseline.ms).toFixed(2)}x baseline)`);
  } finally {
    // Cache objects are read-only files in writable folders: rm -r handles them.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) void run();
