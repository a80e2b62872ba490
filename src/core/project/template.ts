/**
 * MLproject command templates are Python `str.format` strings. MLflow calls `command.format(**params)` with
 * every value a (shell-quoted) string, so this implements the parts of the format mini-language that can
 * succeed on strings, and reports what Python would raise (KeyError, IndexError, ValueError) as errors.
 */
import { pyStrRepr } from './pyvalue';

export type TemplatePart =
  { kind: 'text'; text: string } | { kind: 'field'; name: string; conversion?: 's' | 'r' | 'a'; spec?: FormatSpec; start: number; end: number };

interface FormatSpec {
  fill: string;
  align: '<' | '>' | '^';
  width: number;
  precision?: number;
}

export interface TemplateProblem {
  message: string;
  /** Offsets into the template string. */
  start: number;
  end: number;
}

export interface ParsedTemplate {
  parts: TemplatePart[];
  problems: TemplateProblem[];
  /** Placeholder names, in order of appearance (duplicates kept once). */
  names: string[];
}

export function parseTemplate(template: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const problems: TemplateProblem[] = [];
  let text = '';
  let i = 0;
  const flush = () => {
    if (text) parts.push({ kind: 'text', text });
    text = '';
  };
  while (i < template.length) {
    const ch = template[i];
    if (ch === '}') {
      if (template[i + 1] === '}') {
        text += '}';
        i += 2;
        continue;
      }
      problems.push({ message: "Single '}' encountered in format string (write '}}' for a literal brace)", start: i, end: i + 1 });
      i++;
      continue;
    }
    if (ch !== '{') {
      text += ch;
      i++;
      continue;
    }
    if (template[i + 1] === '{') {
      text += '{';
      i += 2;
      continue;
    }
    // Find the matching '}' the way Python does: nested braces are allowed inside the format spec.
    let depth = 1;
    let j = i + 1;
    while (j < template.length && depth > 0) {
      if (template[j] === '{') depth++;
      else if (template[j] === '}') depth--;
      if (depth > 0) j++;
    }
    if (j >= template.length) {
      const message =
        i + 1 === template.length
          ? "Single '{' encountered in format string (write '{{' for a literal brace)"
          : "expected '}' before end of string (write '{{' for a literal brace)";
      problems.push({ message, start: i, end: template.length });
      break;
    }
    flush();
    const field = parseField(template.slice(i + 1, j), i, j + 1);
    if ('message' in field) problems.push(field);
    else parts.push(field);
    i = j + 1;
  }
  flush();
  const names = [...new Set(parts.flatMap((p) => (p.kind === 'field' ? [p.name] : [])))];
  return { parts, problems, names };
}

function parseField(body: string, start: number, end: number): TemplatePart | TemplateProblem {
  const problem = (message: string): TemplateProblem => ({ message, start, end });
  const m = /^([^!:]*)(?:!([^:]*))?(?::(.*))?$/s.exec(body);
  if (!m) return problem(`cannot parse placeholder {${body}}`);
  const [, fieldName, conv, specText] = m;
  const argName = /^[^.[]*/.exec(fieldName)![0];
  if (argName === '' || /^[0-9]+$/.test(argName)) {
    return problem(`Placeholder {${body}} is positional (Python raises "Replacement index ${argName || 0} out of range"); name a parameter, e.g. {alpha}`);
  }
  if (argName.length !== fieldName.length) {
    return problem(`Placeholder {${body}}: attribute or index access on a parameter is not supported`);
  }
  let conversion: 's' | 'r' | 'a' | undefined;
  if (conv !== undefined) {
    if (conv.length !== 1) return problem(`Placeholder {${body}}: expected ':' after conversion specifier`);
    if (conv !== 's' && conv !== 'r' && conv !== 'a') return problem(`Placeholder {${body}}: Unknown conversion specifier ${conv}`);
    conversion = conv;
  }
  let spec: FormatSpec | undefined;
  if (specText) {
    const s = /^(?:(.)?([<>^]))?(\d*)(?:\.(\d+))?s?$/su.exec(specText);
    if (!s || specText.includes('{')) {
      return problem(`Placeholder {${body}}: format spec '${specText}' cannot apply to a string parameter value`);
    }
    spec = { fill: s[1] ?? ' ', align: (s[2] as FormatSpec['align']) ?? '<', width: s[3] ? Number(s[3]) : 0, precision: s[4] ? Number(s[4]) : undefined };
  }
  return { kind: 'field', name: argName, conversion, spec, start, end };
}

function applySpec(value: string, spec: FormatSpec | undefined): string {
  if (!spec) return value;
  let chars = [...value];
  if (spec.precision !== undefined) chars = chars.slice(0, spec.precision);
  const pad = Math.max(0, spec.width - chars.length);
  const v = chars.join('');
  if (spec.align === '<') return v + spec.fill.repeat(pad);
  if (spec.align === '>') return spec.fill.repeat(pad) + v;
  const left = Math.floor(pad / 2);
  return spec.fill.repeat(left) + v + spec.fill.repeat(pad - left);
}

function pyAscii(s: string): string {
  return pyStrRepr(s).replace(/[^\x00-\x7f]/gu, (ch) => {
    const c = ch.codePointAt(0)!;
    if (c <= 0xff) return '\\x' + c.toString(16).padStart(2, '0');
    if (c <= 0xffff) return '\\u' + c.toString(16).padStart(4, '0');
    return '\\U' + c.toString(16).padStart(8, '0');
  });
}

/** Renders parsed parts; every placeholder name must be present in `values`. */
export function renderTemplate(parts: TemplatePart[], values: Record<string, string>): string {
  let out = '';
  for (const p of parts) {
    if (p.kind === 'text') {
      out += p.text;
      continue;
    }
    const raw = values[p.name];
    if (raw === undefined) throw new Error(`KeyError: '${p.name}'`);
    const v = p.conversion === 'r' ? pyStrRepr(raw) : p.conversion === 'a' ? pyAscii(raw) : raw;
    out += applySpec(v, p.spec);
  }
  return out;
}
