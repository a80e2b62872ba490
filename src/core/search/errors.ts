import { InvalidParameter } from '../errors';

/**
 * A filter or order_by that does not parse or names something the entity does not have.
 * `position` is the 0-based character offset of the offending token in `input`.
 */
export class SearchSyntaxError extends Error {
  readonly code = 'INVALID_PARAMETER_VALUE';
  constructor(
    readonly reason: string,
    readonly position: number,
    readonly input: string,
    readonly source: 'filter' | 'order_by' = 'filter',
    /** what would be valid, appended after the location so the message starts with the problem and where it is */
    readonly hint?: string,
  ) {
    super(`${reason} at position ${position} in ${source} "${input}"${hint ? `. ${hint}` : ''}`);
    this.name = 'SearchSyntaxError';
  }
}

/** A page_token that is not one this server handed out. An InvalidParameter, so the server answers 400. */
export class InvalidPageToken extends InvalidParameter {
  constructor(
    readonly token: string,
    detail: string,
  ) {
    super(`Invalid page token '${token.length > 40 ? token.slice(0, 40) + '…' : token}': ${detail}`, 'page_token');
  }
}
