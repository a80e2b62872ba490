import { InvalidPageToken } from './errors';

/** MLflow's page tokens (SearchUtils.create_page_token): base64 of {"offset": N}, opaque to clients. */
export function encodePageToken(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`page offset must be a non-negative integer, got ${offset}`);
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

/** The offset a token stands for; no token (undefined, null, '') is the first page. */
export function decodePageToken(token: string | undefined | null): number {
  if (!token) return 0;
  // Buffer.from(…, 'base64') skips characters it does not know, so check the alphabet first.
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(token.trim())) throw new InvalidPageToken(token, 'not base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token.trim(), 'base64').toString('utf8'));
  } catch {
    throw new InvalidPageToken(token, 'does not decode to JSON');
  }
  const offset = parsed !== null && typeof parsed === 'object' ? (parsed as { offset?: unknown }).offset : undefined;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidPageToken(token, 'expected {"offset": <non-negative integer>}');
  }
  return offset;
}
