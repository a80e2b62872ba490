import os from 'node:os';
import { RemoteNotConfigured } from '../errors';

/** The keys DVC's config schema accepts in an `s3://` remote section (dvc/config_schema.py, "s3" + REMOTE_COMMON). */
export const S3_KEYS = new Set([
  'url',
  'jobs',
  'checksum_jobs',
  'worktree',
  'no_traverse',
  'version_aware',
  'verify',
  'region',
  'profile',
  'credentialpath',
  'configpath',
  'endpointurl',
  'access_key_id',
  'secret_access_key',
  'session_token',
  'listobjects',
  'use_ssl',
  'allow_anonymous_login',
  'ssl_verify',
  'sse',
  'sse_kms_key_id',
  'sse_customer_algorithm',
  'sse_customer_key',
  'acl',
  'grant_read',
  'grant_read_acp',
  'grant_write_acp',
  'grant_full_control',
  'cache_regions',
  'read_timeout',
  'connect_timeout',
]);

/** Options that are credentials: they belong in the git-ignored `.dvc/config.local`. */
export const SECRET_KEYS = new Set(['access_key_id', 'secret_access_key', 'session_token', 'sse_customer_key']);

const BOOL_KEYS = new Set(['use_ssl', 'allow_anonymous_login', 'listobjects', 'version_aware', 'verify', 'worktree', 'no_traverse', 'cache_regions']);
const INT_KEYS = new Set(['jobs', 'checksum_jobs', 'read_timeout', 'connect_timeout']);

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash ('' for the bucket root). */
  prefix: string;
}

export function isS3Url(url: string): boolean {
  return /^s3:\/\//i.test(url);
}

export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/?#]+)\/?([^?#]*)$/i.exec(url);
  if (!m) throw new RemoteNotConfigured(`${url}: expected s3://bucket/prefix`);
  return { bucket: m[1], prefix: m[2].replace(/^\/+|\/+$/g, '') };
}

/** DVC's Bool: configobj-style true/false words. */
export function parseBool(key: string, v: string): boolean {
  if (/^(true|yes|on|1)$/i.test(v.trim())) return true;
  if (/^(false|no|off|0)$/i.test(v.trim())) return false;
  throw new RemoteNotConfigured(`${key} must be true or false, got ${JSON.stringify(v)}`);
}

