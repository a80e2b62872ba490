import path from 'node:path';

/**
 * Where a run's artifacts live on disk. `mlflow-artifacts:/<exp>/<run>/artifacts` (what our server hands out)
 * maps into `<workspace>/.mlops/artifacts/`; `file://` URIs and absolute paths (imported runs) are used as
 * they are. Segments that could climb out of the folder are dropped.
 */
export function artifactDirOf(workspace: string, artifactUri: string): string | undefined {
  const m = /^mlflow-artifacts:\/+(.*)$/.exec(artifactUri);
  if (m) return path.join(workspace, '.mlops', 'artifacts', ...m[1].split('/').filter((p) => p && p !== '..' && p !== '.'));
  if (artifactUri.startsWith('file://')) return decodeURIComponent(new URL(artifactUri).pathname);
  if (path.isAbsolute(artifactUri)) return artifactUri;
  return undefined;
}
