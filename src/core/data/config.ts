import fs from 'node:fs';
import path from 'node:path';
import { InvalidConfig, RemoteNotConfigured } from './errors';
import { IniFile } from './ini';

export interface RemoteConfig {
  name: string;
  /** As written in the config. */
  rawUrl: string;
  /** Relative paths resolved against `.dvc/`; URLs with a scheme unchanged. */
  url: string;
  isDefault: boolean;
  /** Every key of the section (`url`, `jobs`, `verify`, credentials from config.local, ...). */
  options: Record<string, string>;
}

export const CACHE_TYPES = ['reflink', 'hardlink', 'symlink', 'copy'] as const;
export type CacheType = (typeof CACHE_TYPES)[number];

export function hasScheme(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

function checkRemoteName(name: string): void {
  if (!name || /["[\]]/.test(name) || name !== name.trim()) throw new RemoteNotConfigured(`invalid remote name ${JSON.stringify(name)}`);
}

/**
 * `.dvc/config` plus the git-ignored `.dvc/config.local` (credentials), merged with local winning, as DVC does for the
 * repo levels. System and global levels are not read.
 */
export class DvcConfig {
  private constructor(
    readonly dvcDir: string,
    private repo: IniFile,
    private local: IniFile,
  ) {}

  static load(dvcDir: string): DvcConfig {
    const read = (f: string) => new IniFile(fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '', f);
    return new DvcConfig(dvcDir, read(path.join(dvcDir, 'config')), read(path.join(dvcDir, 'config.local')));
  }

  get(section: string, key: string): string | undefined {
    return this.local.get(section, key) ?? this.repo.get(section, key);
  }

  private resolvePath(p: string): string {
    if (hasScheme(p) || path.isAbsolute(p)) return p;
    return path.resolve(this.dvcDir, p);
  }

  /** Where objects are cached: `cache.dir` (relative to `.dvc/`) or `.dvc/cache`. */
  cacheDir(): string {
    const d = this.get('cache', 'dir');
    return d ? this.resolvePath(d) : path.join(this.dvcDir, 'cache');
  }

  /**
   * `cache.type`: how cached files are linked into the workspace, in order of preference (`reflink`, `hardlink`,
   * `symlink`, `copy`); default `reflink,copy`, as DVC. Unknown names are refused, as DVC's config schema does.
   */
  cacheTypes(): CacheType[] {
    const raw = this.get('cache', 'type');
    if (!raw) return ['reflink', 'copy'];
    const types = raw
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean);
    const bad = types.find((t) => !(CACHE_TYPES as readonly string[]).includes(t));
    if (bad || !types.length)
      throw new InvalidConfig(
        ...this.whereIs('cache', 'type'),
        `cache.type ${JSON.stringify(raw)}: expected a comma-separated list of ${CACHE_TYPES.join(', ')}`,
      );
    return types as CacheType[];
  }

  /** The file and 1-based line defining a key (local level first), for error messages. */
  private whereIs(section: string, key: string): [string, number] {
    for (const [ini, name] of [
      [this.local, 'config.local'],
      [this.repo, 'config'],
    ] as const) {
      const line = ini.lineOf(section, key);
      if (line !== undefined) return [path.join(this.dvcDir, name), line + 1];
    }
    return [path.join(this.dvcDir, 'config'), 0];
  }

  defaultRemoteName(): string | undefined {
    return this.get('core', 'remote') || undefined;
  }

  remotes(): RemoteConfig[] {
    const names = new Set<string>();
    for (const ini of [this.repo, this.local]) for (const s of ini.sectionNames()) if (s.startsWith('remote "')) names.add(s.slice(8, -1));
    const def = this.defaultRemoteName();
    return [...names].sort().map((name) => {
      const options = { ...this.repo.entries(`remote "${name}"`), ...this.local.entries(`remote "${name}"`) };
      const rawUrl = options.url ?? '';
      return { name, rawUrl, url: rawUrl ? this.resolvePath(rawUrl) : '', isDefault: name === def, options };
    });
  }

  /** The remote for an output: its own `remote:`, else the named one, else `core.remote`. */
  remote(name?: string): RemoteConfig {
    const want = name ?? this.defaultRemoteName();
    const all = this.remotes();
    if (!want) {
      throw new RemoteNotConfigured(
        all.length
          ? `no default remote; pass a remote name (${all.map((r) => r.name).join(', ')}) or set one with "mlops data remote add -d"`
          : 'no remote configured; add one with "mlops data remote add -d NAME URL"',
      );
    }
    const r = all.find((x) => x.name === want);
    if (!r) throw new RemoteNotConfigured(`remote "${want}" is not defined in ${path.join(this.dvcDir, 'config')}`);
    if (!r.url) throw new RemoteNotConfigured(`remote "${want}" has no url`);
    return r;
  }

  /**
   * Adds or changes a remote like `dvc remote add [-d] [--local]`: a relative local path (relative to `cwd`) is stored
   * relative to `.dvc/` with POSIX slashes.
   */
  setRemote(name: string, url: string, opts: { makeDefault?: boolean; local?: boolean; cwd?: string } = {}): void {
    checkRemoteName(name);
    const stored = this.storedUrl(url, opts.cwd);
    const ini = opts.local ? this.local : this.repo;
    ini.set(`remote "${name}"`, 'url', stored);
    if (opts.makeDefault) ini.set('core', 'remote', name);
    this.save(opts.local ? 'local' : 'repo');
  }

  /**
   * `dvc remote modify [--local] [--unset] NAME OPTION [VALUE]`: sets or removes one option of an existing remote; a
   * relative local `url` is stored relative to `.dvc/` as `add` does.
   */
  modifyRemote(name: string, option: string, value: string | undefined, opts: { local?: boolean; cwd?: string } = {}): void {
    if (!this.remotes().some((r) => r.name === name)) throw new RemoteNotConfigured(`remote "${name}" doesn't exist`);
    const key = option.toLowerCase();
    if (!/^[a-z][a-z0-9_]*$/.test(key)) throw new RemoteNotConfigured(`invalid option name ${JSON.stringify(option)}`);
    const ini = opts.local ? this.local : this.repo;
    if (value === undefined) {
      if (key === 'url' && !opts.local) throw new RemoteNotConfigured(`a remote needs a url; remove remote "${name}" instead`);
      ini.unset(`remote "${name}"`, key);
    } else ini.set(`remote "${name}"`, key, key === 'url' ? this.storedUrl(value, opts.cwd) : value);
    this.save(opts.local ? 'local' : 'repo');
  }

  /** Renames a remote in both files, and `core.remote` with it (`dvc remote rename`). */
  renameRemote(name: string, newName: string): void {
    if (!this.remotes().some((r) => r.name === name)) throw new RemoteNotConfigured(`remote "${name}" doesn't exist`);
    checkRemoteName(newName);
    if (this.remotes().some((r) => r.name === newName)) throw new RemoteNotConfigured(`remote "${newName}" already exists`);
    for (const ini of [this.repo, this.local]) {
      const entries = ini.entries(`remote "${name}"`);
      if (!Object.keys(entries).length && !ini.sectionNames().includes(`remote "${name}"`)) continue;
      ini.removeSection(`remote "${name}"`);
      for (const [k, v] of Object.entries(entries)) ini.set(`remote "${newName}"`, k, v);
      if (ini.get('core', 'remote') === name) ini.set('core', 'remote', newName);
    }
    this.save('repo');
    this.save('local');
  }

  /** Clears `core.remote` (`dvc remote default --unset`). */
  unsetDefaultRemote(): void {
    this.repo.unset('core', 'remote');
    this.save('repo');
  }

  private storedUrl(url: string, cwd?: string): string {
    if (hasScheme(url) || path.isAbsolute(url)) return url;
    return path
      .relative(this.dvcDir, path.resolve(cwd ?? process.cwd(), url))
      .split(path.sep)
      .join('/');
  }

  setDefaultRemote(name: string): void {
    if (!this.remotes().some((r) => r.name === name)) throw new RemoteNotConfigured(`remote "${name}" is not defined`);
    this.repo.set('core', 'remote', name);
    this.save('repo');
  }

  removeRemote(name: string): void {
    this.repo.removeSection(`remote "${name}"`);
    this.local.removeSection(`remote "${name}"`);
    if (this.repo.get('core', 'remote') === name) this.repo.unset('core', 'remote');
    this.save('repo');
    this.save('local');
  }

  private save(level: 'repo' | 'local'): void {
    const ini = level === 'repo' ? this.repo : this.local;
    const file = path.join(this.dvcDir, level === 'repo' ? 'config' : 'config.local');
    if (level === 'local' && !fs.existsSync(file) && !ini.toString()) return;
    fs.writeFileSync(file, ini.toString());
  }
}
