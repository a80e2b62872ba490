import fs from 'node:fs';
import path from 'node:path';
import { PipelineFileError, type SourcePos } from './errors';
import { Context, resolveValue, type Tracked } from './interpolate';
import { readParamsFile } from './params';
import { isPyMap, pyStr, type PyValue } from './pyvalue';
import type { OutKind, ParamDep, Pipeline, Stage, StageOut } from './types';
import type { PipelineFileCache } from './fileCache';
import { parseLocated, type LocatedDoc } from './yamlDoc';

type PyMap = { [k: string]: PyValue };
const TOP_KEYS = new Set(['stages', 'vars', 'params', 'metrics', 'plots', 'artifacts', 'datasets']);
const STAGE_KEYS = new Set(['cmd', 'wdir', 'deps', 'params', 'outs', 'metrics', 'plots', 'frozen', 'always_changed', 'meta', 'desc', 'vars', 'matrix']);
const OUT_FLAGS = new Set(['cache', 'persist', 'remote', 'push', 'desc', 'type', 'labels', 'meta', 'checkpoint']);
const PLOT_PROPS = new Set(['template', 'x', 'y', 'x_label', 'y_label', 'title', 'header']);

interface Where {
  doc: LocatedDoc;
  at(...p: (string | number)[]): SourcePos;
}

function fail(pos: SourcePos, msg: string): never {
  throw new PipelineFileError(pos, msg);
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Loads `vars` entries: a file path (`file.yaml` or `file.yaml:key1,key2`) or an inline mapping. */
function loadVars(ctx: Context, vars: PyValue, dir: string, w: () => SourcePos, seen: Set<string>): void {
  if (vars === null || vars === undefined) return;
  if (!Array.isArray(vars)) fail(w(), '"vars" must be a list of files or mappings');
  for (const v of vars) {
    if (isPyMap(v)) ctx.merge(v);
    else if (typeof v === 'string') {
      const [file, keys] = v.split(/:(?=[^/\\]*$)/);
      const abs = path.resolve(dir, file);
      if (seen.has(abs) && !keys) continue;
      const data = readParamsFile(abs);
      if (!data) fail(w(), `vars file '${file}' does not exist`);
      seen.add(abs);
      const picked = keys
        ? Object.fromEntries(
            keys
              .split(',')
              .map((k) => [k, data[k]])
              .filter(([, x]) => x !== undefined),
          )
        : data;
      ctx.merge(picked, posix(path.relative(dir, abs)), `vars '${v}'`);
    } else fail(w(), `"vars" entries must be file names or mappings, got ${pyStr(v)}`);
  }
}

function parseOut(raw: PyValue, kind: OutKind, wdir: string, at: () => SourcePos): StageOut {
  let p: string;
  let flags: PyMap = {};
  if (typeof raw === 'string') p = raw;
  else if (isPyMap(raw) && Object.keys(raw).length === 1) {
    p = Object.keys(raw)[0];
    const f = raw[p];
    if (f !== null && !isPyMap(f)) fail(at(), `the options of '${p}' must be a mapping`);
    flags = f ?? {};
  } else fail(at(), `each entry of "${kind}" must be a path or {path: {options}}`);
  for (const [k, v] of Object.entries(flags)) {
    if (!(OUT_FLAGS.has(k) || (kind === 'plots' && PLOT_PROPS.has(k)))) fail(at(), `unknown option '${k}' for '${p}'`);
    if ((k === 'cache' || k === 'persist' || k === 'push') && typeof v !== 'boolean') fail(at(), `'${k}' of '${p}' must be true or false`);
    if (k === 'remote' && typeof v !== 'string') fail(at(), `'remote' of '${p}' must be a remote name`);
  }
  const props = kind === 'plots' ? Object.fromEntries(Object.entries(flags).filter(([k]) => PLOT_PROPS.has(k))) : undefined;
  return {
    path: p,
    abs: path.resolve(wdir, p),
    kind,
    cache: flags.cache !== false,
    persist: flags.persist === true,
    push: flags.push !== false,
    remote: typeof flags.remote === 'string' ? flags.remote : undefined,
    props: props && Object.keys(props).length ? props : undefined,
  };
}

function parseParams(raw: PyValue, wdir: string, at: (i: number) => SourcePos): ParamDep[] {
  if (raw === null) return [];
  if (!Array.isArray(raw)) fail(at(-1), '"params" must be a list');
  const byFile = new Map<string, string[] | null>();
  const add = (file: string, keys: string[] | null) => {
    const cur = byFile.get(file);
    if (keys === null || cur === null) byFile.set(file, keys === null ? null : (cur ?? null));
    else byFile.set(file, [...(cur ?? []), ...keys.filter((k) => !cur?.includes(k))]);
  };
  raw.forEach((e, i) => {
    if (typeof e === 'string') add('params.yaml', [e]);
    else if (isPyMap(e)) {
      for (const [file, keys] of Object.entries(e)) {
        if (keys === null || (Array.isArray(keys) && !keys.length)) add(file, null);
        else if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) add(file, keys as string[]);
        else fail(at(i), `params of '${file}' must be a list of keys (or empty for the whole file)`);
      }
    } else fail(at(i), 'each "params" entry must be a key or {file: [keys]}');
  });
  return [...byFile].map(([file, keys]) => ({ file, abs: path.resolve(wdir, file), keys }));
}

