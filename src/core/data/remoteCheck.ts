import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasScheme } from './config';

/**
 * What is at a local remote's folder before it is added: `missing` (push creates it), `empty`, `dvc-remote` (holds
 * DVC objects: `files/md5/..` or the 2.x layout of two-hex-digit folders), `other-files` (not empty, no DVC objects:
 * probably the wrong folder), `not-a-folder` and `not-writable` (push would fail).
 */
export type LocalRemoteState = 'missing' | 'empty' | 'dvc-remote' | 'other-files' | 'not-a-folder' | 'not-writable';

export type RemoteCheck = { local: false } | { local: true; path: string; state: LocalRemoteState; message: string };

/** Where a remote URL points on this machine, or undefined for a URL of another kind (s3://, ...). */
export function localRemotePath(url: string, cwd = process.cwd()): string | undefined {
  if (/^file:\/\//i.test(url)) return fileURLToPath(url);
  if (hasScheme(url)) return undefined;
  return path.resolve(cwd, url);
}

function stateOf(p: string): LocalRemoteState {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 'missing';
  }
  if (!st.isDirectory()) return 'not-a-folder';
  try {
    fs.accessSync(p, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    return 'not-writable';
  }
  const names = fs.readdirSync(p).filter((n) => !n.startsWith('.'));
  if (!names.length) return 'empty';
  if (fs.existsSync(path.join(p, 'files', 'md5')) || names.some((n) => /^[0-9a-f]{2}$/.test(n))) return 'dvc-remote';
  return 'other-files';
}

const MESSAGES: Record<LocalRemoteState, string> = {
  missing: 'does not exist yet; the first push creates it',
  empty: 'is an empty folder',
  'dvc-remote': 'already holds DVC data',
  'other-files': 'is not empty and holds no DVC data: is it the right folder?',
  'not-a-folder': 'is a file, not a folder',
  'not-writable': 'is a folder this user cannot write to',
};

/** Checks a remote URL about to be added; relative paths are relative to `cwd`. */
export function checkRemote(url: string, cwd?: string): RemoteCheck {
  const p = localRemotePath(url, cwd);
  if (p === undefined) return { local: false };
  const state = stateOf(p);
  return { local: true, path: p, state, message: `${p} ${MESSAGES[state]}` };
}

/** States that make a local remote unusable: adding one is refused. */
export function isUnusable(c: RemoteCheck): boolean {
  return c.local && (c.state === 'not-a-folder' || c.state === 'not-writable');
}