function parseIntKey(key: string, v: string): number {
  if (!/^\s*[0-9]+\s*$/.test(v) || Number(v) < 1) throw new RemoteNotConfigured(`${key} must be a whole number >= 1, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Checks one option as `dvc remote modify` would (unknown keys and bad values are refused before anything is written). */
export function validateS3Option(key: string, value: string): void {
  if (!S3_KEYS.has(key)) throw new RemoteNotConfigured(`"${key}" is not an option of s3 remotes (known: ${[...S3_KEYS].sort().join(', ')})`);
  if (BOOL_KEYS.has(key)) parseBool(key, value);
  if (INT_KEYS.has(key)) parseIntKey(key, value);
  if (key === 'ssl_verify' && !value.trim()) throw new RemoteNotConfigured('ssl_verify must be true, false or a CA bundle path');
}

/** Where `remote modify` puts an option: secrets always go to config.local; the note says so when not asked for. */
export function s3OptionLevel(key: string, askedLocal: boolean): { local: boolean; note?: string } {
  if (!SECRET_KEYS.has(key) || askedLocal) return { local: askedLocal };
  return { local: true, note: `${key} is a secret: written to .dvc/config.local (git-ignored), not .dvc/config` };
}

/** DVC's default parallelism for cloud remotes: 4 per CPU. */
export function defaultS3Jobs(): number {
  return 4 * (os.availableParallelism?.() ?? os.cpus().length);
}

/** The remote section's options, typed. Credentials are resolved separately (credentials.ts). */
export interface S3Options {
  endpointurl?: string;
  region?: string;
  profile?: string;
  useSsl: boolean;
  /** true, false, or a CA bundle path. */
  sslVerify: boolean | string;
  anonymous: boolean;
  jobs?: number;
  readTimeoutMs?: number;
  connectTimeoutMs?: number;
  credentialpath?: string;
  configpath?: string;
  /** Extra headers every PUT / multipart create carries (sse, acl, grants). */
  putHeaders: Record<string, string>;
}

export function s3Options(remoteName: string, o: Record<string, string>): S3Options {
  for (const [k, v] of Object.entries(o)) {
    try {
      validateS3Option(k, v);
    } catch (e) {
      throw new RemoteNotConfigured(`remote "${remoteName}": ${(e as Error).message}`);
    }
  }
  const sv = o.ssl_verify;
  const put: Record<string, string> = {};
  if (o.sse) put['x-amz-server-side-encryption'] = o.sse;
  if (o.sse_kms_key_id) put['x-amz-server-side-encryption-aws-kms-key-id'] = o.sse_kms_key_id;
  if (o.acl) put['x-amz-acl'] = o.acl;
  for (const g of ['grant_read', 'grant_read_acp', 'grant_write_acp', 'grant_full_control']) if (o[g]) put[`x-amz-${g.replace(/_/g, '-')}`] = o[g];
  if (o.sse_customer_key) throw new RemoteNotConfigured(`remote "${remoteName}": sse_customer_key (SSE-C) is not supported yet`);
  if (o.acl && Object.keys(put).some((h) => h.startsWith('x-amz-grant-')))
    throw new RemoteNotConfigured(`remote "${remoteName}": acl and grant_* are mutually exclusive`);
  return {
    endpointurl: o.endpointurl || undefined,
    region: o.region || undefined,
    profile: o.profile || undefined,
    useSsl: o.use_ssl === undefined ? true : parseBool('use_ssl', o.use_ssl),
    sslVerify: sv === undefined ? true : /^(true|false|yes|no|on|off|1|0)$/i.test(sv) ? parseBool('ssl_verify', sv) : sv,
    anonymous: o.allow_anonymous_login ? parseBool('allow_anonymous_login', o.allow_anonymous_login) : false,
    jobs: o.jobs ? parseIntKey('jobs', o.jobs) : undefined,
    readTimeoutMs: o.read_timeout ? parseIntKey('read_timeout', o.read_timeout) * 1000 : undefined,
    connectTimeoutMs: o.connect_timeout ? parseIntKey('connect_timeout', o.connect_timeout) * 1000 : undefined,
    credentialpath: o.credentialpath || undefined,
    configpath: o.configpath || undefined,
    putHeaders: put,
  };
}

/** `24MiB`, `8MB`, `1048576` → bytes, as the AWS CLI reads multipart sizes. */
export function humanToBytes(v: string): number {
  const m = /^\s*([0-9]+)\s*(kb|mb|gb|tb|kib|mib|gib|tib|b)?\s*$/i.exec(v);
  if (!m) throw new RemoteNotConfigured(`not a size: ${JSON.stringify(v)}`);
  const mult: Record<string, number> = { b: 1, kb: 1 << 10, mb: 1 << 20, gb: 1 << 30, tb: 2 ** 40 };
  const unit = (m[2] ?? 'b').toLowerCase().replace('i', '');
  return Number(m[1]) * mult[unit];
}

/**
 * How `remote modify NAME KEY VALUE` applies to a remote with this url: s3 options are checked against DVC's schema
 * first, and secrets go to config.local. Other remote kinds pass through unchanged.
 */
export function planRemoteOption(url: string, key: string, value: string | undefined, askedLocal: boolean): { local: boolean; note?: string } {
  if (!isS3Url(url)) return { local: askedLocal };
  if (value !== undefined) validateS3Option(key, value);
  else if (!S3_KEYS.has(key)) throw new RemoteNotConfigured(`"${key}" is not an option of s3 remotes`);
  return s3OptionLevel(key, askedLocal);
}
