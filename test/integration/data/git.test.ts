import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { GitRepo, NotAGitRepo } from '../../../src/core/git';
import { tempDir } from '../../helpers/tmp';

const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();

test('GitRepo: commit, branch, dirty, repoURL, diff, stage, tracked, ignored', async () => {
  const root = tempDir();
  git(root, 'init', '-q', '-b', 'main');
  await assert.rejects(GitRepo.open(tempDir()), NotAGitRepo);
  const sub = path.join(root, 'a', 'b');
  fs.mkdirSync(sub, { recursive: true });
  const g = await GitRepo.open(sub);
  assert.equal(g.root, fs.realpathSync(root));
  assert.equal(await g.commit(), undefined, 'no commit yet');
  assert.equal(await g.branch(), 'main');
  assert.equal(await g.repoURL(), undefined);
  assert.equal(await g.dirty(), false);

  fs.writeFileSync(path.join(root, 'x.txt'), 'one\n');
  assert.equal(await g.dirty(), true, 'untracked files make it dirty');
  await g.stage([path.join(root, 'x.txt')]);
  assert.equal(git(root, 'diff', '--cached', '--name-only'), 'x.txt');
  git(root, 'commit', '-q', '-m', 'first');
  assert.equal(await g.commit(), git(root, 'rev-parse', 'HEAD'));
  assert.equal(await g.dirty(), false);
  fs.writeFileSync(path.join(root, 'x.txt'), 'two\n');
  const d = await g.diff({ paths: ['x.txt'] });
  assert.match(d, /-one\n\+two/);
  assert.equal(await g.diff({ staged: true }), '');
  assert.deepEqual(await g.tracked(['x.txt', 'nope']), ['x.txt']);
  fs.writeFileSync(path.join(root, '.gitignore'), '/data\n');
  assert.equal(await g.ignored(path.join(root, 'data')), true);
  assert.equal(await g.ignored(path.join(root, 'x.txt')), false);

  git(root, 'remote', 'add', 'origin', 'https://example.invalid/repo.git');
  assert.equal(await g.repoURL(), 'https://example.invalid/repo.git');
  git(root, 'checkout', '-q', '--detach');
  assert.equal(await g.branch(), undefined, 'detached HEAD');
});
