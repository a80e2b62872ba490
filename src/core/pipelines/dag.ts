import path from 'node:path';
import { PipelineGraphError } from './errors';
import type { Stage } from './types';

export interface Dag {
  stages: Stage[];
  byName: Map<string, Stage>;
  /** stage → the stages whose outputs it depends on. */
  upstream: Map<string, Set<string>>;
  downstream: Map<string, Set<string>>;
  /** Every stage in dependency order (definition order among independent ones). */
  order: string[];
}

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(b + path.sep) || b.startsWith(a + path.sep);
}

function rel(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/') || '.';
}

function checkOverlaps(stages: Stage[], root: string): void {
  const outs = stages.flatMap((s) => s.outs.map((o) => ({ s, o })));
  const sorted = [...outs].sort((x, y) => (x.o.abs < y.o.abs ? -1 : x.o.abs > y.o.abs ? 1 : 0));
  for (let i = 0; i + 1 < sorted.length; i++) {
    // After sorting, an output and one inside it (or the same path) are neighbours or separated only by deeper paths.
    for (let j = i + 1; j < sorted.length && sorted[j].o.abs.startsWith(sorted[i].o.abs); j++) {
      const a = sorted[i];
      const b = sorted[j];
      if (!overlaps(a.o.abs, b.o.abs)) continue;
      const what = a.o.abs === b.o.abs ? 'is written by two stages' : 'overlap';
      throw new PipelineGraphError(
        `outputs ${what}: '${rel(root, a.o.abs)}' (stage '${a.s.name}') and '${rel(root, b.o.abs)}' (stage '${b.s.name}'); each output path must belong to one stage and not contain another output`,
      );
    }
  }
}

function findCycle(names: string[], upstream: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 1);
    stack.push(n);
    for (const u of upstream.get(n) ?? []) {
      if (state.get(u) === 1) return [...stack.slice(stack.indexOf(u)), u];
      if (!state.has(u)) {
        const c = visit(u);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of names)
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c.reverse();
    }
  return undefined;
}

/** Builds the stage graph: a stage depends on another when one of its deps is, contains or lies inside that stage's output. */
export function buildDag(stages: Stage[], root: string): Dag {
  const byName = new Map<string, Stage>();
  for (const s of stages) {
    if (byName.has(s.name)) throw new PipelineGraphError(`stage '${s.name}' is defined twice (${s.dvcFile} and ${byName.get(s.name)!.dvcFile})`);
    byName.set(s.name, s);
  }
  checkOverlaps(stages, root);
  const upstream = new Map<string, Set<string>>();
  const downstream = new Map<string, Set<string>>();
  for (const s of stages) {
    upstream.set(s.name, new Set());
    downstream.set(s.name, new Set());
  }
  const outs = stages.flatMap((s) => s.outs.map((o) => ({ s, abs: o.abs })));
  for (const s of stages) {
    for (const d of s.deps) {
      for (const o of outs) {
        if (!overlaps(d.abs, o.abs)) continue;
        upstream.get(s.name)!.add(o.s.name);
        downstream.get(o.s.name)!.add(s.name);
      }
    }
  }
  const names = stages.map((s) => s.name);
  const cycle = findCycle(names, upstream);
  if (cycle) throw new PipelineGraphError(`the pipeline has a cycle: ${cycle.join(' -> ')} (a stage depends, through its deps, on its own outputs)`);
  return { stages, byName, upstream, downstream, order: topoOrder(names, upstream) };
}

function topoOrder(names: string[], upstream: Map<string, Set<string>>): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (n: string) => {
    if (done.has(n)) return;
    done.add(n);
    for (const u of names.filter((x) => upstream.get(n)!.has(x))) visit(u);
    order.push(n);
  };
  for (const n of names) visit(n);
  return order;
}

function closure(start: Iterable<string>, edges: Map<string, Set<string>>): Set<string> {
  const seen = new Set<string>();
  const todo = [...start];
  while (todo.length) {
    const n = todo.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    todo.push(...(edges.get(n) ?? []));
  }
  return seen;
}

export interface SelectOptions {
  /** Also the stages after the targets (and not the ones before). */
  downstream?: boolean;
  /** Only the targets themselves. */
  singleItem?: boolean;
}

/** Resolves targets (stage names, foreach group names, `dvc.yaml:name`) to stages. */
export function resolveTargets(dag: Dag, targets: string[]): string[] {
  return targets.flatMap((t) => {
    const name = t.includes(':') ? t.slice(t.lastIndexOf(':') + 1) : t;
    if (dag.byName.has(name)) return [name];
    const group = dag.stages.filter((s) => s.group === name).map((s) => s.name);
    if (group.length) return group;
    throw new PipelineGraphError(`no stage named '${name}' (stages: ${dag.stages.map((s) => s.name).join(', ') || 'none'})`);
  });
}

/** Which stages a repro of `targets` covers, in dependency order. No targets: every stage. */
export function selectStages(dag: Dag, targets: string[], opts: SelectOptions = {}): string[] {
  if (!targets.length) return dag.order;
  const named = resolveTargets(dag, targets);
  let set: Set<string>;
  if (opts.singleItem) set = new Set(named);
  else if (opts.downstream) set = closure(named, dag.downstream);
  else set = closure(named, dag.upstream);
  return dag.order.filter((n) => set.has(n));
}
