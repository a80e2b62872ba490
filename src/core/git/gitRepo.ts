import fs from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { MlopsError } from '../errors';

export class NotAGitRepo extends MlopsError {
  constructor(readonly dir: string) {
    super('RESOURCE_DOES_NOT_EXIST', `${dir} is not inside a git repository`);
  }
}

export class GitFailed extends MlopsError {
  constructor(what: string, detail: string) {
    super('INTERNAL_ERROR', `git ${what} failed: ${detail}`);
  }
}

/** The bits of git that runs and data versioning record or touch. A thin wrapper over simple-git. */
export class GitRepo {
  private constructor(
    readonly root: string,
    private readonly git: SimpleGit,
  ) {}

  /** Opens the git work tree containing `dir`; throws `NotAGitRepo` outside one. */
  static async open(dir: string): Promise<GitRepo> {
    const abs = path.resolve(dir);
    const git = simpleGit({ baseDir: abs });
    let top: string;
    try {
      top = (await git.revparse(['--show-toplevel'])).trim();
    } catch {
      throw new NotAGitRepo(abs);
    }
    return new GitRepo(top, simpleGit({ baseDir: top }));
  }

  /** Like `open`, but undefined outside a git repository. */
  static async tryOpen(dir: string): Promise<GitRepo | undefined> {
    try {
      return await GitRepo.open(dir);
    } catch (e) {
      if (e instanceof NotAGitRepo) return undefined;
      throw e;
    }
  }

  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw new GitFailed(what, (e as Error).message.trim());
    }
  }

  /** The HEAD commit sha, or undefined before the first commit. */
  async commit(): Promise<string | undefined> {
    try {
      return (await this.git.revparse(['--verify', '-q', 'HEAD'])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** The checked-out branch, or undefined on a detached HEAD. */
  async branch(): Promise<string | undefined> {
    const b = (await this.run('symbolic-ref', () => this.git.raw(['symbolic-ref', '-q', '--short', 'HEAD']).catch(() => ''))).trim();
    return b || undefined;
  }

  /** Whether the work tree has uncommitted changes (untracked files count). */
  /** Whether the work tree has changes, apart from those under the `except` folders (absolute or root-relative). */
  async dirty(except: string[] = []): Promise<boolean> {
    const s = await this.run('status', () => this.git.status());
    const skip = except.map((d) => this.relative(d).replace(/\/+$/, '') + '/');
    const ours = (p: string) => skip.some((d) => p === d.slice(0, -1) || p.startsWith(d));
    return s.files.some((f) => !ours(f.path.replace(/^"|"$/g, '')));
  }

  /** The fetch URL of `origin` (else the first remote), or undefined without remotes. */
  async repoURL(): Promise<string | undefined> {
    const remotes = await this.run('remote', () => this.git.getRemotes(true));
    const r = remotes.find((x) => x.name === 'origin') ?? remotes[0];
    return r?.refs.fetch || undefined;
  }

  /** `git diff` text: of the work tree against HEAD (or the index when `staged`), optionally limited to paths. */
  async diff(opts: { staged?: boolean; paths?: string[] } = {}): Promise<string> {
    const args = opts.staged ? ['--cached'] : [];
    if (opts.paths?.length) args.push('--', ...opts.paths.map((p) => this.relative(p)));
    return this.run('diff', () => this.git.diff(args));
  }

  /** `git add` the given paths (absolute or relative to the work tree root). */
  async stage(paths: string[]): Promise<void> {
    if (!paths.length) return;
    await this.run('add', () => this.git.add(paths.map((p) => this.relative(p))));
  }

  /** `git rm -r --cached`: git stops tracking the paths; the files stay on disk. */
  async untrack(paths: string[]): Promise<void> {
    if (!paths.length) return;
    await this.run('rm --cached', () => this.git.raw(['rm', '-r', '-q', '--cached', '--', ...paths.map((p) => this.relative(p))]));
  }

  /** Which of the paths git already tracks (DVC refuses to add those). */
  async tracked(paths: string[]): Promise<string[]> {
    if (!paths.length) return [];
    const out = await this.run('ls-files', () => this.git.raw(['ls-files', '-z', '--', ...paths.map((p) => this.relative(p))]));
    return out.split('\0').filter(Boolean);
  }

  /** Whether git ignores the path (then DVC adds no `.gitignore` line). */
  async ignored(p: string): Promise<boolean> {
    const hits = await this.run('check-ignore', () => this.git.checkIgnore([this.relative(p)]));
    return hits.length > 0;
  }

  private relative(p: string): string {
    const rel = path.relative(this.root, realish(path.resolve(this.root, p)));
    return rel.split(path.sep).join('/') || '.';
  }
}

/** Resolves symlinks in the existing part of a path (git reports the real top-level, e.g. macOS /private/tmp). */
function realish(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    const dir = path.dirname(p);
    return dir === p ? p : path.join(realish(dir), path.basename(p));
  }
}
