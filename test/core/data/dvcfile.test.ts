import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDvcFile, renderDvcFile, updateDvcFileText } from '../../../src/core/data/dvcfile';

test('renders DVC key order with unindented list items and hash: md5', () => {
  assert.equal(
    renderDvcFile('foo', { md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, hashName: 'md5' }),
    'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\n',
  );
  assert.equal(
    renderDvcFile('data', { md5: '5ea40360f5b4ec688df672a4db9c17d1.dir', size: 6, nfiles: 2, hashName: 'md5' }),
    'outs:\n- md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n  size: 6\n  nfiles: 2\n  hash: md5\n  path: data\n',
  );
  assert.equal(
    renderDvcFile('run.sh', { md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, isexec: true, hashName: 'md5' }),
    'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  isexec: true\n  hash: md5\n  path: run.sh\n',
  );
});

test('md5 values that look like numbers are quoted on write and stay strings on read', () => {
  for (const md5 of ['12345678901234567890123456789012', '12e45678901234567890123456789012', '00000000000000000000000000000001']) {
    const text = renderDvcFile('x', { md5, size: 1, hashName: 'md5' });
    assert.match(text, new RegExp(`md5: '${md5}'`));
    assert.equal(parseDvcFile(text, 'x.dvc').outs[0].md5, md5);
  }
  const f = parseDvcFile('outs:\n- md5: 00000000000000000000000000000001\n  size: 1\n  hash: md5\n  path: x\n', 'x.dvc');
  assert.equal(f.outs[0].md5, '00000000000000000000000000000001');
});

test('parses the spec examples: import with deps, legacy directory, CRLF', () => {
  const imp = parseDvcFile(
    'md5: f5ea021eddd7b1df6de80b904cba1da6\nfrozen: true\ndeps:\n- path: get-started/data.xml\n  repo:\n    url: https://github.com/iterative/dataset-registry\n    rev_lock: f59388cd04276e75d70b2136597aaa27e7937cc3\nouts:\n- md5: 22a1a2931c8370d3aeedd7183606fd7f\n  size: 14445097\n  hash: md5\n  path: data.xml\n',
    'data.xml.dvc',
  );
  assert.deepEqual(imp.outs[0], {
    path: 'data.xml',
    md5: '22a1a2931c8370d3aeedd7183606fd7f',
    size: 14445097,
    nfiles: undefined,
    isexec: undefined,
    hashName: 'md5',
    cache: true,
    push: true,
    remote: undefined,
  });
  assert.equal(imp.hasDeps, true);
  assert.equal(imp.frozen, true);
  const legacy = parseDvcFile('outs:\r\n- md5: ab3353d41bd7a24a20a31f29b64e3b3c.dir\r\n  size: 66544770\r\n  nfiles: 8\r\n  path: data\r\n', 'data.dvc');
  assert.equal(legacy.outs[0].hashName, 'md5-dos2unix');
  assert.equal(legacy.outs[0].nfiles, 8);
  const flags = parseDvcFile('outs:\n- path: p\n  cache: false\n  push: false\n  remote: other\n', 'p.dvc');
  assert.equal(flags.outs[0].md5, undefined);
  assert.equal(flags.outs[0].cache, false);
  assert.equal(flags.outs[0].push, false);
  assert.equal(flags.outs[0].remote, 'other');
});

test('bad .dvc files are rejected with the file and field', () => {
  assert.throws(() => parseDvcFile('outs: [', 'a.dvc'), /a\.dvc: not valid YAML/);
  assert.throws(() => parseDvcFile('outs:\n- size: 1\n', 'b.dvc'), /b\.dvc \(outs\[0\]\): "path" is required/);
  assert.throws(() => parseDvcFile('outs:\n- path: x\n  size: big\n', 'c.dvc'), /"size" must be a non-negative integer/);
  assert.throws(() => parseDvcFile('outs:\n- path: x\n  md5: nothex\n', 'd.dvc'), /"md5" is not an md5 hash/);
  assert.throws(() => parseDvcFile('outs:\n- path: x\n  hash: sha256\n', 'e.dvc'), /unsupported "hash: sha256"/);
});

test('update keeps comments, user keys and order; appends hash: md5 to a legacy entry', () => {
  const before = '# my data\nouts:\n- path: foo\n  md5: 0cc175b9c0f1b6a831c399e269772661\n  size: 1\n  desc: the foo file  # keep me\n  push: false\n';
  const after = updateDvcFileText(before, 0, { md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, hashName: 'md5' }, 'foo.dvc');
  assert.equal(
    after,
    '# my data\nouts:\n- path: foo\n  md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  desc: the foo file # keep me\n  push: false\n  hash: md5\n',
  );
  const f = parseDvcFile(after, 'foo.dvc');
  assert.equal(f.outs[0].hashName, 'md5');
  assert.equal(f.outs[0].push, false);
  const crlf = updateDvcFileText(before.replace(/\n/g, '\r\n'), 0, { md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, hashName: 'md5' }, 'foo.dvc');
  assert.ok(!/[^\r]\n/.test(crlf), 'CRLF stays CRLF');
});

test('paths YAML would misread are quoted and read back unchanged', () => {
  for (const p of ['*star', '#hash', 'yes', 'true', '123', '0x1F', '- dash', 'a: b', "it's", '"dq"', 'naïve 😀.csv', '~', 'null', '@at', '%pct', 'tab\there']) {
    const text = renderDvcFile(p, { md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, hashName: 'md5' });
    assert.equal(parseDvcFile(text, 'x.dvc').outs[0].path, p, text);
  }
});
