import fs from 'node:fs';
import path from 'node:path';
import { workspacePaths } from '../paths';

/**
 * Where a run's artifacts live on disk. `mlflow-artifacts:/<exp>/<run>/artifacts` (what our server hands out)
 * maps into `<workspace>/.mlops/artifacts/`; `file://` URIs and absolute paths (imported runs) are used as
 * they are. Segments that could climb out of the folder are dropped.
 */
export function artifactDirOf(workspace: string, artifactUri: string): string | undefined {
  const m = /^mlflow-artifacts:\/+(.*)$/.exec(artifactUri);
  if (m) return path.join(workspacePaths.artifacts(workspace), ...m[1].split('/').filter((p) => p && p !== '..' && p !== '.'));
  if (artifactUri.startsWith('file://')) return decodeURIComponent(new URL(artifactUri).pathname);
  if (path.isAbsolute(artifactUri)) return artifactUri;
  return undefined;
}

/** Folders under an artifact folder that hold an MLmodel file, relative and '/'-separated ('.' for the root). */
export function modelFoldersIn(root: string, limit = 5000): string[] {
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  let seen = 0;
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const e of entries) {
      if (++seen > limit) return;
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name === 'MLmodel') out.push(path.relative(root, dir).split(path.sep).join('/') || '.');
    }
  };
  walk(root);
  return out;
}
