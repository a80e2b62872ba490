import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DvcConfig } from '../../../src/core/data/config';
import { RemoteNotConfigured } from '../../../src/core/data/errors';
import { openRemote } from '../../../src/core/data/remote';
import { parseAwsIni, resolveAwsEnvironment } from '../../../src/core/data/s3/credentials';
import { partSize } from '../../../src/core/data/s3/multipart';
import { S3Remote } from '../../../src/core/data/s3/s3Remote';
import { humanToBytes, parseS3Url, planRemoteOption, s3Options } from '../../../src/core/data/s3/settings';
import { tempDir } from '../../helpers/tmp';

function dvcDir(): string {
  const d = path.join(tempDir(), '.dvc');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'config'), '');
  return d;
}

test('s3 urls: bucket and prefix, with or without slashes; anything else is refused', () => {
  assert.deepEqual(parseS3Url('s3://bucket/team/data/'), { bucket: 'bucket', prefix: 'team/data' });
  assert.deepEqual(parseS3Url('s3://bucket'), { bucket: 'bucket', prefix: '' });
  assert.throws(() => parseS3Url('s3:///nobucket'), /expected s3:\/\/bucket\/prefix/);
});

test("remote modify on an s3 remote: options checked against DVC's schema, secrets go to config.local with a note", () => {
  assert.deepEqual(planRemoteOption('s3://b/p', 'endpointurl', 'http://127.0.0.1:9000', false), { local: false });
  assert.deepEqual(planRemoteOption('s3://b/p', 'region', 'eu-west-1', true), { local: true });
  const secret = planRemoteOption('s3://b/p', 'secret_access_key', 'xyz', false);
  assert.equal(secret.local, true);
  assert.match(secret.note!, /secret_access_key is a secret: written to \.dvc\/config\.local \(git-ignored\)/);
  assert.equal(planRemoteOption('s3://b/p', 'access_key_id', 'AKIA', true).note, undefined, 'asked for --local: nothing to say');
  assert.throws(() => planRemoteOption('s3://b/p', 'endpoint', 'x', false), /"endpoint" is not an option of s3 remotes \(known: .*endpointurl/);
  assert.throws(() => planRemoteOption('s3://b/p', 'use_ssl', 'maybe', false), /use_ssl must be true or false/);
  assert.throws(() => planRemoteOption('s3://b/p', 'jobs', '0', false), /jobs must be a whole number >= 1/);
  assert.deepEqual(planRemoteOption('/mnt/store', 'whatever', 'x', false), { local: false }, 'other remote kinds pass through');
});

test('.dvc/config and config.local are written as dvc remote add / modify write them', () => {
  const d = dvcDir();
  const c = DvcConfig.load(d);
  c.setRemote('s3', 's3://bucket/team', { makeDefault: true });
  c.modifyRemote('s3', 'endpointurl', 'http://127.0.0.1:9000');
  c.modifyRemote('s3', 'use_ssl', 'false');
  const plan = planRemoteOption('s3://bucket/team', 'secret_access_key', 'wJalr/K7+MDENG', false);
  c.modifyRemote('s3', 'access_key_id', 'AKIAEXAMPLE', { local: true });
  c.modifyRemote('s3', 'secret_access_key', 'wJalr/K7+MDENG', { local: plan.local });
  assert.equal(
    fs.readFileSync(path.join(d, 'config'), 'utf8'),
    '[\'remote "s3"\']\n    url = s3://bucket/team\n    endpointurl = http://127.0.0.1:9000\n    use_ssl = false\n[core]\n    remote = s3\n',
  );
  assert.equal(
    fs.readFileSync(path.join(d, 'config.local'), 'utf8'),
    '[\'remote "s3"\']\n    access_key_id = AKIAEXAMPLE\n    secret_access_key = wJalr/K7+MDENG\n',
  );
  const r = DvcConfig.load(d).remote();
  assert.deepEqual(r.options, {
    url: 's3://bucket/team',
    endpointurl: 'http://127.0.0.1:9000',
    use_ssl: 'false',
    access_key_id: 'AKIAEXAMPLE',
    secret_access_key: 'wJalr/K7+MDENG',
  });
});

test('typed options: ssl_verify as a CA path, put headers from sse/acl, sizes as the AWS CLI reads them', () => {
  const o = s3Options('s3', {
    url: 's3://b',
    ssl_verify: '/etc/ssl/ca.pem',
    sse: 'aws:kms',
    sse_kms_key_id: 'k1',
    acl: 'bucket-owner-full-control',
    jobs: '3',
    read_timeout: '5',
  });
  assert.equal(o.sslVerify, '/etc/ssl/ca.pem');
  assert.equal(o.jobs, 3);
  assert.equal(o.readTimeoutMs, 5000);
  assert.deepEqual(o.putHeaders, {
    'x-amz-server-side-encryption': 'aws:kms',
    'x-amz-server-side-encryption-aws-kms-key-id': 'k1',
    'x-amz-acl': 'bucket-owner-full-control',
  });
  assert.equal(s3Options('s3', { url: 's3://b', ssl_verify: 'False' }).sslVerify, false);
  assert.throws(() => s3Options('s3', { url: 's3://b', acl: 'private', grant_read: 'id=x' }), /acl and grant_\* are mutually exclusive/);
  assert.throws(() => s3Options('s3', { url: 's3://b', endpoint_url: 'x' }), /remote "s3": "endpoint_url" is not an option/);
  assert.equal(humanToBytes('64MB'), 64 << 20);
  assert.equal(humanToBytes('24MiB'), 24 << 20);
  assert.equal(humanToBytes('1048576'), 1 << 20);
  assert.equal(partSize(100 << 20, 8 << 20), 8 << 20);
  assert.equal(partSize(200 * 1024 ** 3, 8 << 20), 21 << 20, 'at most 10,000 parts');
});

function awsFiles(credentials: string, config: string) {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'credentials'), credentials);
  fs.writeFileSync(path.join(dir, 'config'), config);
  return { AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'), AWS_CONFIG_FILE: path.join(dir, 'config') };
}

