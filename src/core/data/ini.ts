import { InvalidConfig } from './errors';

interface Entry {
  key: string;
  value: string;
  line: number;
}
interface Section {
  name: string;
  header: number;
  entries: Entry[];
}

const NAMED = /^\s*(remote|machine|db)\s*"(.*)"\s*$/;

/** Section name as DVC means it: configobj's `'remote "x"'` header and git-style `remote "x"` both map to `remote "x"`. */
function sectionName(raw: string): string {
  let s = raw.trim();
  if ((s.startsWith("'") && s.endsWith("'")) || (s.startsWith('"') && s.endsWith('"') && s.length > 1 && !NAMED.test(s))) s = s.slice(1, -1);
  const m = NAMED.exec(s);
  return m ? `${m[1]} "${m[2]}"` : s.toLowerCase();
}

function unquote(v: string): string {
  const s = v.trim();
  if (s.length >= 2 && ((s[0] === '"' && s.endsWith('"')) || (s[0] === "'" && s.endsWith("'")))) return s.slice(1, -1);
  return s;
}

function quoteIfNeeded(v: string): string {
  if (v === '' || /[,#"']|^\s|\s$/.test(v)) return v.includes('"') ? `'${v}'` : `"${v}"`;
  return v;
}

/** configobj writes a named section header in single quotes because the name contains `"`. */
function headerFor(name: string): string {
  return name.includes('"') ? `['${name}']` : `[${name}]`;
}

/**
 * The INI dialect of `.dvc/config` (configobj), edited in place: existing lines, comments and indentation are kept;
 * new keys get DVC's 4-space indent.
 */
export class IniFile {
  private lines: string[];
  private sections: Section[] = [];

  constructor(
    text: string,
    readonly file: string,
  ) {
    this.lines = text.length ? text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n') : [];
    this.parse();
  }

  private parse(): void {
    this.sections = [];
    let cur: Section | undefined;
    this.lines.forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) return;
      if (line.startsWith('[')) {
        if (!line.endsWith(']')) throw new InvalidConfig(this.file, i + 1, `unterminated section header ${JSON.stringify(line)}`);
        cur = { name: sectionName(line.slice(1, -1)), header: i, entries: [] };
        this.sections.push(cur);
        return;
      }
      const eq = line.indexOf('=');
      if (eq <= 0) throw new InvalidConfig(this.file, i + 1, `expected "key = value", got ${JSON.stringify(line)}`);
      if (!cur) throw new InvalidConfig(this.file, i + 1, 'a key outside any [section]');
      cur.entries.push({ key: line.slice(0, eq).trim().toLowerCase(), value: unquote(line.slice(eq + 1).replace(/\s+#.*$/, '')), line: i });
    });
  }

  sectionNames(): string[] {
    return [...new Set(this.sections.map((s) => s.name))];
  }

  /** Later sections and keys win, as configobj merges duplicate sections. */
  get(section: string, key: string): string | undefined {
    let v: string | undefined;
    for (const s of this.sections) if (s.name === section) for (const e of s.entries) if (e.key === key) v = e.value;
    return v;
  }

  /** 0-based line of the winning definition of a key. */
  lineOf(section: string, key: string): number | undefined {
    let line: number | undefined;
    for (const s of this.sections) if (s.name === section) for (const e of s.entries) if (e.key === key) line = e.line;
    return line;
  }

  entries(section: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of this.sections) if (s.name === section) for (const e of s.entries) out[e.key] = e.value;
    return out;
  }

  set(section: string, key: string, value: string): void {
    const secs = this.sections.filter((s) => s.name === section);
    const text = quoteIfNeeded(value);
    for (const s of [...secs].reverse()) {
      const e = [...s.entries].reverse().find((x) => x.key === key);
      if (e) {
        const raw = this.lines[e.line];
        const indent = /^\s*/.exec(raw)![0];
        this.lines[e.line] = `${indent}${key} = ${text}`;
        this.parse();
        return;
      }
    }
    if (secs.length) {
      const s = secs[secs.length - 1];
      const after = s.entries.length ? s.entries[s.entries.length - 1].line : s.header;
      const indent = s.entries.length ? /^\s*/.exec(this.lines[s.entries[s.entries.length - 1].line])![0] : '    ';
      this.lines.splice(after + 1, 0, `${indent}${key} = ${text}`);
    } else {
      this.lines.push(headerFor(section), `    ${key} = ${text}`);
    }
    this.parse();
  }

  unset(section: string, key: string): void {
    const drop = new Set<number>();
    for (const s of this.sections) if (s.name === section) for (const e of s.entries) if (e.key === key) drop.add(e.line);
    this.lines = this.lines.filter((_, i) => !drop.has(i));
    this.parse();
  }

  removeSection(section: string): void {
    const drop = new Set<number>();
    for (const s of this.sections) {
      if (s.name !== section) continue;
      drop.add(s.header);
      for (const e of s.entries) drop.add(e.line);
    }
    this.lines = this.lines.filter((_, i) => !drop.has(i));
    this.parse();
  }

  toString(): string {
    return this.lines.length ? this.lines.join('\n') + '\n' : '';
  }
}
