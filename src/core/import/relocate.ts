import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a run's artifacts were in the source and where the import put them. */
export interface MovedArtifacts {
  /** the run's artifact URI in the source */
  fromUri: string;
  /** the local folder they were copied from, when known */
  fromDir?: string;
  /** the run's artifact URI in this workspace */
  toUri: string;
}

/** The local folder a source names (a file: URI or an absolute path), if it names one. */
export function localSourcePath(source: string): string | undefined {
  if (source.startsWith('file:')) {
    try {
      return fileURLToPath(source);
    } catch {
      return undefined;
    }
  }
  return path.isAbsolute(source) ? source : undefined;
}

/**
 * A model version's source after its run's artifacts were copied into the workspace: a source inside the run's
 * old artifact location (by URI prefix or as a local path) points at the same file in the copy, so the version
 * no longer depends on the source MLflow folder. Anything else (runs:/, models:/, remote URIs) is kept.
 */
export function relocateVersionSource(source: string, moved: MovedArtifacts | undefined): string {
  if (!moved || source.startsWith('runs:/') || source.startsWith('models:/')) return source;
  const join = (rel: string) => (rel ? `${moved.toUri}/${rel}` : moved.toUri);
  const prefix = moved.fromUri.replace(/\/+$/, '');
  if (source === prefix) return moved.toUri;
  if (source.startsWith(`${prefix}/`)) return join(source.slice(prefix.length + 1).replace(/^\/+/, ''));
  const p = localSourcePath(source);
  if (p && moved.fromDir) {
    const rel = path.relative(moved.fromDir, p);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return join(rel.split(path.sep).join('/'));
  }
  return source;
}
