import type { Command } from 'commander';
import { cancellable } from '../cancellable';
import path from 'node:path';
import { DataRepo, RemoteNotConfigured, type OutputStatus, type Progress, type TransferResult } from '../../core/data';
import { GitRepo } from '../../core/git';
import { table, toJson } from '../format';
import { workspaceDir, type WorkspaceOption } from '../workspaceDir';
import { registerRemoteCommands } from './dataRemote';

/*
 * Exit codes: 0 success; 1 failure (and, for `status`, "something is not up to date", like `git diff --exit-code`);
 * 2 usage errors (commander); 3 data loss (a hash mismatch), as main.ts maps MlopsError codes.
 * Targets are resolved against --workspace (like `git -C`). Progress goes to stderr, results to stdout.
 */

interface Common extends WorkspaceOption {
  json?: boolean;
}

function open(opts: WorkspaceOption): DataRepo {
  return DataRepo.open(workspaceDir(opts));
}

function targets(opts: WorkspaceOption, paths: string[] | undefined): string[] | undefined {
  if (!paths?.length) return undefined;
  return paths.map((p) => path.resolve(workspaceDir(opts), p));
}

function humanBytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(1) : n} ${u[i]}`;
}

function progressPrinter(quiet?: boolean): { onProgress: (p: Progress) => void; end: () => void } {
  const tty = process.stderr.isTTY;
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    onProgress: (p) => {
      if (quiet) return;
      const now = Date.now();
      // Logs (no TTY) get a line every 2 s of long operations only, not a line per quick command.
      if (!tty && now - start < 2000) return;
      const final = p.totalFiles > 0 && p.files === p.totalFiles;
      if (!final && now - last < (tty ? 100 : 2000)) return;
      last = now;
      const files = p.totalFiles ? `${p.files}/${p.totalFiles} files` : `${p.files} files`;
      const bytes = p.totalBytes ? `${humanBytes(p.bytes)}/${humanBytes(p.totalBytes)}` : humanBytes(p.bytes);
      const line = `${p.phase}: ${files}, ${bytes}`;
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else process.stderr.write(line + '\n');
      shown = true;
    },
    end: () => {
      if (tty && shown) process.stderr.write('\n');
    },
  };
}

async function run<T>(fn: (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<T>, quiet?: boolean): Promise<T> {
  const c = cancellable();
  const p = progressPrinter(quiet);
  try {
    return await fn(c.signal, p.onProgress);
  } finally {
    p.end();
    c.done();
  }
}

/** Stages the given files when asked (or when core.autostage is on); otherwise prints DVC's hint. */
async function gitHint(repo: DataRepo, files: string[], stage: boolean | undefined): Promise<void> {
  const unique = [...new Set(files)];
  if (!unique.length) return;
  const auto = /^true$/i.test(repo.config.get('core', 'autostage') ?? '');
  const git = await GitRepo.tryOpen(repo.root);
  const rel = unique.map((f) => path.relative(process.cwd(), f) || '.');
  if (git && (stage || auto)) {
    await git.stage(unique);
    console.error(`staged in git: ${rel.join(' ')}`);
  } else if (git) {
    console.error(`To track the changes with git, run:\n\n\tgit add ${rel.map((r) => (/[\s'"$]/.test(r) ? JSON.stringify(r) : r)).join(' ')}\n`);
  }
}

const STATE_LABEL: Record<OutputStatus['state'], string> = {
  unchanged: 'unchanged',
  modified: 'modified',
  new: 'new',
  deleted: 'deleted',
  'not-in-cache': 'not in cache',
};

function statusJson(s: OutputStatus) {
  return {
    path: s.output.path,
    dvcFile: s.output.dvcFile,
    isDir: s.output.isDir,
    state: s.state,
    inCache: s.inCache,
    changes: s.changes,
    recorded: s.output.out.md5 ? { md5: s.output.out.md5, size: s.output.out.size, nfiles: s.output.out.nfiles, hash: s.output.out.hashName } : null,
    current: s.current ?? null,
  };
}

function transferSummary(verb: string, r: TransferResult): string {
  const parts = [`${r.transferred} object(s) ${verb} (${humanBytes(r.bytes)})`];
  if (r.skipped) parts.push(`${r.skipped} already there`);
  if (r.missing.length) parts.push(`${r.missing.length} missing`);
  return parts.join(', ');
}

function reportMissing(r: TransferResult, where: string): void {
  if (!r.missing.length) return;
  for (const m of r.missing.slice(0, 20)) console.error(`missing from ${where}: ${m.output} (${m.oid})`);
  if (r.missing.length > 20) console.error(`… and ${r.missing.length - 20} more`);
  process.exitCode = 1;
}

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('version data files and folders (DVC 3 compatible)');
  const ws = (c: Command) => c.option('--workspace <dir>', 'repository folder (default: current folder)');

  ws(data.command('init').description('create .dvc/ (config, .gitignore) and .dvcignore; an existing repository is reused'))
    .option('--stage', 'stage the new files in git')
    .action(async (opts: WorkspaceOption & { stage?: boolean }) => {
      const r = DataRepo.init(workspaceDir(opts));
      console.log(r.created ? `Initialized a DVC repository in ${r.repo.root}` : `${r.repo.root} already is a DVC repository; nothing changed`);
      await gitHint(r.repo, r.files, opts.stage);
    });

  ws(data.command('add').description('version files or folders: cache them, write PATH.dvc, git-ignore the data'))
    .argument('<paths...>', 'files or folders to version')
    .option('--stage', 'stage the .dvc and .gitignore files in git')
    .option('--json', 'print JSON')
    .action(async (paths: string[], opts: Common & { stage?: boolean }) => {
      const repo = open(opts);
      const results = await run((signal, onProgress) => repo.add(targets(opts, paths)!, { signal, onProgress }), opts.json);
      if (opts.json) console.log(toJson(results));
      else
        for (const r of results)
          console.log(
            `${r.updated ? (r.changed ? 'updated' : 'unchanged') : 'added'}: ${path.relative(repo.root, r.output)} → ${path.relative(repo.root, r.dvcFile)}`,
          );
      await gitHint(
        repo,
        results.flatMap((r) => [r.dvcFile, ...(r.gitignore ? [r.gitignore] : [])]),
        opts.stage,
      );
    });

  ws(data.command('status').description('compare the workspace with the .dvc files; exits 1 when anything is not up to date'))
    .argument('[targets...]', 'outputs or .dvc files (default: all)')
    .option('--json', 'print JSON')
    .option('-c, --cloud', 'compare the cache with the remote instead (what push / fetch would move)')
    .option('-r, --remote <name>', "remote for --cloud (default: each output's remote, else core.remote)")
    .action(async (paths: string[], opts: Common & { cloud?: boolean; remote?: string }) => {
      const repo = open(opts);
      if (opts.cloud) {
        const cs = await run((signal) => repo.remoteStatus(targets(opts, paths), { signal, remote: opts.remote }), true);
        const behind = cs.filter((c) => c.missingOnRemote || c.missingInCache);
        if (opts.json)
          console.log(toJson(cs.map((c) => ({ path: c.output.path, total: c.total, missingOnRemote: c.missingOnRemote, missingInCache: c.missingInCache }))));
        else if (!behind.length) console.log('Cache and remote are in sync.');
        else
          console.log(
            table(
              ['OUTPUT', 'OBJECTS', 'NOT ON REMOTE', 'NOT IN CACHE'],
              behind.map((c) => [c.output.path, c.total, c.missingOnRemote, c.missingInCache]),
            ),
          );
        if (behind.length) process.exitCode = 1;
        return;
      }
      const st = await run((signal, onProgress) => repo.status(targets(opts, paths), { signal, onProgress }), opts.json);
      const dirty = st.outputs.filter((s) => s.state !== 'unchanged');
      if (opts.json) console.log(toJson({ outputs: st.outputs.map(statusJson), invalid: st.invalid }));
      else {
        for (const i of st.invalid) console.error(`cannot read ${i.message}`);
        if (!dirty.length && !st.invalid.length) console.log('Data is up to date.');
        for (const s of dirty) {
          console.log(`${s.output.path}: ${STATE_LABEL[s.state]}${s.state !== 'not-in-cache' && !s.inCache ? ' (not in cache)' : ''}`);
          for (const c of s.changes.slice(0, 50)) console.log(`    ${c.change}: ${c.relpath}`);
          if (s.changes.length > 50) console.log(`    … and ${s.changes.length - 50} more`);
        }
      }
      if (dirty.length || st.invalid.length) process.exitCode = 1;
    });

  ws(data.command('commit').description('record the workspace version of modified outputs'))
    .argument('[targets...]', 'outputs or .dvc files (default: all)')
    .option('--stage', 'stage the changed .dvc files in git')
    .option('--json', 'print JSON')
    .action(async (paths: string[], opts: Common & { stage?: boolean }) => {
      const repo = open(opts);
      const results = await run((signal, onProgress) => repo.commit(targets(opts, paths), { signal, onProgress }), opts.json);
      const changed = results.filter((r) => r.changed);
      if (opts.json)
        console.log(
          toJson(
            results.map((r) => ({
              path: r.output.path,
              dvcFile: r.output.dvcFile,
              changed: r.changed,
              md5: r.hash.md5,
              size: r.hash.size,
              nfiles: r.hash.nfiles,
            })),
          ),
        );
      else if (!changed.length) console.log('Nothing to commit.');
      else for (const r of changed) console.log(`committed: ${r.output.path} (${r.hash.md5})`);
      await gitHint(
        repo,
        changed.map((r) => r.output.dvcFileAbs),
        opts.stage,
      );
    });

  ws(data.command('checkout').description('restore workspace data from the cache to match the .dvc files'))
    .argument('[targets...]', 'outputs or .dvc files (default: all)')
    .option('-f, --force', 'overwrite or delete modified files whose content is not in the cache')
    .option('--json', 'print JSON')
    .action(async (paths: string[], opts: Common & { force?: boolean }) => {
      const repo = open(opts);
      const r = await run((signal, onProgress) => repo.checkout(targets(opts, paths), { signal, onProgress, force: opts.force }), opts.json);
      if (opts.json) console.log(toJson(r));
      else {
        if (!r.restored.length && !r.removed.length) console.log('Workspace already matches.');
        if (r.restored.length) console.log(`restored ${r.restored.length} file(s)`);
        if (r.removed.length) console.log(`removed ${r.removed.length} file(s)`);
      }
      for (const m of r.missing) console.error(`not in cache (run "mlops data pull"): ${m.output}`);
      if (r.missing.length) process.exitCode = 1;
    });

  const transfer = (name: 'push' | 'fetch' | 'pull', desc: string) => {
    const c = ws(data.command(name).description(desc))
      .argument('[targets...]', 'outputs or .dvc files (default: all)')
      .option('-r, --remote <name>', "remote name (default: each output's remote, else core.remote)")
      .option('-j, --jobs <n>', "parallel transfers (default: the remote's jobs; 4 per CPU for s3)", (v: string) => {
        if (!/^[1-9][0-9]*$/.test(v)) throw new RemoteNotConfigured(`--jobs must be a whole number >= 1, got ${JSON.stringify(v)}`);
        return Number(v);
      })
      .option('--json', 'print JSON');
    if (name === 'pull') c.option('-f, --force', 'overwrite modified files during checkout');
    c.action(async (paths: string[], opts: Common & { remote?: string; force?: boolean; jobs?: number }) => {
      const repo = open(opts);
      const t = targets(opts, paths);
      const o = { remote: opts.remote, force: opts.force, jobs: opts.jobs };
      const r = await run((signal, onProgress) => {
        const oo = { ...o, signal, onProgress };
        return name === 'push' ? repo.push(t, oo) : name === 'fetch' ? repo.fetch(t, oo) : repo.pull(t, oo);
      }, opts.json);
      if (opts.json) console.log(toJson(r));
      else console.log(transferSummary(name === 'push' ? 'uploaded' : 'downloaded', r));
      reportMissing(r, name === 'push' ? 'the cache' : 'the remote');
    });
  };
  transfer('push', 'upload cached data the remote lacks (folder manifests last)');
  transfer('fetch', 'download data the cache lacks from the remote, verifying every object');
  transfer('pull', 'fetch, then checkout');

  registerRemoteCommands(data, ws);
}