function strList(v: PyValue, key: string, at: () => SourcePos): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(at(), `"${key}" must be a list of paths`);
  return v as string[];
}

function buildStage(
  name: string,
  group: string | undefined,
  def: PyMap,
  tracked: Tracked[],
  base: { dir: string; file: string },
  w: Where,
  defPath: (string | number)[],
): Stage {
  const at = (...p: (string | number)[]) => w.at(...defPath, ...p);
  for (const k of Object.keys(def)) if (!STAGE_KEYS.has(k)) fail(at(k, '#key'), `stage '${name}': unknown key '${k}'`);
  const cmd = def.cmd;
  const okCmd = typeof cmd === 'string' ? cmd.length > 0 : Array.isArray(cmd) && cmd.length > 0 && cmd.every((c) => typeof c === 'string');
  if (!okCmd)
    fail(cmd === undefined ? w.at(...defPath.slice(0, 2), '#key') : at('cmd'), `stage '${name}': "cmd" is required (a command or a list of commands)`);
  if (def.wdir !== undefined && typeof def.wdir !== 'string') fail(at('wdir'), `stage '${name}': "wdir" must be a path`);
  const wdir = path.resolve(base.dir, (def.wdir as string | undefined) ?? '.');
  for (const b of ['frozen', 'always_changed'] as const) {
    if (def[b] !== undefined && typeof def[b] !== 'boolean') fail(at(b), `stage '${name}': "${b}" must be true or false`);
  }
  const outs: StageOut[] = [];
  for (const kind of ['outs', 'metrics', 'plots'] as const) {
    const list = def[kind] ?? [];
    if (!Array.isArray(list)) fail(at(kind), `stage '${name}': "${kind}" must be a list`);
    list.forEach((o, i) => outs.push(parseOut(o, kind, wdir, () => at(kind, i))));
  }
  const params = parseParams(def.params ?? null, wdir, (i) => (i < 0 ? at('params') : at('params', i)));
  // Values interpolated from params files are not dependencies in DVC 3: they are part of the command, so a
  // changed value shows as a changed command.
  void tracked;
  let pos: SourcePos | undefined;
  return {
    name,
    key: name,
    group,
    cmd: cmd as string | string[],
    wdir,
    deps: strList(def.deps, 'deps', () => at('deps')).map((d) => ({ path: d, abs: path.resolve(wdir, d) })),
    params,
    outs,
    frozen: def.frozen === true,
    alwaysChanged: def.always_changed === true,
    desc: typeof def.desc === 'string' ? def.desc : undefined,
    dvcFile: base.file,
    // Computed when asked: positions need a full YAML parse, which a cached no-change status skips.
    get pos() {
      return (pos ??= w.at(...defPath.slice(0, 2), '#key'));
    },
  };
}

function matrixKeys(m: PyMap): { key: string; item: PyMap }[] {
  let combos: { frags: string[]; item: PyMap }[] = [{ frags: [], item: {} }];
  for (const [k, vals] of Object.entries(m)) {
    const list = vals as PyValue[];
    combos = combos.flatMap((c) =>
      list.map((v, i) => ({ frags: [...c.frags, Array.isArray(v) || isPyMap(v) ? `${k}${i}` : pyStr(v)], item: { ...c.item, [k]: v } })),
    );
  }
  return combos.map((c) => ({ key: c.frags.join('-'), item: c.item }));
}

/** foreach over a list of scalars uses the values as keys; a list of lists/maps, the indices; a map, its keys. */
function foreachKeys(data: PyValue): { key: string; extra: PyMap }[] {
  if (isPyMap(data)) return Object.entries(data).map(([k, v]) => ({ key: k, extra: { item: v, key: k } }));
  const list = data as PyValue[];
  const composite = list.some((x) => Array.isArray(x) || isPyMap(x));
  return list.map((v, i) => ({ key: composite ? String(i) : pyStr(v), extra: { item: v } }));
}

