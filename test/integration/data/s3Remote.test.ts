// S3 data remotes against a real S3-compatible server (s3rver) on 127.0.0.1: push/fetch/pull/status, multipart,
// cancel, retries through a faulty proxy, a corrupt object caught on pull, boto3 reading the DVC 3 layout, the CLI.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Aborted, DataRepo, HashMismatch } from '../../../src/core/data';
import { S3Http } from '../../../src/core/data/s3/http';
import { S3Remote } from '../../../src/core/data/s3/s3Remote';
import { isolatedAwsEnv, startS3Server, type S3Server } from '../../helpers/s3server';
import { faultyProxy, type FaultyProxy } from '../../helpers/faultyProxy';
import { tempDir } from '../../helpers/tmp';

const KEYS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
let server: S3Server | undefined;
let skip: string | undefined;
let restoreEnv: () => void = () => undefined;

before(async () => {
  const s = await startS3Server();
  if (typeof s === 'string') {
    skip = s;
    console.log(`# skipping S3 remote tests: ${s}`);
  } else server = s;
  restoreEnv = isolatedAwsEnv(KEYS);
});
after(async () => {
  restoreEnv();
  await server?.close();
});

/** Runs a child without blocking the event loop: the S3 server answering it lives in this process. */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), 180_000);
    c.on('error', (e) => (err += String(e)));
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
const BIG = (17 << 20) + 123; // over the 8 MiB multipart threshold: 3 parts

/** A repo with a folder of small files and one big file versioned, an s3 remote at s3://bucket/<prefix> as default. */
async function origin(prefix: string, endpoint = server!.endpoint) {
  const root = path.join(tempDir(), 'origin');
  fs.mkdirSync(path.join(root, 'data', 'nested'), { recursive: true });
  const { repo } = DataRepo.init(root);
  for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(root, 'data', `f${i}.csv`), `row,${i}\n`.repeat(i + 1));
  fs.writeFileSync(path.join(root, 'data', 'nested', 'naïve 😀.txt'), 'unicode name\n');
  const big = Buffer.alloc(BIG);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  fs.writeFileSync(path.join(root, 'model.bin'), big);
  await repo.add([path.join(root, 'data'), path.join(root, 'model.bin')]);
  repo.addRemote('team', `s3://${server!.bucket}/${prefix}`, { makeDefault: true });
  repo.config.modifyRemote('team', 'endpointurl', endpoint);
  return { root, repo: DataRepo.open(root), big };
}

/** A second checkout of the same project: the .dvc files and config, no data, an empty cache. */
function clone(root: string): string {
  const dest = path.join(tempDir(), 'clone');
  fs.mkdirSync(path.join(dest, '.dvc'), { recursive: true });
  for (const f of ['data.dvc', 'model.bin.dvc']) fs.copyFileSync(path.join(root, f), path.join(dest, f));
  for (const f of ['config', '.gitignore']) fs.copyFileSync(path.join(root, '.dvc', f), path.join(dest, '.dvc', f));
  return dest;
}

