import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CHUNK, isTextBlock, md5Bytes, md5Dos2unixBytes, md5Dos2unixFile, md5FileAsync, md5FileSync } from '../../../src/core/data/hash';
import { HashPool } from '../../../src/core/data/hashPool';
import { tempDir } from '../../helpers/tmp';

test('file md5 vectors', async () => {
  const dir = tempDir();
  const f = (name: string, data: string | Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, data);
    return p;
  };
  assert.equal(md5FileSync(f('empty', '')), 'd41d8cd98f00b204e9800998ecf8427e');
  assert.equal(md5FileSync(f('foo', 'foo')), 'acbd18db4cc2f85cedef654fccc4a4d8');
  assert.equal(await md5FileAsync(f('bar', 'bar')), '37b51d194a7513e45b56f6524f2d51f2');
  // DVC 3 does not normalise line endings.
  assert.equal(md5FileSync(f('crlf', 'a\r\nb\r\n')), md5Bytes('a\r\nb\r\n'));
});

test('legacy md5-dos2unix: text CRLF normalised, binary untouched, LF-only equals plain md5', async () => {
  const dir = tempDir();
  const text = Buffer.from('line one\r\nline two\r\n');
  assert.equal(md5Dos2unixBytes(text), md5Bytes('line one\nline two\n'));
  const bin = Buffer.from([0, 1, 2, 13, 10, 3]);
  assert.equal(md5Dos2unixBytes(bin), md5Bytes(bin));
  assert.equal(md5Dos2unixBytes(Buffer.from('plain\n')), md5Bytes('plain\n'));
  assert.equal(md5Dos2unixBytes(Buffer.alloc(0)), 'd41d8cd98f00b204e9800998ecf8427e');
  // Mostly non-ASCII text counts as binary (every byte >= 0x80 is "non-text").
  const cjk = Buffer.from('日本語のテキスト\r\n');
  assert.equal(isTextBlock(cjk), false);
  assert.equal(md5Dos2unixBytes(cjk), md5Bytes(cjk));
  // A CRLF split across the 1 MiB chunk boundary is not normalised (DVC 2 reads fixed chunks).
  const big = Buffer.alloc(CHUNK + 10, 'a');
  big[CHUNK - 1] = 13;
  big[CHUNK] = 10;
  big[5] = 13;
  big[6] = 10;
  const expected = createHash('md5')
    .update(Buffer.concat([big.subarray(0, 5), big.subarray(6, CHUNK)]))
    .update(big.subarray(CHUNK))
    .digest('hex');
  assert.equal(md5Dos2unixBytes(big), expected);
  const p = path.join(dir, 'big');
  fs.writeFileSync(p, big);
  assert.equal(await md5Dos2unixFile(p), expected);
  fs.writeFileSync(p, text);
  assert.equal(await md5Dos2unixFile(p), md5Bytes('line one\nline two\n'));
});

test('isTextBlock follows the 30% rule', () => {
  assert.equal(isTextBlock(Buffer.alloc(0)), true);
  assert.equal(isTextBlock(Buffer.from('abc\x00')), false);
  assert.equal(isTextBlock(Buffer.from([0x80, 0x80, 0x80, 65, 65, 65, 65, 65, 65, 65])), true);
  assert.equal(isTextBlock(Buffer.from([0x80, 0x80, 0x80, 0x80, 65, 65, 65, 65, 65, 65])), false);
});

test('worker pool hashes large files, runs jobs concurrently, reports errors and aborts', async () => {
  const dir = tempDir();
  const pool = new HashPool(2);
  const files: string[] = [];
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, `f${i}`);
    fs.writeFileSync(p, Buffer.alloc(3 * CHUNK + i, i + 1));
    files.push(p);
  }
  const got = await Promise.all(files.map((f) => pool.md5(f)));
  assert.deepEqual(
    got,
    files.map((f) => md5Bytes(fs.readFileSync(f))),
  );
  await assert.rejects(pool.md5(path.join(dir, 'missing')), /ENOENT/);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(pool.md5(files[0], ac.signal), /cancelled/);
  assert.equal(await pool.md5(files[1]), got[1], 'pool still works after failures');
  await pool.close();
});
