/** IN lists use these sizes only (padded with NULL, which matches nothing), so the statement cache stays small. */
const IN_SIZES = [1, 16, 128, 512];

/**
 * Calls `query` with `IN (?,…)` placeholders and their arguments for each chunk of `ids`: one query per
 * 512 ids instead of one per id.
 */
export function forEachIdChunk(ids: readonly string[], query: (placeholders: string, args: (string | null)[]) => void): void {
  for (let i = 0; i < ids.length;) {
    const size = IN_SIZES.find((s) => s >= ids.length - i) ?? IN_SIZES[IN_SIZES.length - 1];
    const args: (string | null)[] = ids.slice(i, i + size);
    i += args.length;
    while (args.length < size) args.push(null);
    query(`(${args.map(() => '?').join(',')})`, args);
  }
}