function rawHttp(endpoint = server!.endpoint): S3Http {
  return new S3Http({
    endpoint,
    bucket: server!.bucket,
    region: 'us-east-1',
    useSsl: false,
    sslVerify: true,
    credentials: { ...{ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, source: 'test' },
    maxSockets: 4,
  });
}

test("push, status -c, fetch and pull through s3://, with a multipart object, in DVC 3's layout", async (t) => {
  if (skip) return t.skip(skip);
  const { root, repo, big } = await origin('proj/store');
  const before = await repo.remoteStatus();
  assert.deepEqual(
    before.map((s) => [s.output.path, s.total, s.missingOnRemote]),
    [
      ['data', 42, 42],
      ['model.bin', 1, 1],
    ],
  );
  const bytes: number[] = [];
  const pushed = await repo.push(undefined, { onProgress: (p) => bytes.push(p.bytes) });
  assert.equal(pushed.transferred, 43);
  assert.ok(
    bytes.some((b) => b > 0 && b < BIG),
    'progress in bytes along the way',
  );
  assert.ok((await repo.remoteStatus()).every((s) => s.missingOnRemote === 0));
  const again = await repo.push();
  assert.deepEqual([again.transferred, again.skipped], [0, 43], 'a second push sends nothing');

  const remote = repo.remoteStorage() as S3Remote;
  assert.deepEqual(
    [remote.jobs, repo.remoteStorage(undefined, 3).jobs],
    [4 * (os.availableParallelism?.() ?? os.cpus().length), 3],
    "DVC's default (4 per CPU), or --jobs",
  );
  const keys = (await remote.list('proj/store/')).keys;
  const bigOid = md5(big);
  assert.ok(keys.includes(`proj/store/files/md5/${bigOid.slice(0, 2)}/${bigOid.slice(2)}`));
  assert.equal(keys.length, 43);
  const fake = Array.from({ length: 30 }, (_, i) => ({ oid: md5(`absent ${i}`), hashName: 'md5' as const }));
  const real = keys.map((k) => ({ oid: k.split('/').slice(-2).join(''), hashName: 'md5' as const }));
  assert.deepEqual(
    await remote.has([...fake, ...real]),
    [...fake.map(() => false), ...real.map(() => true)],
    'has() over many objects lists instead of asking for each',
  );
  assert.ok(keys.filter((k) => k.endsWith('.dir')).length === 1 && keys.every((k) => /^proj\/store\/files\/md5\/[0-9a-f]{2}\/[0-9a-f]{30}(\.dir)?$/.test(k)));

  const other = clone(root);
  const repo2 = DataRepo.open(other);
  const cs = await repo2.remoteStatus();
  assert.deepEqual(
    cs.map((s) => [s.output.path, s.missingOnRemote, s.missingInCache]),
    [
      ['data', 0, 1],
      ['model.bin', 0, 1],
    ],
    'an uncached manifest counts as one object',
  );
  const fetched = await repo2.fetch([path.join(other, 'model.bin')]);
  assert.deepEqual([fetched.transferred, fetched.bytes], [1, BIG]);
  const pulled = await repo2.pull();
  assert.equal(pulled.transferred, 42);
  assert.ok(fs.readFileSync(path.join(other, 'model.bin')).equals(big));
  assert.equal(fs.readFileSync(path.join(other, 'data', 'nested', 'naïve 😀.txt'), 'utf8'), 'unicode name\n');
  assert.equal(fs.readFileSync(path.join(other, 'data', 'f39.csv'), 'utf8'), 'row,39\n'.repeat(40));
  assert.ok((await repo2.status()).outputs.every((s) => s.state === 'unchanged'));
});

test('objects are readable by boto3 at the DVC paths', async (t) => {
  if (skip) return t.skip(skip);
  const py = await run('python3', ['-c', 'import boto3']);
  if (py.code !== 0) return t.skip(`python3 with boto3 not found (Debian python3-boto3): ${py.err.trim().split('\n').pop()}`);
  const { repo, big } = await origin('boto');
  await repo.push();
  const script = `
import boto3, hashlib, json, sys
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='S3RVER', aws_secret_access_key='S3RVER', region_name='us-east-1')
keys = [o['Key'] for p in s3.get_paginator('list_objects_v2').paginate(Bucket=sys.argv[2], Prefix='boto/files/md5/') for o in p.get('Contents', [])]
out = {}
for k in keys:
    body = s3.get_object(Bucket=sys.argv[2], Key=k)['Body'].read()
    out[k] = {'md5': hashlib.md5(body).hexdigest(), 'size': len(body)}
    if k.endswith('.dir'):
        out[k]['entries'] = sorted(e['relpath'] for e in json.loads(body))
print(json.dumps(out))
`;
  const r = await run('python3', ['-c', script, server!.endpoint, server!.bucket], { env: { ...process.env, AWS_CONFIG_FILE: '/dev/null' } });
  assert.equal(r.code, 0, r.err);
  const seen: Record<string, { md5: string; size: number; entries?: string[] }> = JSON.parse(r.out);
  assert.equal(Object.keys(seen).length, 43);
  for (const [k, v] of Object.entries(seen)) {
    const oid = k.slice('boto/files/md5/'.length).replace('/', '');
    assert.equal(v.md5, oid.replace('.dir', ''), `${k} holds the bytes its name says`);
  }
  const bigOid = md5(big);
  assert.equal(seen[`boto/files/md5/${bigOid.slice(0, 2)}/${bigOid.slice(2)}`].size, BIG);
  const dir = Object.values(seen).find((v) => v.entries)!;
  assert.equal(dir.entries!.length, 41);
  assert.ok(dir.entries!.includes('nested/naïve 😀.txt'));
});

test('a cancelled push leaves no partial object and aborts its multipart upload; the next push resumes', async (t) => {
  if (skip) return t.skip(skip);
  // s3rver does not implement AbortMultipartUpload: a recording proxy shows what the client asked for.
  const proxy = await faultyProxy(server!.endpoint, { faults: false });
  try {
    const { repo, big } = await origin('cancel', proxy.endpoint);
    repo.config.modifyRemote('team', 'jobs', '2');
    const r1 = DataRepo.open(repo.root);
    const ac = new AbortController();
    await assert.rejects(
      // Cancel once a part of the big file is up (the small files are a few KiB in all): mid multipart upload.
      r1.push(undefined, { signal: ac.signal, onProgress: (p) => p.bytes >= 8 << 20 && ac.abort() }),
      (e: unknown) => e instanceof Aborted,
    );
    const remote = r1.remoteStorage() as S3Remote;
    const bigKey = remote.key({ oid: md5(big), hashName: 'md5' });
    const keys = (await remote.list('cancel/')).keys;
    assert.ok(!keys.includes(bigKey), 'the multipart object never appeared');
    assert.ok(!keys.some((k) => k.endsWith('.dir')), 'no manifest without all its files');
    const created = proxy.log.filter((l) => l.startsWith('POST ') && l.includes(bigKey.split('/').pop()!) && /[?&]uploads/.test(l));
    const aborted = proxy.log.filter((l) => l.startsWith('DELETE ') && /[?&]uploadId=/.test(l));
    assert.equal(created.length, 1, 'the big file was being uploaded in parts');
    assert.equal(aborted.length, created.length, `every started multipart upload is aborted: ${proxy.log.filter((l) => /upload/i.test(l)).join(' | ')}`);
    const done = keys.length;
    const r2 = await DataRepo.open(repo.root).push();
    assert.deepEqual([r2.skipped, r2.transferred], [done, 43 - done], 'objects complete before the cancel are skipped');
    assert.equal((await remote.list('cancel/')).keys.length, 43);
  } finally {
    await proxy.close();
  }
});

test('5xx, throttling and dropped connections are retried; a download cut short resumes', async (t) => {
  if (skip) return t.skip(skip);
  const proxy: FaultyProxy = await faultyProxy(server!.endpoint);
  try {
    const { root, repo, big } = await origin('flaky', proxy.endpoint);
    const r = await repo.push();
    assert.equal(r.transferred, 43);
    const repo2 = DataRepo.open(clone(root));
    await repo2.pull();
    assert.ok(fs.readFileSync(path.join(repo2.root, 'model.bin')).equals(big));
    assert.ok(proxy.failures.slowDown > 0 && proxy.failures.resets > 0 && proxy.failures.cut > 0, JSON.stringify(proxy.failures));
  } finally {
    await proxy.close();
  }
});

test('a corrupt object on the remote is caught on pull: nothing cached, the workspace file kept, the full hash named', async (t) => {
  if (skip) return t.skip(skip);
  const { root, repo } = await origin('corrupt');
  await repo.push();
  const oid = md5('row,3\n'.repeat(4));
  const remote = repo.remoteStorage() as S3Remote;
  const put = { method: 'PUT' as const, key: remote.key({ oid, hashName: 'md5' }), body: Buffer.from('tampered\n') };
  rawHttp().check(await rawHttp().request(put), put);

  const other = clone(root);
  fs.mkdirSync(path.join(other, 'data'));
  fs.writeFileSync(path.join(other, 'data', 'f3.csv'), 'my own edit\n');
  const repo2 = DataRepo.open(other);
  await assert.rejects(
    repo2.pull(),
    (e: unknown) => e instanceof HashMismatch && e.code === 'DATA_LOSS' && e.message.includes(oid) && e.message.includes(md5('tampered\n')),
  );
  assert.equal(fs.readFileSync(path.join(other, 'data', 'f3.csv'), 'utf8'), 'my own edit\n');
  assert.ok(!repo2.cache.exists(oid), 'the bad bytes never enter the cache');
  const leftovers = fs.readdirSync(path.join(repo2.cache.root, 'files', 'md5', oid.slice(0, 2)));
  assert.deepEqual(
    leftovers.filter((f) => f.endsWith('.tmp')),
    [],
  );
});

const fixture = path.join(__dirname, 'fixtures', 'cli.ts');
const tsx = pathToFileURL(path.resolve(__dirname, '../../../node_modules/tsx/dist/loader.mjs')).href;
function mlops(cwd: string, env: Record<string, string>, ...args: string[]) {
  return run(process.execPath, ['--import', tsx, fixture, ...args], { cwd, env: { ...process.env, NODE_NO_WARNINGS: '1', ...env } });
}

test('CLI: remote add / modify write config and config.local as dvc does; push needs credentials and says how to set them', async (t) => {
  if (skip) return t.skip(skip);
  const root = path.join(tempDir(), 'ws');
  fs.mkdirSync(root);
  DataRepo.init(root);
  fs.writeFileSync(path.join(root, 'table.csv'), 'a,b\n1,2\n');
  const noKeys = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
  assert.equal((await mlops(root, noKeys, 'data', 'add', 'table.csv')).code, 0);
  let r = await mlops(root, noKeys, 'data', 'remote', 'add', '-d', 'team', `s3://${server!.bucket}/cli`);
  assert.equal(r.code, 0, r.err);
  r = await mlops(root, noKeys, 'data', 'remote', 'modify', 'team', 'endpointurl', server!.endpoint);
  assert.equal(r.code, 0, r.err);
  r = await mlops(root, noKeys, 'data', 'remote', 'modify', 'team', 'endpoint', 'x');
  assert.equal(r.code, 1);
  assert.match(r.err, /"endpoint" is not an option of s3 remotes/);

  r = await mlops(root, noKeys, 'data', 'push');
  assert.equal(r.code, 1);
  assert.match(r.err, /remote "team" \(s3:\/\/team-data\/cli\): no AWS credentials found/);
  assert.match(r.err, /mlops data remote modify team access_key_id ID --local/);

  r = await mlops(root, noKeys, 'data', 'remote', 'modify', 'team', 'access_key_id', 'S3RVER');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /access_key_id is a secret: written to \.dvc\/config\.local \(git-ignored\)/);
  r = await mlops(root, noKeys, 'data', 'remote', 'modify', '--local', 'team', 'secret_access_key', 'S3RVER');
  assert.equal(r.code, 0, r.err);
  assert.equal(
    fs.readFileSync(path.join(root, '.dvc', 'config'), 'utf8'),
    `['remote "team"']\n    url = s3://${server!.bucket}/cli\n    endpointurl = ${server!.endpoint}\n[core]\n    remote = team\n`,
  );
  assert.equal(
    fs.readFileSync(path.join(root, '.dvc', 'config.local'), 'utf8'),
    `['remote "team"']\n    access_key_id = S3RVER\n    secret_access_key = S3RVER\n`,
  );
  assert.match(fs.readFileSync(path.join(root, '.dvc', '.gitignore'), 'utf8'), /^\/config\.local$/m);

  r = await mlops(root, noKeys, 'data', 'push', '-j', '0');
  assert.equal(r.code, 1);
  assert.match(r.err, /--jobs must be a whole number >= 1/);
  r = await mlops(root, noKeys, 'data', 'push', '--jobs', '3');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /1 object\(s\) uploaded/);
  r = await mlops(root, noKeys, 'data', 'status', '--cloud');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /in sync/);
});
