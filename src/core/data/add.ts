import fs from 'node:fs';
import path from 'node:path';
import type { GitRepo } from '../git';
import { writeFileAtomic } from '../store/atomicFile';
import type { TrackedOutput } from './collect';
import { commitOutput, type CommitResult } from './commit';
import { renderDvcFile, dvcFileFor } from './dvcfile';
import { addInsideOutput } from './granular';
import { InvalidTarget, OutputNotFound } from './errors';
import { ignoreOutput } from './gitignore';
import type { OpOptions, RepoParts } from './parts';
import { saveToCache } from './save';

export interface AddResult {
  /** Absolute paths. */
  dvcFile: string;
  output: string;
  /** The `.gitignore` that got the output's line, if it changed. */
  gitignore?: string;
  /** True when the output was already tracked and this recorded its new version (or nothing changed). */
  updated: boolean;
  changed: boolean;
}

/** Rejects targets DVC refuses: outside the repo, inside `.git`/`.dvc`, under a symlinked folder, `.dvc` files. */
export function checkTarget(root: string, abs: string): void {
  const rel = path.relative(root, abs);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) throw new InvalidTarget(abs, `must be inside the repository ${root}`);
  const parts = rel.split(path.sep);
  if (parts.some((p) => p === '.git' || p === '.dvc')) throw new InvalidTarget(abs, 'cannot version files inside .git or .dvc');
  if (abs.endsWith('.dvc')) throw new InvalidTarget(abs, 'is a .dvc file; add the data it describes instead');
  let cur = root;
  for (const p of parts.slice(0, -1)) {
    cur = path.join(cur, p);
    if (fs.lstatSync(cur).isSymbolicLink()) throw new InvalidTarget(abs, 'cannot add files inside symlinked directories');
  }
}

/**
 * `dvc add PATH`: hash and cache the file or folder, write `PATH.dvc`, git-ignore the data. The workspace copy is
 * left as it is. Re-adding a tracked output records its new version, as `dvc add` does.
 */
export async function addOutput(parts: RepoParts, target: string, tracked: TrackedOutput[], opts: OpOptions = {}, git?: GitRepo): Promise<AddResult> {
  const abs = path.resolve(target);
  const inside = tracked.find((t) => abs.startsWith(t.abs + path.sep));
  // A deleted file inside a tracked folder can be "added": its entry leaves the folder's manifest.
  if (!fs.existsSync(abs) && !inside) throw new OutputNotFound(abs, 'does not exist');
  checkTarget(parts.root, abs);
  const existing = tracked.find((t) => t.abs === abs);
  const { dvcFile, outPath } = dvcFileFor(abs);
  if (existing) {
    const r: CommitResult = await commitOutput(parts, existing, opts);
    const gitignore = git && (await git.ignored(abs)) ? undefined : ignoreOutput(abs);
    return { dvcFile: existing.dvcFileAbs, output: abs, gitignore, updated: true, changed: r.changed };
  }
  if (inside) {
    const r = await addInsideOutput(parts, inside, abs, opts);
    return { dvcFile: inside.dvcFileAbs, output: inside.abs, updated: true, changed: r.changed };
  }
  const contains = tracked.find((t) => t.abs.startsWith(abs + path.sep));
  if (contains) throw new InvalidTarget(abs, `contains the already tracked output ${contains.path}; remove ${contains.dvcFile} first`);
  if (fs.existsSync(dvcFile) && !fs.statSync(dvcFile).isFile()) throw new InvalidTarget(dvcFile, 'exists and is not a file');
  let gitIgnoresIt = false;
  if (git) {
    // DVC's OutputAlreadyTrackedError and FileIsGitIgnored: both would leave git and DVC fighting over the data.
    const inGit = await git.tracked([abs]);
    if (inGit.length) {
      throw new InvalidTarget(
        abs,
        `is tracked by git (${inGit.slice(0, 3).join(', ')}${inGit.length > 3 ? ', …' : ''}); stop tracking it first: git rm -r --cached ${JSON.stringify(path.relative(parts.root, abs))}`,
      );
    }
    if (await git.ignored(dvcFile)) throw new InvalidTarget(dvcFile, 'would be ignored by git, so the version could not be committed; adjust .gitignore');
    gitIgnoresIt = await git.ignored(abs);
  }
  const h = await saveToCache(parts, abs, opts);
  const gitignore = gitIgnoresIt ? undefined : ignoreOutput(abs);
  writeFileAtomic(dvcFile, renderDvcFile(outPath, h), 0o644);
  return { dvcFile, output: abs, gitignore, updated: false, changed: true };
}
