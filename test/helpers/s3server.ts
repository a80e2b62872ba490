import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tmp';

/** A real S3-compatible server (s3rver) on 127.0.0.1 with one bucket, files in a temp folder. */
export interface S3Server {
  endpoint: string;
  bucket: string;
  /** The folder s3rver stores buckets in (tests corrupt objects through the API, not here). */
  dir: string;
  close(): Promise<void>;
}

/** Starts s3rver, or returns a reason it cannot run (the tests print it and skip). */
export async function startS3Server(bucket = 'team-data'): Promise<S3Server | string> {
  let S3rver: new (o: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    S3rver = require('s3rver');
  } catch (e) {
    return `s3rver is not installed (npm ci installs it as a devDependency): ${(e as Error).message}`;
  }
  const dir = tempDir(undefined, 's3rver-');
  fs.mkdirSync(path.join(dir, 'root'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: path.join(dir, 'root'), silent: true, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, bucket, dir: path.join(dir, 'root'), close: () => server.close() };
}

/** An environment with no AWS credentials anywhere but the given ones (HOME points at an empty folder). */
export function isolatedAwsEnv(extra: Record<string, string> = {}): () => void {
  const keys = [
    'HOME',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_CONFIG_FILE',
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_S3',
  ];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  process.env.HOME = tempDir(undefined, 'home-');
  Object.assign(process.env, extra);
  return () => {
    for (const k of keys) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  };
}
