import fs from 'node:fs';
import path from 'node:path';
import type { TrackedOutput } from '../data';
import { checkoutOutputs } from '../data/checkout';
import { gitignoreEntry, ignoreOutput } from '../data/gitignore';
import type { GitRepo } from '../git';
import { launch } from '../exec';
import { StageFailed } from './errors';
import type { PathHasher } from './hashing';
import type { LockEntry, LockStage } from './lockfile';
import { isPyMap, type PyValue } from './pyvalue';
import type { Stage } from './types';

export interface CmdOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onOutput?: (chunk: string) => void;
  logDir?: string;
}

/** Runs the stage's commands one after another through /bin/sh in its wdir; 'killed' when cancelled. */
export async function runCommands(stage: Stage, o: CmdOptions): Promise<'ok' | 'killed' | { failed: string }> {
  const cmds = Array.isArray(stage.cmd) ? stage.cmd : [stage.cmd];
  for (let i = 0; i < cmds.length; i++) {
    o.onOutput?.(`> ${cmds[i]}\n`);
    const r = await launch({
      command: cmds[i],
      cwd: stage.wdir,
      env: o.env,
      signal: o.signal,
      onOutput: (c) => o.onOutput?.(c),
      logFile: o.logDir ? path.join(o.logDir, cmds.length > 1 ? `stdout-${i + 1}.log` : 'stdout.log') : undefined,
    });
    if (r.killed) return 'killed';
    if (r.exitCode !== 0)
      return { failed: `failed to reproduce '${stage.name}': command '${cmds[i]}' ${r.signal ? `ended by ${r.signal}` : `exited with code ${r.exitCode}`}` };
  }
  return 'ok';
}

/**
 * Deletes the outputs before the command writes them again (DVC's remove_outs). A persistent output stays; an
 * output whose content is not in the cache is moved to `.dvc/tmp/repro-backup/` instead, so nothing is lost.
 */
export async function removeOuts(stage: Stage, h: PathHasher, dvcDir: string, say: (s: string) => void): Promise<void> {
  for (const o of stage.outs) {
    if (o.persist || !fs.existsSync(o.abs)) continue;
    const now = await h.hash(o.abs);
    if (now?.md5 && h.inCache(now.md5)) {
      fs.rmSync(o.abs, { recursive: true, force: true });
    } else {
      const dest = path.join(dvcDir, 'tmp', 'repro-backup', `${Date.now()}`, h.rel(o.abs));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.renameSync(o.abs, dest);
      say(`[mlops] ${h.rel(o.abs)} was not in the cache; moved to ${path.relative(h.parts.root, dest)} before rerunning '${stage.name}'\n`);
    }
    h.forget(o.abs);
  }
}

/** Hashes every output (caching the cached ones) and git-ignores them, as `dvc repro` commits a stage. */
export async function commitOuts(stage: Stage, h: PathHasher, git: GitRepo | undefined): Promise<LockEntry[]> {
  const missing = stage.outs.filter((o) => !fs.existsSync(o.abs));
  if (missing.length) throw new StageFailed(stage.name, `output ${missing.map((m) => `'${m.path}'`).join(', ')} was not created by the command`);
  const out: LockEntry[] = [];
  for (const o of stage.outs) {
    const hashed = o.cache ? await h.commit(o.abs) : (h.forget(o.abs), await h.hash(o.abs));
    out.push({ path: o.path, ...hashed });
    if (o.cache) await gitIgnore(o.abs, git);
  }
  return out;
}

async function gitIgnore(abs: string, git: GitRepo | undefined): Promise<void> {
  const file = path.join(path.dirname(abs), '.gitignore');
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // no .gitignore yet
  }
  if (text.split(/\r?\n/).includes(gitignoreEntry(abs))) return;
  if (git && (await git.ignored(abs))) return;
  ignoreOutput(abs);
}

function trackedOutput(stage: Stage, lockFile: string, root: string, e: LockEntry, i: number): TrackedOutput {
  const abs = path.resolve(stage.wdir, e.path);
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
  return {
    path: rel(abs),
    abs,
    dvcFile: rel(lockFile),
    dvcFileAbs: lockFile,
    index: i,
    isDir: !!e.md5?.endsWith('.dir'),
    out: { path: e.path, md5: e.md5, size: e.size, nfiles: e.nfiles, isexec: e.isexec, hashName: 'md5', cache: true, push: true },
  };
}

/**
 * Restores a stage's outputs from a run-cache entry: only when every cached output's objects are present. Returns
 * the entries restored, or undefined when the cache cannot serve this run.
 */
export async function restoreOuts(stage: Stage, cached: { [k: string]: PyValue }, lockFile: string, h: PathHasher): Promise<LockEntry[] | undefined> {
  const outs = (cached.outs as PyValue[]).filter(isPyMap).map((o) => ({
    path: String(o.path),
    hash: o.hash === 'md5' ? ('md5' as const) : undefined,
    md5: o.md5 === undefined ? undefined : String(o.md5),
    size: typeof o.size === 'number' ? o.size : undefined,
    nfiles: typeof o.nfiles === 'number' ? o.nfiles : undefined,
    isexec: o.isexec === true || undefined,
  }));
  const byPath = new Map(outs.map((o) => [o.path, o]));
  if (stage.outs.some((o) => !byPath.get(o.path)?.md5 || byPath.get(o.path)!.hash !== 'md5')) return undefined;
  // Uncached outputs (cache: false metrics) were put in the cache when the run was saved, as DVC does.
  const toCheckout = stage.outs.map((o) => byPath.get(o.path)!);
  if (!toCheckout.every((e) => h.inCache(e.md5!))) return undefined;
  const tracked = toCheckout.map((e, i) => trackedOutput(stage, lockFile, h.parts.root, e, i));
  const r = await checkoutOutputs(h.parts, tracked, { force: true, signal: h.opts.signal });
  if (r.missing.length) return undefined;
  for (const o of stage.outs) h.forget(o.abs);
  return stage.outs.map((o) => byPath.get(o.path)!);
}

export function lockOf(inputs: LockStage, outs: LockEntry[]): LockStage {
  return { ...inputs, outs };
}