const CREDS =
  '[default]\naws_access_key_id = DEFAULTID\naws_secret_access_key = defaultsecret\n\n[dev]\naws_access_key_id=DEVID\naws_secret_access_key=devsecret\naws_session_token = devtoken\n';
const CONF =
  '[default]\nregion = us-west-2\n[profile dev]\nregion = eu-central-1\ns3 =\n  multipart_threshold = 64MB\n  multipart_chunksize = 16MiB\n  max_concurrent_requests = 20\n[profile only-config]\naws_access_key_id = CFGID\naws_secret_access_key = cfgsecret\n';

test('credential chain: remote keys, then environment, then the profile in credentials and config files', () => {
  const files = awsFiles(CREDS, CONF);
  const o = (extra: Record<string, string> = {}) => s3Options('s3', { url: 's3://b', ...extra });
  const envKeys = { AWS_ACCESS_KEY_ID: 'ENVID', AWS_SECRET_ACCESS_KEY: 'envsecret' };

  let e = resolveAwsEnvironment(o(), { access_key_id: 'CFG', secret_access_key: 's' }, { ...files, ...envKeys });
  assert.equal(e.credentials?.accessKeyId, 'CFG');
  assert.equal(e.credentials?.source, 'the remote config');
  e = resolveAwsEnvironment(o(), {}, { ...files, ...envKeys });
  assert.equal(e.credentials?.accessKeyId, 'ENVID');
  assert.equal(e.region, 'us-west-2', 'region of the default profile');
  e = resolveAwsEnvironment(o(), {}, { ...files });
  assert.deepEqual([e.credentials?.accessKeyId, e.credentials?.source], ['DEFAULTID', `${files.AWS_SHARED_CREDENTIALS_FILE} [default]`]);

  e = resolveAwsEnvironment(o(), {}, { ...files, AWS_PROFILE: 'dev' });
  assert.deepEqual([e.profile, e.credentials?.accessKeyId, e.credentials?.sessionToken, e.region], ['dev', 'DEVID', 'devtoken', 'eu-central-1']);
  assert.deepEqual([e.multipartThreshold, e.multipartChunkSize, e.maxConcurrency], [64 << 20, 16 << 20, 20], "the profile's s3 transfer settings");

  e = resolveAwsEnvironment(o({ profile: 'dev' }), {}, { ...files, ...envKeys });
  assert.equal(e.credentials?.accessKeyId, 'DEVID', 'a profile named in the remote wins over the environment, as in boto3');
  e = resolveAwsEnvironment(o({ profile: 'only-config', region: 'ap-south-1' }), {}, { ...files });
  assert.deepEqual([e.credentials?.accessKeyId, e.region], ['CFGID', 'ap-south-1']);
  e = resolveAwsEnvironment(o(), {}, { ...files, AWS_REGION: 'sa-east-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' });
  assert.deepEqual([e.region, e.endpoint], ['sa-east-1', 'http://127.0.0.1:1']);
  assert.throws(() => resolveAwsEnvironment(o({ profile: 'nope' }), {}, { ...files }), /AWS profile "nope" is not defined in .*credentials or .*config/);

  const empty = awsFiles('', '');
  assert.equal(resolveAwsEnvironment(o(), {}, empty).credentials, undefined);
});

