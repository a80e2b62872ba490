import { InvalidPageToken } from './errors';

/** MLflow's page tokens (SearchUtils.create_page_token): base64 of {"offset": N}, opaque to clients. */
export function encodePageToken(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`page offset must be a non-negative integer, got ${offset}`);
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

function parseToken(token: string): unknown {
  // Buffer.from(…, 'base64') skips characters it does not know, so check the alphabet first.
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(token.trim())) throw new InvalidPageToken(token, 'not base64');
  try {
    return JSON.parse(Buffer.from(token.trim(), 'base64').toString('utf8'));
  } catch {
    throw new InvalidPageToken(token, 'does not decode to JSON');
  }
}

function offsetOf(token: string, parsed: unknown): number {
  const offset = parsed !== null && typeof parsed === 'object' ? (parsed as { offset?: unknown }).offset : undefined;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidPageToken(token, 'expected {"offset": <non-negative integer>}');
  }
  return offset;
}

/** The offset a token stands for; no token (undefined, null, '') is the first page. */
export function decodePageToken(token: string | undefined | null): number {
  if (!token) return 0;
  return offsetOf(token, parseToken(token));
}

/**
 * Where a page starts: an offset (MLflow's own tokens, and ours before keyset paging), or just after the
 * row with sort key `after` in the order with digest `order` (keyset paging: stable while runs are added).
 */
export type PageCursor = { offset: number } | { after: unknown; order: unknown; token: string };

export function decodePageCursor(token: string | undefined | null): PageCursor {
  if (!token) return { offset: 0 };
  const parsed = parseToken(token);
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && 'after' in parsed) {
    const p = parsed as { after: unknown; order?: unknown };
    return { after: p.after, order: p.order, token };
  }
  return { offset: offsetOf(token, parsed) };
}

/** A keyset token: base64 of {"after": <sort key of the last row>, "order": <digest of the order_by>}. */
export function encodeKeysetToken(after: unknown[], order: string): string {
  return Buffer.from(JSON.stringify({ after, order })).toString('base64');
}
