import fs from 'node:fs';
import path from 'node:path';
import { InvalidParameter, NotFound } from '../errors';
import { artifactDirOf } from '../tracking/artifactDir';
import { workspacePaths } from '../paths';

/** The root under which the server stores mlflow-artifacts: `<workspace>/.mlops/artifacts`. */
export function artifactRoot(workspace: string): string {
  return workspacePaths.artifacts(workspace);
}

const invalidPath = () => new InvalidParameter('Invalid path', 'path');

/**
 * Percent-decodes a path from a request the way MLflow's validate_path_is_safe does (until it stops
 * changing, so `%252e%252e` is `..` too); a malformed escape such as `%zz` is refused.
 */
export function decodeArtifactPath(raw: string): string {
  let cur = raw;
  for (let i = 0; i < 10; i++) {
    let next: string;
    try {
      next = decodeURIComponent(cur);
    } catch {
      throw new InvalidParameter(`Invalid path: malformed percent-escape in '${raw.slice(0, 200)}'`, 'path');
    }
    if (next === cur) return cur;
    cur = next;
  }
  throw invalidPath();
}

/**
 * The segments of a relative artifact path, refused as MLflow refuses them ("Invalid path"): `#`, backslashes,
 * `..` segments, absolute paths (POSIX or Windows), and control characters.
 */
export function artifactSegments(rel: string): string[] {
  const p = decodeArtifactPath(rel);
  // Also refused, where MLflow fails with a 500 or takes them: empty segments (`a//b`) and backslashes.
  if (/[\x00-\x1f#\\]/.test(p) || p.startsWith('/') || p.includes('//') || /^[A-Za-z]:/.test(p)) throw invalidPath();
  const parts = p.split('/');
  if (parts.includes('..')) throw invalidPath();
  return parts.filter((s) => s !== '' && s !== '.');
}

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Resolves `segments` under `base` through the file system: every part that exists is resolved to its real
 * path (following symlinks), and the result must stay inside the real `base`. A symlink that leads out of
 * the folder, or a dangling one, is refused. Returns the real path (with any not-yet-existing tail).
 */
export function containedPath(base: string, segments: string[]): string {
  const realBase = realOrSelf(base);
  let cur = realBase;
  for (let i = 0; i < segments.length; i++) {
    const next = path.join(cur, segments[i]);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(next);
    } catch {
      return path.join(next, ...segments.slice(i + 1)); // the rest does not exist yet: nothing to follow
    }
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = fs.realpathSync(next);
      } catch {
        throw new InvalidParameter(`Invalid path: '${segments.slice(0, i + 1).join('/')}' is a broken symbolic link`, 'path');
      }
      if (!isInside(realBase, target))
        throw new InvalidParameter(`Invalid path: '${segments.slice(0, i + 1).join('/')}' leads outside the artifact store`, 'path');
      cur = target;
    } else cur = next;
  }
  return cur;
}

/** Resolves an artifact path from a request to a real path inside `root` (see artifactSegments, containedPath). */
export function safeArtifactPath(root: string, rel: string): string {
  return containedPath(root, artifactSegments(rel));
}

export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

function entries(dir: string, relPrefix: string, realBase: string): FileInfo[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
  const out: FileInfo[] = [];
  const names = fs.readdirSync(dir).filter((n) => !n.startsWith('.mlops-tmp-'));
  for (const name of names.sort()) {
    const full = path.join(dir, name);
    let real: string;
    try {
      real = fs.realpathSync(full);
    } catch {
      continue; // broken symlink
    }
    if (!isInside(realBase, real)) continue; // a symlink out of the store is not an artifact
    const st = fs.statSync(real);
    const info: FileInfo = { path: relPrefix ? `${relPrefix}/${name}` : name, is_dir: st.isDirectory() };
    // MLflow leaves file_size out for an empty file (proto3 default).
    if (!info.is_dir && st.size > 0) info.file_size = st.size;
    out.push(info);
  }
  return out;
}

/** artifacts/list for a run: paths relative to the run's artifact root (as MLflow returns them). */
export function listArtifactDir(workspace: string, artifactUri: string, sub: string, relativeToRun: boolean): FileInfo[] {
  const base = artifactDirOf(workspace, artifactUri);
  if (!base) return [];
  const segments = sub ? artifactSegments(sub) : [];
  const dir = containedPath(base, segments);
  return entries(dir, relativeToRun ? segments.join('/') : '', realOrSelf(base));
}

/** mlflow-artifacts list: basenames relative to the queried folder. */
export function listUnderRoot(root: string, rel: string): FileInfo[] {
  return entries(safeArtifactPath(root, rel), '', realOrSelf(root));
}

export function statArtifact(root: string, rel: string): { abs: string; size: number } {
  const abs = safeArtifactPath(root, rel);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new NotFound(`Artifact '${rel}' does not exist.`);
  }
  if (!st.isFile()) throw new NotFound(`Artifact '${rel}' is a folder, not a file.`);
  return { abs, size: st.size };
}

export function deleteArtifact(root: string, rel: string): void {
  const segments = artifactSegments(rel);
  if (!segments.length) throw new InvalidParameter('Refusing to delete the artifact root', 'path');
  safeArtifactPath(root, rel); // refuses a path whose links lead out of the root
  // The entry itself, in its real folder: a symlink is removed, not what it points to.
  const abs = path.join(containedPath(root, segments.slice(0, -1)), segments[segments.length - 1]);
  if (!fs.existsSync(abs)) throw new NotFound(`Artifact '${rel}' does not exist.`);
  fs.rmSync(abs, { recursive: true, force: true });
}