test('the AWS INI dialect: nested s3 settings, comments, profile names keep their case', () => {
  const ini = parseAwsIni('# c\n[profile Team-A]\nregion = x\ns3 =\n    addressing_style = path\n; c\nother = y\n');
  assert.deepEqual(ini.get('profile Team-A'), { region: 'x', s3: { addressing_style: 'path' }, other: 'y' });
});

test('an s3 remote without credentials anywhere fails before any transfer, saying where it looked and how to fix it', () => {
  const files = awsFiles('', '');
  const saved = { ...process.env };
  try {
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    Object.assign(process.env, files);
    const cfg = { name: 'team', rawUrl: 's3://b/p', url: 's3://b/p', isDefault: true, options: { url: 's3://b/p' } };
    assert.throws(
      () => openRemote(cfg),
      (e: unknown) =>
        e instanceof RemoteNotConfigured &&
        /remote "team" \(s3:\/\/b\/p\): no AWS credentials found/.test(e.message) &&
        /mlops data remote modify team access_key_id ID --local/.test(e.message),
    );
    const anon = openRemote({ ...cfg, options: { url: 's3://b/p', allow_anonymous_login: 'true' } });
    assert.ok(anon instanceof S3Remote);
  } finally {
    process.env = saved;
  }
});

test('object keys follow DVC 3 (files/md5/XX/rest) and legacy 2.x (XX/rest) layouts under the prefix', () => {
  const saved = { ...process.env };
  try {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' });
    const mk = (url: string) => openRemote({ name: 'r', rawUrl: url, url, isDefault: false, options: { url, jobs: '2' } }) as S3Remote;
    const oid = 'd41d8cd98f00b204e9800998ecf8427e';
    assert.equal(mk('s3://b/team/store/').key({ oid, hashName: 'md5' }), 'team/store/files/md5/d4/1d8cd98f00b204e9800998ecf8427e');
    assert.equal(mk('s3://b').key({ oid: `${oid}.dir`, hashName: 'md5' }), 'files/md5/d4/1d8cd98f00b204e9800998ecf8427e.dir');
    assert.equal(mk('s3://b/old').key({ oid, hashName: 'md5-dos2unix' }), 'old/d4/1d8cd98f00b204e9800998ecf8427e');
    assert.equal(mk('s3://b').jobs, 2);
  } finally {
    process.env = saved;
  }
});
