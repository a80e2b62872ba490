import fs from 'node:fs';
import path from 'node:path';
import { InvalidParameter, NotFound } from '../store/errors';
import { artifactDirOf } from '../tracking/artifactDir';

/** The root under which the server stores mlflow-artifacts: `<workspace>/.mlops/artifacts`. */
export function artifactRoot(workspace: string): string {
  return path.join(workspace, '.mlops', 'artifacts');
}

/**
 * Resolves an artifact path from a request to a file under the root, refusing anything that could escape
 * it: `..` segments, absolute paths, backslashes, NUL and other control characters.
 */
export function safeArtifactPath(root: string, rel: string): string {
  let decoded = rel;
  if (/[\x00-\x1f\\]/.test(decoded)) throw new InvalidParameter(`Invalid artifact path: '${rel.replace(/[\x00-\x1f]/g, '?')}'`, 'path');
  decoded = decoded.replace(/^\/+/, '');
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new InvalidParameter(`Invalid artifact path: '${rel}' (no '..' allowed)`, 'path');
  const abs = path.resolve(root, ...parts);
  if (abs !== root && !abs.startsWith(root + path.sep)) throw new InvalidParameter(`Invalid artifact path: '${rel}'`, 'path');
  return abs;
}

export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

function entries(dir: string, relPrefix: string): FileInfo[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.mlops-tmp-'))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((e) => {
      const isDir = e.isDirectory();
      const info: FileInfo = { path: relPrefix ? `${relPrefix}/${e.name}` : e.name, is_dir: isDir };
      if (!isDir) info.file_size = fs.statSync(path.join(dir, e.name)).size;
      return info;
    });
}

/** artifacts/list for a run: paths relative to the run's artifact root (as MLflow returns them). */
export function listArtifactDir(workspace: string, artifactUri: string, sub: string, relativeToRun: boolean): FileInfo[] {
  const base = artifactDirOf(workspace, artifactUri);
  if (!base) return [];
  const dir = sub ? safeArtifactPath(base, sub) : base;
  const prefix = relativeToRun ? sub.replace(/^\/+|\/+$/g, '') : '';
  return entries(dir, prefix);
}

/** mlflow-artifacts list: basenames relative to the queried folder. */
export function listUnderRoot(root: string, rel: string): FileInfo[] {
  return entries(safeArtifactPath(root, rel), '');
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
  const abs = safeArtifactPath(root, rel);
  if (abs === root) throw new InvalidParameter('Refusing to delete the artifact root', 'path');
  if (!fs.existsSync(abs)) throw new NotFound(`Artifact '${rel}' does not exist.`);
  fs.rmSync(abs, { recursive: true, force: true });
}
