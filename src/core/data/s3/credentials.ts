import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RemoteNotConfigured } from '../errors';
import { humanToBytes, type S3Options } from './settings';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Where they came from, for messages ("remote config", "environment", "~/.aws/credentials [dev]"). */
  source: string;
}

/** One `[section]` of an AWS shared file; a `key =` line followed by indented lines is a nested map (`s3 =`). */
export type AwsSection = Record<string, string | Record<string, string>>;

/** The AWS CLI's INI dialect (`~/.aws/credentials`, `~/.aws/config`). Profile names keep their case. */
export function parseAwsIni(text: string): Map<string, AwsSection> {
  const out = new Map<string, AwsSection>();
  let cur: AwsSection | undefined;
  let nested: Record<string, string> | undefined;
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header) {
      cur = out.get(header[1]) ?? {};
      out.set(header[1], cur);
      nested = undefined;
      continue;
    }
    const eq = line.indexOf('=');
    if (!cur || eq <= 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (nested && /^\s/.test(raw)) nested[key] = value;
    else if (!value) cur[key] = nested = {};
    else {
      cur[key] = value;
      nested = undefined;
    }
  }
  return out;
}

function readIni(file: string): Map<string, AwsSection> | undefined {
  try {
    return parseAwsIni(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const str = (v: AwsSection[string] | undefined) => (typeof v === 'string' ? v : undefined);

/** What the AWS shared files and environment say for one remote, resolved the way botocore / s3fs resolve it. */
export interface AwsEnvironment {
  profile: string;
  credentials?: AwsCredentials;
  region: string;
  endpoint?: string;
  multipartThreshold?: number;
  multipartChunkSize?: number;
  maxConcurrency?: number;
}

function home(): string {
  return process.env.HOME || os.homedir();
}

function fromSection(sec: AwsSection | undefined, source: string): AwsCredentials | undefined {
  const id = str(sec?.aws_access_key_id);
  const secret = str(sec?.aws_secret_access_key);
  if (!id || !secret) return undefined;
  return { accessKeyId: id, secretAccessKey: secret, sessionToken: str(sec?.aws_session_token), source };
}

/**
 * Resolves credentials, region, endpoint and transfer settings: the remote's own keys first, then (unless the remote
 * names a profile, which like boto3 skips the environment's keys) AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, then the
 * profile (remote `profile`, AWS_PROFILE, `default`) in the shared credentials file and in the config file.
 */
export function resolveAwsEnvironment(opts: S3Options, explicit: Record<string, string>, env: NodeJS.ProcessEnv = process.env): AwsEnvironment {
  const profile = opts.profile ?? env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE ?? 'default';
  const credFile = env.AWS_SHARED_CREDENTIALS_FILE ?? opts.credentialpath ?? path.join(home(), '.aws', 'credentials');
  const confFile = env.AWS_CONFIG_FILE ?? opts.configpath ?? path.join(home(), '.aws', 'config');
  const creds = readIni(credFile);
  const conf = readIni(confFile);
  const confSec = conf?.get(profile === 'default' ? 'default' : `profile ${profile}`) ?? (profile === 'default' ? undefined : conf?.get(profile));
  const s3Sec = confSec?.s3;
  const nested = typeof s3Sec === 'object' ? s3Sec : {};

  let credentials: AwsCredentials | undefined;
  if (explicit.access_key_id && explicit.secret_access_key) {
    credentials = {
      accessKeyId: explicit.access_key_id,
      secretAccessKey: explicit.secret_access_key,
      sessionToken: explicit.session_token || undefined,
      source: 'the remote config',
    };
  } else if (!opts.profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
      source: 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY',
    };
  } else {
    credentials = fromSection(creds?.get(profile), `${credFile} [${profile}]`) ?? fromSection(confSec, `${confFile} [${profile}]`);
  }
  if (opts.profile && !creds?.has(profile) && !confSec) {
    throw new RemoteNotConfigured(`AWS profile "${profile}" is not defined in ${credFile} or ${confFile}`);
  }
  const region = opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? str(confSec?.region) ?? 'us-east-1';
  const endpoint = opts.endpointurl ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? nested.endpoint_url ?? str(confSec?.endpoint_url);
  const size = (v: string | undefined) => (v ? humanToBytes(v) : undefined);
  return {
    profile,
    credentials,
    region,
    endpoint,
    multipartThreshold: size(nested.multipart_threshold),
    multipartChunkSize: size(nested.multipart_chunksize),
    maxConcurrency: nested.max_concurrent_requests ? Number(nested.max_concurrent_requests) : undefined,
  };
}

/** The message for a remote with no credentials anywhere in the chain: every place we looked, and how to fix it. */
export function missingCredentialsMessage(remoteName: string, url: string, profile: string): string {
  return (
    `remote "${remoteName}" (${url}): no AWS credentials found. Looked in the remote's access_key_id / secret_access_key, ` +
    `AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and profile "${profile}" of ~/.aws/credentials and ~/.aws/config. ` +
    `Set them with "mlops data remote modify ${remoteName} access_key_id ID --local" and ` +
    `"mlops data remote modify ${remoteName} secret_access_key SECRET --local", or "aws configure", ` +
    `or set allow_anonymous_login true for a public bucket.`
  );
}
