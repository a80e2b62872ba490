import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { tempDir } from '../../helpers/tmp';

const fixture = path.join(__dirname, 'fixtures', 'cli.ts');
// Resolved here: the child runs in a temp folder where a bare `--import tsx` would not resolve.
const tsx = pathToFileURL(path.resolve(__dirname, '../../../node_modules/tsx/dist/loader.mjs')).href;
function mlops(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', tsx, fixture, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('mlops data: init, add, status exit codes, commit, checkout refusal and --force, push/pull, remotes', () => {
  const base = tempDir();
  const root = path.join(base, 'ws');
  fs.mkdirSync(root);
  execFileSync('git', ['init', '-q'], { cwd: root });
  let r = mlops(root, 'data', 'init');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Initialized a DVC repository/);

  fs.mkdirSync(path.join(root, 'data'));
  fs.writeFileSync(path.join(root, 'data', 'a.csv'), 'a\n');
  r = mlops(base, 'data', 'add', 'data', '--workspace', root, '--stage');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /added: data → data\.dvc/);
  assert.match(r.err, /staged in git: .*data\.dvc/);
  const staged = execFileSync('git', ['diff', '--cached', '--name-only'], { cwd: root, encoding: 'utf8' });
  assert.deepEqual(staged.trim().split('\n').sort(), ['.gitignore', 'data.dvc']);

  r = mlops(root, 'data', 'status');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /up to date/);
  fs.writeFileSync(path.join(root, 'data', 'a.csv'), 'changed\n');
  r = mlops(root, 'data', 'status', '--json');
  assert.equal(r.code, 1, 'status exits 1 when something changed');
  const js = JSON.parse(r.out);
  assert.equal(js.outputs[0].state, 'modified');
  assert.deepEqual(js.outputs[0].changes, [{ relpath: 'a.csv', change: 'modified' }]);

  r = mlops(root, 'data', 'checkout');
  assert.equal(r.code, 1);
  assert.match(r.err, /checkout would overwrite 1 modified file\(s\).*data\/a\.csv/);
  r = mlops(root, 'data', 'checkout', '--force');
  assert.equal(r.code, 0, r.err);
  assert.equal(fs.readFileSync(path.join(root, 'data', 'a.csv'), 'utf8'), 'a\n');

  fs.writeFileSync(path.join(root, 'data', 'b.csv'), 'b\n');
  r = mlops(root, 'data', 'commit');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /committed: data/);
  assert.match(r.err, /git add data\.dvc/);

  r = mlops(root, 'data', 'push');
  assert.equal(r.code, 1);
  assert.match(r.err, /no remote configured/);
  r = mlops(root, 'data', 'remote', 'add', '-d', 'store', '../store');
  assert.equal(r.code, 0, r.err);
  r = mlops(root, 'data', 'remote', 'list', '--json');
  assert.deepEqual(JSON.parse(r.out), [{ name: 'store', url: path.join(base, 'store'), rawUrl: '../../store', isDefault: true }]);
  r = mlops(root, 'data', 'status', '--cloud', '--json');
  assert.equal(r.code, 1);
  assert.deepEqual(JSON.parse(r.out), [{ path: 'data', total: 3, missingOnRemote: 3, missingInCache: 0 }]);
  r = mlops(root, 'data', 'push', '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).transferred, 3);
  r = mlops(root, 'data', 'status', '-c');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /in sync/);

  fs.rmSync(path.join(root, 'data'), { recursive: true });
  fs.rmSync(path.join(root, '.dvc', 'cache'), { recursive: true });
  r = mlops(root, 'data', 'pull');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /3 object\(s\) downloaded/);
  assert.equal(fs.readFileSync(path.join(root, 'data', 'b.csv'), 'utf8'), 'b\n');

  r = mlops(root, 'data', 'add');
  assert.equal(r.code, 2, 'usage error');
  r = mlops(root, 'data', 'add', 'nope');
  assert.equal(r.code, 1);
  assert.match(r.err, /nope: does not exist/);
  r = mlops(tempDir(), 'data', 'status');
  assert.equal(r.code, 1);
  assert.match(r.err, /not inside a DVC repository/);
});

test('mlops data remote add checks the folder; list, modify, rename, default and remove edit .dvc/config', () => {
  const base = tempDir();
  const root = path.join(base, 'ws');
  fs.mkdirSync(root);
  assert.equal(mlops(root, 'data', 'init').code, 0);
  const config = () => fs.readFileSync(path.join(root, '.dvc', 'config'), 'utf8');
  fs.writeFileSync(path.join(base, 'a-file'), 'x');
  let r = mlops(root, 'data', 'remote', 'add', 'bad', '../a-file');
  assert.equal(r.code, 1);
  assert.match(r.err, /cannot use \.\.\/a-file as a remote: .*a-file is a file, not a folder/);
  assert.doesNotMatch(config(), /bad/, 'nothing written');
  r = mlops(root, 'data', 'remote', 'add', '-d', 'store', '../store');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /note: .*store does not exist yet; the first push creates it/);
  r = mlops(root, 'data', 'remote', 'add', 'backup', 's3://bucket/dvc');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  r = mlops(root, 'data', 'remote', 'modify', 'store', 'jobs', '2');
  assert.equal(r.code, 0, r.err);
  fs.mkdirSync(path.join(base, 'moved'));
  r = mlops(root, 'data', 'remote', 'modify', 'store', 'url', '../moved');
  assert.equal(r.code, 0, r.err);
  assert.equal(
    config(),
    '[\'remote "store"\']\n    url = ../../moved\n    jobs = 2\n[core]\n    remote = store\n[\'remote "backup"\']\n    url = s3://bucket/dvc\n',
  );
  r = mlops(root, 'data', 'remote', 'modify', 'store', 'jobs', '--unset');
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(config(), /jobs/);
  r = mlops(root, 'data', 'remote', 'modify', 'nope', 'jobs', '1');
  assert.equal(r.code, 1);
  assert.match(r.err, /remote "nope" doesn't exist/);
  r = mlops(root, 'data', 'remote', 'modify', 'store', 'jobs');
  assert.equal(r.code, 1);
  assert.match(r.err, /give a value for jobs, or --unset/);
  assert.equal(mlops(root, 'data', 'remote', 'default').out, 'store\n');
  assert.equal(mlops(root, 'data', 'remote', 'default', 'backup').code, 0);
  assert.equal(mlops(root, 'data', 'remote', 'rename', 'backup', 'cloud').code, 0);
  r = mlops(root, 'data', 'remote', 'list');
  assert.match(r.out, /NAME\s+URL\s+DEFAULT\n[- ]+\ncloud\s+s3:\/\/bucket\/dvc\s+yes\nstore\s+\.\.\/\.\.\/moved\n?$/);
  assert.equal(mlops(root, 'data', 'remote', 'default', '--unset').code, 0);
  r = mlops(root, 'data', 'remote', 'default');
  assert.equal(r.code, 1);
  assert.match(r.err, /no default remote/);
  assert.equal(mlops(root, 'data', 'remote', 'remove', 'cloud').code, 0);
  assert.deepEqual(
    JSON.parse(mlops(root, 'data', 'remote', 'list', '--json').out).map((x: { name: string }) => x.name),
    ['store'],
  );
});
