import type { DagJson } from './render';

export interface LaidNode {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  layer: number;
  state?: string;
  changes?: string[];
  file: string;
  line?: number;
}

export interface LaidEdge {
  source: string;
  target: string;
  /** Start and end points: right edge of the source, left edge of the target. */
  points: [number, number][];
}

export interface Layout {
  nodes: LaidNode[];
  edges: LaidEdge[];
  width: number;
  height: number;
}

const W = 200;
const H = 40;
const GAP_X = 70;
const GAP_Y = 18;
const MARGIN = 16;

/**
 * A layered (Sugiyama-style) drawing, left to right: each stage one column past its deepest upstream stage; rows
 * ordered by the mean row of the stages they connect to (a few sweeps each way), which keeps edges short and
 * mostly uncrossed for pipelines of dozens of stages.
 */
export function layoutDag(g: DagJson): Layout {
  const ups = new Map<string, string[]>(g.nodes.map((n) => [n.id, []]));
  const downs = new Map<string, string[]>(g.nodes.map((n) => [n.id, []]));
  for (const e of g.edges) {
    ups.get(e.target)?.push(e.source);
    downs.get(e.source)?.push(e.target);
  }
  const layer = new Map<string, number>();
  for (const n of g.nodes) layer.set(n.id, Math.max(-1, ...ups.get(n.id)!.map((u) => layer.get(u) ?? 0)) + 1);
  const cols: string[][] = [];
  for (const n of g.nodes) (cols[layer.get(n.id)!] ??= []).push(n.id);
  const row = new Map<string, number>();
  const renumber = () => cols.forEach((c) => c.forEach((id, i) => row.set(id, i)));
  renumber();
  const mean = (ids: string[], fallback: number) => (ids.length ? ids.reduce((s, x) => s + row.get(x)!, 0) / ids.length : fallback);
  for (let sweep = 0; sweep < 4; sweep++) {
    const forward = sweep % 2 === 0;
    const order = forward ? cols.slice(1) : cols.slice(0, -1).reverse();
    for (const c of order) {
      const key = new Map(c.map((id) => [id, mean(forward ? ups.get(id)! : downs.get(id)!, row.get(id)!)]));
      c.sort((a, b) => key.get(a)! - key.get(b)! || row.get(a)! - row.get(b)!);
      renumber();
    }
  }
  const tallest = Math.max(1, ...cols.map((c) => c.length));
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const nodes: LaidNode[] = [];
  cols.forEach((c, li) => {
    // Centre shorter columns against the tallest one.
    const offset = ((tallest - c.length) * (H + GAP_Y)) / 2;
    c.forEach((id, ri) => {
      const n = byId.get(id)!;
      nodes.push({
        id,
        x: MARGIN + li * (W + GAP_X),
        y: MARGIN + offset + ri * (H + GAP_Y),
        w: W,
        h: H,
        layer: li,
        state: n.state,
        changes: n.changes,
        file: n.file,
        line: n.line,
      });
    });
  });
  const at = new Map(nodes.map((n) => [n.id, n]));
  const edges = g.edges.map((e) => {
    const s = at.get(e.source)!;
    const t = at.get(e.target)!;
    return {
      source: e.source,
      target: e.target,
      points: [
        [s.x + s.w, s.y + s.h / 2],
        [t.x, t.y + t.h / 2],
      ] as [number, number][],
    };
  });
  return { nodes, edges, width: MARGIN * 2 + cols.length * (W + GAP_X) - GAP_X, height: MARGIN * 2 + tallest * (H + GAP_Y) - GAP_Y };
}
