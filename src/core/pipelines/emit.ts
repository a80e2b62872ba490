import { PyFloat, isPyMap, yamlFloat, type PyValue } from './pyvalue';

/** ruamel.yaml's default line width: plain and single-quoted scalars fold at a space past column 80. */
const BEST_WIDTH = 80;

const RESOLVES = [
  /^(?:true|True|TRUE|false|False|FALSE)$/,
  /^(?:~|null|Null|NULL)$/,
  /^[-+]?[0-9_]+$/,
  /^0o[0-7_]+$/,
  /^0x[0-9a-fA-F_]+$/,
  /^[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?\.(?:inf|Inf|INF)$/,
  /^\.(?:nan|NaN|NAN)$/,
];

/** Whether a string may be written plain in block context (PyYAML's analyze_scalar plus the 1.2 resolver). */
export function plainOk(s: string): boolean {
  if (!s || s !== s.trim()) return false;
  if (RESOLVES.some((r) => r.test(s))) return false;
  if (/^[#,[\]{}&*!|>'"%@`]/.test(s)) return false;
  if (/^[-?:](\s|$)/.test(s)) return false;
  if (/:(\s|$)|\s#/.test(s)) return false;
  // Control characters and line breaks need quoting.

  if (/[\x00-\x1f\x7f\x85\u2028\u2029\ufeff]/.test(s)) return false;
  return true;
}

function fold(text: string, col: number, indent: number): string {
  let out = '';
  let spaces = false;
  let start = 0;
  for (let end = 0; end <= text.length; end++) {
    const ch = end < text.length ? text[end] : undefined;
    if (spaces) {
      if (ch !== ' ') {
        if (start + 1 === end && col > BEST_WIDTH && start !== 0 && end !== text.length) {
          out += '\n' + ' '.repeat(indent);
          col = indent;
        } else {
          out += text.slice(start, end);
          col += end - start;
        }
        start = end;
      }
    } else if (ch === undefined || ch === ' ') {
      out += text.slice(start, end);
      col += end - start;
      start = end;
    }
    if (ch !== undefined) spaces = ch === ' ';
  }
  return out;
}

function doubleQuoted(s: string): string {
  return JSON.stringify(s);
}

/** One scalar as ruamel writes it; `col` is where it starts, `indent` where continuation lines start. */
export function scalar(v: PyValue, col = 0, indent = 2): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof PyFloat) return yamlFloat(v.value);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : yamlFloat(v);
  const s = String(v);
  if (plainOk(s)) return fold(s, col, indent);

  if (/[\x00-\x08\x0b-\x1f\x7f\n\r]/.test(s)) return doubleQuoted(s);
  return "'" + fold(s.replace(/'/g, "''"), col + 1, indent) + "'";
}

function isBlock(v: PyValue): boolean {
  return (Array.isArray(v) && v.length > 0) || (isPyMap(v) && Object.keys(v).length > 0);
}

function emptyFlow(v: PyValue): string {
  return Array.isArray(v) ? '[]' : '{}';
}

function emitMap(m: { [k: string]: PyValue }, indent: number, firstInline: boolean): string {
  let out = '';
  let first = true;
  for (const [k, v] of Object.entries(m)) {
    const pad = first && firstInline ? '' : ' '.repeat(indent);
    first = false;
    const key = scalar(k, indent, indent + 2);
    if (isBlock(v)) {
      out += `${pad}${key}:\n` + (Array.isArray(v) ? emitSeq(v, indent) : emitMap(v as { [k: string]: PyValue }, indent + 2, false));
    } else if (Array.isArray(v) || isPyMap(v)) {
      out += `${pad}${key}: ${emptyFlow(v)}\n`;
    } else {
      const sv = scalar(v, indent + key.length + 2, indent + 2);
      out += sv === '' ? `${pad}${key}:\n` : `${pad}${key}: ${sv}\n`;
    }
  }
  return out;
}

function emitSeq(list: PyValue[], indent: number): string {
  let out = '';
  for (const v of list) {
    const pad = ' '.repeat(indent) + '- ';
    if (isPyMap(v) && Object.keys(v).length) out += pad + emitMap(v, indent + 2, true);
    else if (Array.isArray(v) && v.length) out += pad + emitSeq(v, indent + 2).trimStart();
    else if (Array.isArray(v) || isPyMap(v)) out += `${pad}${emptyFlow(v)}\n`;
    else out += `${pad}${scalar(v, indent + 2, indent + 2)}\n`;
  }
  return out;
}

/** A document in ruamel.yaml's round-trip block style (DVC's `dump_yaml`): sequences not indented under keys. */
export function emitYaml(doc: { [k: string]: PyValue }): string {
  return emitMap(doc, 0, false);
}
