// Data versioning speed, each figure against its baseline measured in the same run, alternating (baseline, ours,
// baseline, ours, …) and taking the median of the rounds, both as separate processes (the built CLI):
//   status of N unchanged small files, warm        vs  `git status` on the same files (a git repo over the folder)
//   add of 10,000 × 4 KiB and of N × 1 KiB files  vs  `md5sum` over them + `cp -r` of the folder
//   add of one large file                          vs  `md5sum` of it (speed ratio)
// MLOPS_BENCH_QUICK=1 shrinks the sizes; MLOPS_BENCH_DATA_FILES (default 100,000), MLOPS_BENCH_DATA_MIB (1024) and
// MLOPS_BENCH_DATA_ROUNDS (5) override them.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const quick = !!process.env.MLOPS_BENCH_QUICK;
const MIB = Number(process.env.MLOPS_BENCH_DATA_MIB ?? (quick ? 128 : 1024));
const FILES = Number(process.env.MLOPS_BENCH_DATA_FILES ?? (quick ? 20_000 : 100_000));
const ROUNDS = Number(process.env.MLOPS_BENCH_DATA_ROUNDS ?? (quick ? 3 : 5));
const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'dist', 'cli.js');

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): number {
  const t0 = now();
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const ms = now() - t0;
  if (r.status !== 0 && !(args.includes('status') && r.status === 1)) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

/** Alternates baseline and ours for ROUNDS rounds (each preceded by its own set-up); medians and their ratio. */
function compare(rounds: number, baseline: () => number, ours: () => number): { base: number; ours: number; ratio: number } {
  const b: number[] = [];
  const o: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2) {
      o.push(ours());
      b.push(baseline());
    } else {
      b.push(baseline());
      o.push(ours());
    }
  }
  return { base: median(b), ours: median(o), ratio: median(o) / median(b) };
}

function writeSmallFiles(dir: string, n: number, size: number): void {
  const perDir = 1000;
  for (let i = 0; i < n; i++) {
    const d = path.join(dir, `part-${String(Math.floor(i / perDir)).padStart(3, '0')}`);
    if (i % perDir === 0) fs.mkdirSync(d, { recursive: true });
    const row = `{"id": ${i}, "value": ${Math.sin(i)}, "label": "`;
    fs.writeFileSync(path.join(d, `row-${i}.json`), row + 'x'.repeat(Math.max(0, size - row.length - 3)) + '"}\n');
  }
}

function writeBigFile(p: string, mib: number): void {
  const fd = fs.openSync(p, 'w');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let i = 0; i < mib; i++) fs.writeSync(fd, randomFillSync(buf));
  fs.closeSync(fd);
}

/** A repository with `name` in it, and a function that undoes an add (cache, .dvc file, our caches). */
function repoWith(tmp: string, name: string, make: (p: string) => void): { repo: string; target: string; reset: () => void } {
  const repo = fs.mkdtempSync(path.join(tmp, 'repo-'));
  execFileSync('git', ['init', '-q'], { cwd: repo });
  execFileSync(process.execPath, [cli, 'data', 'init'], { cwd: repo, stdio: 'ignore' });
  const target = path.join(repo, name);
  make(target);
  const reset = () => {
    for (const p of ['.dvc/cache', '.dvc/tmp', `${name}.dvc`]) fs.rmSync(path.join(repo, p), { recursive: true, force: true });
  };
  return { repo, target, reset };
}

function md5sumAll(dir: string): number {
  return timed('sh', ['-c', 'find . -type f -print0 | xargs -0 md5sum > /dev/null'], dir);
}

function addFigure(tmp: string, label: string, n: number, size: number): number {
  const { repo, target, reset } = repoWith(tmp, 'data', (p) => writeSmallFiles(p, n, size));
  const copy = path.join(tmp, 'copy');
  const r = compare(
    ROUNDS,
    () => {
      fs.rmSync(copy, { recursive: true, force: true });
      return md5sumAll(target) + timed('cp', ['-r', target, copy], tmp);
    },
    () => {
      reset();
      return timed(process.execPath, [cli, 'data', 'add', 'data'], repo);
    },
  );
  fs.rmSync(copy, { recursive: true, force: true });
  console.log(`add ${label}: mlops ${r.ours.toFixed(0)} ms, md5sum + cp -r ${r.base.toFixed(0)} ms → ratio ${r.ratio.toFixed(2)} (goal ≤ 1.20)`);
  fs.rmSync(repo, { recursive: true, force: true });
  return r.ratio;
}

function statusFigure(tmp: string): number {
  const { repo, target } = repoWith(tmp, 'data', (p) => writeSmallFiles(p, FILES, 1024));
  execFileSync(process.execPath, [cli, 'data', 'add', 'data'], { cwd: repo, stdio: 'ignore' });
  // The same files in git: a separate git dir whose work tree is the folder.
  const gitDir = path.join(tmp, 'git-over-data');
  const git = ['--git-dir', gitDir, '--work-tree', target];
  execFileSync('git', ['init', '-q', '--bare', gitDir]);
  execFileSync('git', [...git, 'add', '-A'], { cwd: target });
  execFileSync('git', [...git, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', 'data'], { cwd: target });
  // Warm both: git's index refresh, our folder summary and cache stamp (files older than the racy window).
  spawnSync('sleep', ['0.2']);
  timed('git', [...git, 'status'], target);
  timed(process.execPath, [cli, 'data', 'status'], repo);
  const r = compare(
    ROUNDS * 2 - 1,
    () => timed('git', [...git, 'status'], target),
    () => timed(process.execPath, [cli, 'data', 'status'], repo),
  );
  console.log(
    `status, ${FILES} unchanged 1 KiB files, warm: mlops ${r.ours.toFixed(0)} ms, git status ${r.base.toFixed(0)} ms → ratio ${r.ratio.toFixed(2)} (goal ≤ 1.00)`,
  );
  fs.rmSync(repo, { recursive: true, force: true });
  fs.rmSync(gitDir, { recursive: true, force: true });
  return r.ratio;
}

function bigFigure(tmp: string): number {
  const { repo, target, reset } = repoWith(tmp, 'big.bin', (p) => writeBigFile(p, MIB));
  const r = compare(
    ROUNDS,
    () => timed('md5sum', [target], tmp),
    () => {
      reset();
      return timed(process.execPath, [cli, 'data', 'add', 'big.bin'], repo);
    },
  );
  console.log(
    `add of one ${MIB} MiB file: mlops ${r.ours.toFixed(0)} ms, md5sum ${r.base.toFixed(0)} ms → speed ratio ${(1 / r.ratio).toFixed(2)} of md5sum (goal ≥ 0.90)`,
  );
  fs.rmSync(repo, { recursive: true, force: true });
  return 1 / r.ratio;
}

export async function run(): Promise<void> {
  const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('build failed');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-data-'));
  console.log(
    `${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${ROUNDS} rounds, medians`,
  );
  try {
    const only = (process.env.MLOPS_BENCH_DATA_ONLY ?? 'status,add4k,add1k,big').split(',');
    if (only.includes('status')) statusFigure(tmp);
    if (only.includes('add4k')) addFigure(tmp, `10,000 × 4 KiB`, quick ? 5000 : 10_000, 4096);
    if (only.includes('add1k')) addFigure(tmp, `${FILES} × 1 KiB`, FILES, 1024);
    if (only.includes('big')) bigFigure(tmp);
  } finally {
    // Cache objects are read-only files in writable folders: rm -r handles them.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) void run();
