import { InvalidParameter } from '../store/errors';

/** MLflow's page tokens: base64 of {"offset": N}, opaque to clients. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodePageToken(token: string | undefined | null): number {
  if (!token) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw new InvalidParameter(`Invalid page token, could not base64-decode: '${token.slice(0, 40)}'`, 'page_token');
  }
  const offset = (parsed as { offset?: unknown })?.offset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidParameter(`Invalid page token: expected an offset, got '${token.slice(0, 40)}'`, 'page_token');
  }
  return offset;
}
