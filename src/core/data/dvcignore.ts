import fs from 'node:fs';
import path from 'node:path';

interface Rule {
  re: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

/** One gitignore-syntax pattern (as pathspec's GitWildMatchPattern reads it) to a regex over a relative POSIX path. */
export function compileIgnorePattern(line: string): Rule | undefined {
  let p = line.replace(/\r$/, '');
  if (!p || p.startsWith('#')) return undefined;
  // Trailing spaces are dropped unless escaped.
  p = p.replace(/(?<!\\)\s+$/, '');
  if (!p) return undefined;
  let negate = false;
  if (p.startsWith('!')) {
    negate = true;
    p = p.slice(1);
  } else if (p.startsWith('\\!') || p.startsWith('\\#')) p = p.slice(1);
  let dirOnly = false;
  if (p.endsWith('/')) {
    dirOnly = true;
    p = p.slice(0, -1);
  }
  if (!p) return undefined;
  const anchored = p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') {
      if (p[i + 1] === '*') {
        const atStart = i === 0 || p[i - 1] === '/';
        const atEnd = i + 2 === p.length || p[i + 2] === '/';
        if (atStart && atEnd) {
          if (i + 2 === p.length) re += '.*';
          else {
            re += '(?:.*/)?';
            i++; // skip the slash after **
          }
          i++;
          continue;
        }
      }
      re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = p.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < p.length) {
      re += p[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return { re: new RegExp(anchored ? `^${re}$` : `^(?:.*/)?${re}$`), negate, dirOnly };
}

/**
 * `.dvcignore` files, read lazily per folder. Patterns are relative to the folder of their `.dvcignore`; the last
 * match wins, and an ignored folder hides everything below it (gitignore rules).
 */
export class DvcIgnore {
  private rules = new Map<string, { stamp: string; rules: Rule[] }>();

  constructor(readonly root: string) {}

  /** Rules of one folder's `.dvcignore`, re-read when the file changes (a long-lived repo in the editor). */
  private rulesFor(dirRel: string): Rule[] {
    const file = path.join(this.root, ...(dirRel ? dirRel.split('/') : []), '.dvcignore');
    let stamp = '';
    try {
      const st = fs.statSync(file);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      // no .dvcignore here
    }
    const known = this.rules.get(dirRel);
    if (known && known.stamp === stamp) return known.rules;
    const rules: Rule[] = [];
    if (stamp) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        const rule = compileIgnorePattern(line);
        if (rule) rules.push(rule);
      }
    }
    this.rules.set(dirRel, { stamp, rules });
    return rules;
  }

  /**
   * A matcher for paths inside `dirRel` (repo-relative), using the `.dvcignore` files of its ancestors and itself.
   * Undefined when none of them has a rule, so the common case costs nothing per file.
   */
  matcherFor(dirRel: string): ((rel: string, isDir: boolean) => boolean) | undefined {
    const segs = dirRel ? dirRel.split('/') : [];
    const levels: { prefix: string; rules: Rule[] }[] = [];
    for (let depth = 0; depth <= segs.length; depth++) {
      const base = segs.slice(0, depth).join('/');
      const rules = this.rulesFor(base);
      if (rules.length) levels.push({ prefix: base ? base + '/' : '', rules });
    }
    if (!levels.length) return undefined;
    return (rel, isDir) => {
      let ignored = false;
      for (const { prefix, rules } of levels) {
        const sub = rel.slice(prefix.length);
        for (const rule of rules) {
          if (rule.dirOnly && !isDir) continue;
          if (rule.re.test(sub)) ignored = !rule.negate;
        }
      }
      return ignored;
    };
  }

  /** Changes whenever a `.dvcignore` that applies inside `dirRel` changes (folder summaries depend on them). */
  stampFor(dirRel: string): string {
    const segs = dirRel ? dirRel.split('/') : [];
    const stamps: string[] = [];
    for (let depth = 0; depth <= segs.length; depth++) {
      const base = segs.slice(0, depth).join('/');
      this.rulesFor(base);
      stamps.push(this.rules.get(base)!.stamp);
    }
    return stamps.join('|');
  }
}
