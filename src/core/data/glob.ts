/** A data glob (`data/**`, `raw/*.csv`) split into the folder to watch and a matcher for repo-relative paths. */
export interface DataGlob {
  glob: string;
  /** The longest wildcard-free folder prefix ('' for the root). */
  base: string;
  re: RegExp;
}

export function compileGlob(glob: string): DataGlob {
  const g = glob.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
  const segs = g.split('/');
  const baseSegs: string[] = [];
  for (const s of segs) {
    if (/[*?[{]/.test(s)) break;
    baseSegs.push(s);
  }
  // A glob without wildcards names a folder or file: everything below it counts.
  const full = baseSegs.length === segs.length ? `${g}/**` : g;
  let re = '';
  const parts = full.split('/');
  parts.forEach((seg, i) => {
    const last = i === parts.length - 1;
    if (seg === '**') {
      re += last ? '.*' : '(?:.*/)?';
      return;
    }
    re += seg
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]');
    if (!last) re += '/';
  });
  return { glob, base: baseSegs.length === segs.length ? g : baseSegs.join('/'), re: new RegExp(`^${re}$`) };
}

/** Whether `rel` is, or may lead to, something the glob matches (i.e. the watcher must look inside it). */
export function globMayContain(g: DataGlob, rel: string): boolean {
  if (!g.base) return true;
  return rel === g.base || rel.startsWith(g.base + '/') || g.base.startsWith(rel + '/');
}
