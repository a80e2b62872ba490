import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DvcConfig } from '../../../src/core/data/config';
import { IniFile } from '../../../src/core/data/ini';
import { tempDir } from '../../helpers/tmp';

test('remote add -d writes what dvc writes, relative to .dvc/', () => {
  const root = tempDir();
  const dvcDir = path.join(root, '.dvc');
  fs.mkdirSync(dvcDir);
  fs.writeFileSync(path.join(dvcDir, 'config'), '');
  const c = DvcConfig.load(dvcDir);
  c.setRemote('myremote', '../dvcstore', { makeDefault: true, cwd: root });
  assert.equal(fs.readFileSync(path.join(dvcDir, 'config'), 'utf8'), '[\'remote "myremote"\']\n    url = ../../dvcstore\n[core]\n    remote = myremote\n');
  const again = DvcConfig.load(dvcDir);
  assert.equal(again.defaultRemoteName(), 'myremote');
  const r = again.remote();
  assert.equal(r.url, path.resolve(root, '../dvcstore'));
  assert.equal(r.rawUrl, '../../dvcstore');
  c.setRemote('s3', 's3://bucket/path', {});
  assert.deepEqual(
    DvcConfig.load(dvcDir)
      .remotes()
      .map((x) => [x.name, x.url, x.isDefault]),
    [
      ['myremote', path.resolve(root, '../dvcstore'), true],
      ['s3', 's3://bucket/path', false],
    ],
  );
});

test('reads DVC-written configs: quoted headers, tabs, quoted lists, comments, config.local overrides', () => {
  const root = tempDir();
  const dvcDir = path.join(root, '.dvc');
  fs.mkdirSync(dvcDir);
  fs.writeFileSync(
    path.join(dvcDir, 'config'),
    '[core]\n\tremote = storage\n\tautostage = True\n# comment\n[cache]\n    type = "reflink,copy"\n    dir = ../../shared-cache\n[\'remote "storage"\']\n    url = /mnt/store\n[remote "other"]\n    url = other\n',
  );
  fs.writeFileSync(path.join(dvcDir, 'config.local'), '[\'remote "storage"\']\n    url = /mnt/local-store\n    password = secret\n');
  const c = DvcConfig.load(dvcDir);
  assert.equal(c.get('cache', 'type'), 'reflink,copy');
  assert.equal(c.cacheDir(), path.resolve(dvcDir, '../../shared-cache'));
  assert.equal(c.remote().url, '/mnt/local-store');
  assert.equal(c.remote().options.password, 'secret');
  assert.equal(c.remote('other').url, path.join(dvcDir, 'other'));
  assert.throws(() => c.remote('nope'), /remote "nope" is not defined/);
  c.setRemote('other', '/abs/x');
  const text = fs.readFileSync(path.join(dvcDir, 'config'), 'utf8');
  assert.ok(text.includes('\tremote = storage'), 'existing indentation kept');
  assert.ok(text.includes('[remote "other"]\n    url = /abs/x'));
});

test('ini errors name the file and line', () => {
  assert.throws(() => new IniFile('[core\n', '/r/.dvc/config'), /\/r\/\.dvc\/config:1: unterminated section header/);
  assert.throws(() => new IniFile('[core]\nnovalue\n', 'cfg'), /cfg:2: expected "key = value"/);
  assert.throws(() => new IniFile('a = b\n', 'cfg'), /cfg:1: a key outside any \[section\]/);
  assert.throws(() => DvcConfig.load(tempDir()).remote(), /no remote configured/);
});

test('remote modify / rename / default --unset write what dvc writes', () => {
  const root = tempDir();
  const dvcDir = path.join(root, '.dvc');
  fs.mkdirSync(dvcDir);
  fs.writeFileSync(path.join(dvcDir, 'config'), '[core]\n    remote = store\n[\'remote "store"\']\n    url = /mnt/a\n');
  const c = DvcConfig.load(dvcDir);
  c.modifyRemote('store', 'jobs', '8');
  c.modifyRemote('store', 'url', 'elsewhere', { cwd: root });
  assert.equal(
    fs.readFileSync(path.join(dvcDir, 'config'), 'utf8'),
    '[core]\n    remote = store\n[\'remote "store"\']\n    url = ../elsewhere\n    jobs = 8\n',
  );
  assert.equal(DvcConfig.load(dvcDir).remote().url, path.join(root, 'elsewhere'));
  c.modifyRemote('store', 'password', 's3cret', { local: true });
  assert.equal(fs.readFileSync(path.join(dvcDir, 'config.local'), 'utf8'), '[\'remote "store"\']\n    password = s3cret\n');
  c.modifyRemote('store', 'jobs', undefined);
  assert.doesNotMatch(fs.readFileSync(path.join(dvcDir, 'config'), 'utf8'), /jobs/);
  assert.throws(() => c.modifyRemote('store', 'url', undefined), /needs a url/);
  assert.throws(() => c.modifyRemote('nope', 'jobs', '1'), /remote "nope" doesn't exist/);
  assert.throws(() => c.modifyRemote('store', 'bad key', '1'), /invalid option name/);
  c.renameRemote('store', 'backup');
  assert.equal(fs.readFileSync(path.join(dvcDir, 'config'), 'utf8'), '[core]\n    remote = backup\n[\'remote "backup"\']\n    url = ../elsewhere\n');
  assert.equal(fs.readFileSync(path.join(dvcDir, 'config.local'), 'utf8'), '[\'remote "backup"\']\n    password = s3cret\n');
  assert.equal(DvcConfig.load(dvcDir).remote().options.password, 's3cret');
  c.unsetDefaultRemote();
  assert.equal(DvcConfig.load(dvcDir).defaultRemoteName(), undefined);
  c.removeRemote('backup');
  assert.deepEqual(DvcConfig.load(dvcDir).remotes(), []);
});
