import path from 'node:path';
import type { Dag } from './dag';
import type { StageStatus } from './status';

export interface DagJson {
  nodes: { id: string; file: string; line?: number; group?: string; state?: string; changes?: string[] }[];
  edges: { source: string; target: string }[];
}

/** The graph as data: the webview and `mlops dag --json` draw from it. */
export function dagJson(dag: Dag, root: string, status?: StageStatus[]): DagJson {
  const st = new Map(status?.map((s) => [s.stage.name, s]));
  return {
    nodes: dag.order.map((n) => {
      const s = dag.byName.get(n)!;
      const ss = st.get(n);
      return {
        id: n,
        file: path.relative(root, s.dvcFile).split(path.sep).join('/'),
        line: s.pos.line,
        group: s.group,
        state: ss?.state,
        changes: ss
          ? ss.changes.map((c) =>
              c.kind === 'cmd' ? 'command changed' : c.kind === 'always' ? 'always changed' : `${c.path}${c.key ? `:${c.key}` : ''} ${c.state}`,
            )
          : undefined,
      };
    }),
    edges: dag.order.flatMap((n) => [...dag.upstream.get(n)!].map((u) => ({ source: u, target: n }))),
  };
}

/** Layers: a stage's layer is one past its deepest upstream stage. */
export function layers(dag: Dag): string[][] {
  const depth = new Map<string, number>();
  for (const n of dag.order) depth.set(n, Math.max(-1, ...[...dag.upstream.get(n)!].map((u) => depth.get(u)!)) + 1);
  const out: string[][] = [];
  for (const n of dag.order) (out[depth.get(n)!] ??= []).push(n);
  return out;
}

/**
 * `dvc dag` in plain text: each connected pipeline, stages in dependency order with the stages they follow.
 * (DVC draws ASCII boxes; a list reads better in a terminal and in logs and diffs.)
 */
export function dagText(dag: Dag): string {
  if (!dag.order.length) return 'no stages\n';
  const lines: string[] = [];
  layers(dag).forEach((layer, i) => {
    for (const n of layer) {
      const ups = [...dag.upstream.get(n)!];
      lines.push(`${'  '.repeat(Math.min(i, 12))}${n}${ups.length ? `  <- ${ups.join(', ')}` : ''}`);
    }
  });
  return lines.join('\n') + '\n';
}