function resolveEntry(
  name: string,
  group: string | undefined,
  tmpl: PyMap,
  ctx: Context,
  base: { dir: string; file: string },
  w: Where,
  defPath: (string | number)[],
): Stage {
  const at = (...p: (string | number)[]) => w.at(...defPath, ...p);
  let c = ctx;
  if (tmpl.vars !== undefined) {
    c = ctx.clone();
    loadVars(c, tmpl.vars, base.dir, () => at('vars'), new Set());
  }
  const tracked: Tracked[] = [];
  const resolved: PyMap = {};
  for (const [k, v] of Object.entries(tmpl)) {
    if (k === 'vars' || k === 'matrix') continue;
    resolved[k] = k === 'meta' ? v : resolveValue(v, c, k, () => at(k), tracked);
  }
  return buildStage(name, group, resolved, tracked, base, w, defPath);
}

function expandGroup(name: string, def: PyMap, ctx: Context, base: { dir: string; file: string }, w: Where): Stage[] {
  const at = (...p: (string | number)[]) => w.at('stages', name, ...p);
  if ('matrix' in def) {
    if ('foreach' in def || 'do' in def) fail(at('matrix'), `stage '${name}': "matrix" cannot be combined with "foreach"/"do"`);
    const m = resolveValue(def.matrix, ctx, 'matrix', () => at('matrix'));
    if (!isPyMap(m)) fail(at('matrix'), `stage '${name}': "matrix" must map names to lists`);
    for (const [k, v] of Object.entries(m)) if (!Array.isArray(v)) fail(at('matrix', k), `stage '${name}': matrix '${k}' must be a list`);
    return matrixKeys(m).map(({ key, item }) => resolveEntry(`${name}@${key}`, name, def, ctx.with({ key, item }), base, w, ['stages', name]));
  }
  const data = resolveValue(def.foreach, ctx, 'foreach', () => at('foreach'));
  if (!(Array.isArray(data) || isPyMap(data))) fail(at('foreach'), `stage '${name}': "foreach" must be a list or a mapping, got ${pyStr(data)}`);
  if (!isPyMap(def.do)) fail(at('do'), `stage '${name}': "do" must be a stage definition`);
  for (const k of Object.keys(def)) if (k !== 'foreach' && k !== 'do') fail(at(k, '#key'), `stage '${name}': unknown key '${k}' next to foreach/do`);
  const tmpl = def.do;
  return foreachKeys(data).map(({ key, extra }) => resolveEntry(`${name}@${key}`, name, tmpl, ctx.with(extra), base, w, ['stages', name, 'do']));
}

/** Parses dvc.yaml text: schema checks, `vars`, `${}`, foreach/do and matrix expansion. */
export function parsePipeline(text: string, file: string): Pipeline {
  return pipelineFromDoc(parseLocated(text, file));
}

function pipelineFromDoc(doc: LocatedDoc): Pipeline {
  const file = doc.file;
  const w: Where = { doc, at: (...p) => doc.where(p) };
  const top = doc.value ?? {};
  if (!isPyMap(top)) fail(w.at(), 'expected a mapping at the top level');
  for (const k of Object.keys(top)) if (!TOP_KEYS.has(k)) fail(w.at(k, '#key'), `unknown top-level key '${k}'`);
  const dir = path.dirname(file);
  const base = { dir, file };
  const ctx = new Context();
  const seen = new Set<string>();
  const defaultParams = path.join(dir, 'params.yaml');
  const dp = readParamsFile(defaultParams);
  if (dp) {
    ctx.merge(dp, 'params.yaml', 'params.yaml');
    seen.add(defaultParams);
  }
  loadVars(ctx, top.vars ?? null, dir, () => w.at('vars'), seen);
  const stagesRaw = top.stages ?? {};
  if (!isPyMap(stagesRaw)) fail(w.at('stages'), '"stages" must map stage names to definitions');
  const stages: Stage[] = [];
  for (const [name, def] of Object.entries(stagesRaw)) {
    if (!isPyMap(def)) fail(w.at('stages', name), `stage '${name}' must be a mapping`);
    if (name.includes('@') || name.includes(':') || !name) fail(w.at('stages', name, '#key'), `invalid stage name '${name}' (no '@' or ':')`);
    if ('foreach' in def || 'do' in def || 'matrix' in def) stages.push(...expandGroup(name, def, ctx, base, w));
    else stages.push(resolveEntry(name, undefined, def, ctx, base, w, ['stages', name]));
  }
  const metrics = strList(top.metrics ?? null, 'metrics', () => w.at('metrics'));
  const plots = top.plots ?? [];
  if (!Array.isArray(plots)) fail(w.at('plots'), '"plots" must be a list');
  return { file, lockFile: path.join(dir, 'dvc.lock'), dir, stages, metrics, plots };
}

/** Reads `dir/dvc.yaml`; `undefined` when there is none. */
export function loadPipeline(dirOrFile: string, files?: PipelineFileCache): Pipeline | undefined {
  const file = dirOrFile.endsWith('.yaml') ? dirOrFile : path.join(dirOrFile, 'dvc.yaml');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PipelineFileError({ file }, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return files ? pipelineFromDoc(files.doc(file, () => text)) : parsePipeline(text, file);
}
