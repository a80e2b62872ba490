import fs from 'node:fs';
import path from 'node:path';

/** gitignore metacharacters DVC escapes (pathspec's GitWildMatchPattern.escape). */
export function escapeGitignore(name: string): string {
  return name.replace(/[[\]!*#?]/g, (c) => '\\' + c);
}

/** The line DVC writes for an output: `/` + basename, escaped. */
export function gitignoreEntry(outputAbs: string): string {
  return '/' + escapeGitignore(path.basename(outputAbs));
}

function readLines(file: string): string[] | undefined {
  try {
    return fs.readFileSync(file, 'utf8').split(/\r?\n/);
  } catch {
    return undefined;
  }
}

/**
 * Adds the output to the `.gitignore` of its parent folder, as `dvc add` does: the exact line is appended only when
 * absent, preceded by a newline only if the file does not end with one. Returns the `.gitignore` path when changed.
 */
export function ignoreOutput(outputAbs: string): string | undefined {
  const file = path.join(path.dirname(outputAbs), '.gitignore');
  const entry = gitignoreEntry(outputAbs);
  const lines = readLines(file);
  if (lines?.includes(entry)) return undefined;
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // created below
  }
  const prefix = text && !text.endsWith('\n') ? '\n' : '';
  fs.appendFileSync(file, `${prefix}${entry}\n`);
  return file;
}

/** Drops the output's line; deletes the `.gitignore` if nothing is left (DVC's `ignore_remove`). */
export function unignoreOutput(outputAbs: string): string | undefined {
  const file = path.join(path.dirname(outputAbs), '.gitignore');
  const entry = gitignoreEntry(outputAbs);
  const lines = readLines(file);
  if (!lines || !lines.includes(entry)) return undefined;
  const kept = lines.filter((l) => l !== entry);
  const text = kept.join('\n');
  if (!text.trim()) fs.rmSync(file);
  else fs.writeFileSync(file, text);
  return file;
}
