import fs from 'node:fs';
import path from 'node:path';
import { InvalidProjectFile } from './errors';
import { defaultEnv, parseProject } from './parse';
import type { Project } from './types';

/** The MLproject file of a folder: any file whose name lower-cases to `mlproject` (MLflow's `_find_mlproject`). */
export function findProjectFile(dir: string): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return undefined;
  }
  for (const n of names) {
    if (n.toLowerCase() !== 'mlproject') continue;
    const p = path.join(dir, n);
    if (fs.statSync(p).isFile()) return p;
  }
  return undefined;
}

/** True for a base name that is an MLproject file. */
export function isProjectFileName(name: string): boolean {
  return path.basename(name).toLowerCase() === 'mlproject';
}

/**
 * Loads the project in `dir`. A folder without an MLproject file is MLflow's empty spec (named after the folder,
 * no declared entry points; `.py`/`.sh` files can still be run by name). Throws InvalidProjectFile when the file
 * cannot be parsed at all; other problems stay in `project.diagnostics` and block only what they affect.
 */
export function loadProject(dir: string): Project {
  const absDir = path.resolve(dir);
  if (!fs.existsSync(absDir) || !fs.statSync(absDir).isDirectory()) {
    throw new InvalidProjectFile(absDir, [], ['not a directory']);
  }
  const file = findProjectFile(absDir);
  if (!file) {
    return { dir: absDir, name: path.basename(absDir), entryPoints: [], env: defaultEnv(absDir), errors: [], diagnostics: [] };
  }
  const { project, diagnostics } = parseProject(fs.readFileSync(file, 'utf8'), absDir, file);
  if (!project) throw new InvalidProjectFile(file, diagnostics);
  return project;
}

/** Script files in the project root that MLflow can run as entry points by name (`-e train.py`). */
export function listScripts(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && /\.(py|sh)$/.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
