/**
 * JSON as MLflow's Python client speaks it. Requests may carry bare NaN, Infinity and -Infinity (Python's
 * json module writes them); responses write non-finite doubles as the strings "NaN", "Infinity" and
 * "-Infinity", the protobuf JSON mapping that the client's ParseDict reads back as floats.
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
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v));
}
