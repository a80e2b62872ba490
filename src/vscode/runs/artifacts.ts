import fs from 'node:fs';
import path from 'node:path';
import { artifactDirOf } from '../../core/tracking/artifactDir';

/** The folder holding a run's artifacts (see artifactDirOf). */
export function runArtifactDir(workspace: string, artifactUri: string): string | undefined {
  return artifactDirOf(workspace, artifactUri);
}

export interface ArtifactEntry {
  rel: string;
  abs: string;
  isDir: boolean;
  size: number;
  depth: number;
}

/** Walks an artifact folder breadth-first, up to a limit, so a huge folder cannot stall the editor. */
export function listArtifacts(root: string, limit = 500): ArtifactEntry[] {
  const out: ArtifactEntry[] = [];
  if (!fs.existsSync(root)) return out;
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= limit) return;
      const abs = path.join(dir, e.name);
      const isDir = e.isDirectory();
      out.push({ rel: path.relative(root, abs).split(path.sep).join('/'), abs, isDir, size: isDir ? 0 : fs.statSync(abs).size, depth });
      if (isDir) walk(abs, depth + 1);
    }
  };
  walk(root, 0);
  return out;
}
