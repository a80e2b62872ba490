import fs from 'node:fs';
import path from 'node:path';
import { DataRepo, type OpenOptions } from '../data';
import { SKIP_DIRS } from '../data/collect';
import { buildDag, selectStages, type Dag, type SelectOptions } from './dag';
import { PipelineFileCache } from './fileCache';
import { PathHasher } from './hashing';
import { useParamsCache } from './params';
import { readLock, type LockFile } from './lockfile';
import { loadPipeline } from './parse';
import { stageStatus, type StageStatus } from './status';
import type { Pipeline, Stage } from './types';

/** How deep below the repository root dvc.yaml files are looked for. */
const MAX_DEPTH = 3;

function findPipelineFiles(root: string): { dirs: string[]; files: string[] } {
  const out: string[] = [];
  const dirs: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    dirs.push(dir);
    if (entries.some((e) => e.name === 'dvc.yaml' && e.isFile())) out.push(path.join(dir, 'dvc.yaml'));
    if (depth >= MAX_DEPTH) return;
    for (const e of entries) {
      if (e.isDirectory() && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(path.join(dir, e.name), depth + 1);
    }
  };
  walk(root, 0);
  return { dirs, files: out };
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

/** A DVC repository's pipelines: every dvc.yaml (root first), its locks, and the stage graph across them. */
export class PipelineRepo {
  private locks = new Map<string, LockFile>();

  private constructor(
    readonly data: DataRepo,
    readonly pipelines: Pipeline[],
    readonly dag: Dag,
    readonly files: PipelineFileCache,
  ) {}

  static open(dir: string, opts: OpenOptions = {}): PipelineRepo {
    const data = DataRepo.open(dir, opts);
    return PipelineRepo.load(data, opts.statCacheFile === false ? false : undefined);
  }

  /** Reads the pipelines of an open data repository (again, after dvc.yaml changed). */
  static load(data: DataRepo, cacheFile?: string | false): PipelineRepo {
    const files = PipelineFileCache.load(cacheFile === false ? undefined : (cacheFile ?? path.join(data.dvcDir, 'tmp', 'mlops-pipelines.json')));
    useParamsCache(files);
    const found = [...files.pipelineFiles(() => findPipelineFiles(data.root))].sort((a, b) =>
      path.dirname(a) === data.root ? -1 : path.dirname(b) === data.root ? 1 : a < b ? -1 : 1,
    );
    const pipelines = found.map((f) => loadPipeline(f, files)!).filter(Boolean);
    for (const p of pipelines) {
      if (p.dir === data.root) continue;
      const rel = posix(path.relative(data.root, p.file));
      for (const s of p.stages) s.name = `${rel}:${s.key}`;
    }
    const stages = pipelines.flatMap((p) => p.stages);
    return new PipelineRepo(data, pipelines, buildDag(stages, data.root), files);
  }

  get root(): string {
    return this.data.root;
  }

  get stages(): Stage[] {
    return this.dag.stages;
  }

  stage(name: string): Stage {
    const s = this.dag.byName.get(name);
    if (!s) throw new Error(`no stage named '${name}'`);
    return s;
  }

  lockFileOf(stage: Stage): string {
    return path.join(path.dirname(stage.dvcFile), 'dvc.lock');
  }

  /** The lock file of a stage, read once per PipelineRepo (repro keeps it current as stages finish). */
  lock(stage: Stage): LockFile {
    const f = this.lockFileOf(stage);
    let l = this.locks.get(f);
    if (!l) {
      l = readLock(f, this.files);
      this.locks.set(f, l);
    }
    return l;
  }

  hasher(signal?: AbortSignal): PathHasher {
    return new PathHasher(this.data, { signal }, this.files);
  }

  /** `dvc status`: each selected stage's state and what changed. */
  async status(targets: string[] = [], opts: SelectOptions & { signal?: AbortSignal } = {}): Promise<StageStatus[]> {
    const h = this.hasher(opts.signal);
    try {
      const names = selectStages(this.dag, targets, opts);
      const out: StageStatus[] = [];
      for (const n of names) {
        const s = this.dag.byName.get(n)!;
        out.push(await stageStatus(s, this.lock(s), h, s.key));
      }
      return out;
    } finally {
      this.flush();
    }
  }

  /** Persists the stat cache and the parsed-file cache. */
  flush(): void {
    this.data.flush();
    try {
      this.files.save();
    } catch {
      // only a cache
    }
  }
}
