/** A filter or order_by that does not parse. `position` is the 0-based character offset of the problem. */
export class SearchSyntaxError extends Error {
  readonly code = 'INVALID_PARAMETER_VALUE';
  constructor(
    readonly reason: string,
    readonly position: number,
    readonly input: string,
  ) {
    super(`${reason} at position ${position} in "${input}"`);
    this.name = 'SearchSyntaxError';
  }
}
