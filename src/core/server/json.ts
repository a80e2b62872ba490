/**
 * JSON as MLflow's Python client speaks it. Requests may carry bare NaN, Infinity and -Infinity (Python's
 * json module writes them); responses write NaN as the string "NaN" (the protobuf JSON mapping) and ±Infinity
 * as ±1.7976931348623157e308, which is what MLflow's SQL store keeps for an infinite metric and answers.
 */
export function parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    // Replace bare NaN / Infinity tokens outside strings, then parse again.
    let out = '';
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        out += c;
        if (c === '\\') out += text[++i] ?? '';
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') {
        inString = true;
        out += c;
        continue;
      }
      if (text.startsWith('NaN', i)) {
        out += '"NaN"';
        i += 2;
      } else if (text.startsWith('-Infinity', i)) {
        out += '"-Infinity"';
        i += 8;
      } else if (text.startsWith('Infinity', i)) {
        out += '"Infinity"';
        i += 7;
      } else out += c;
    }
    if (out === text) throw first;
    return JSON.parse(out);
  }
}

export function toMlflowJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE) : v,
  );
}

/** Drops a list field when it is empty, as protobuf JSON (and so MLflow) leaves empty repeated fields out. */
export function repeated<K extends string, V>(key: K, list: V[]): { [k in K]?: V[] } {
  return (list.length ? { [key]: list } : {}) as { [k in K]?: V[] };
}
