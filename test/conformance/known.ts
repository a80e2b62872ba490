// Differences owned by another change, printed as "known" and not counted as failures. Key:
// "<scenario>/<observation label>". Remove an entry as soon as the runner says it now matches.
export const KNOWN: Record<string, string> = {};
