import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutDag, type DagJson } from '../../../src/core/pipelines';

test('a 30-stage pipeline lays out in columns without overlapping boxes, every edge pointing forward', () => {
  const nodes: DagJson['nodes'] = [];
  const edges: DagJson['edges'] = [];
  for (let i = 0; i < 30; i++) {
    nodes.push({ id: `s${i}`, file: 'dvc.yaml' });
    // Fan-out from three sources, then chains joining pairwise.
    if (i >= 3) edges.push({ source: `s${i - 3}`, target: `s${i}` });
    if (i >= 6 && i % 2 === 0) edges.push({ source: `s${i - 5}`, target: `s${i}` });
  }
  const l = layoutDag({ nodes, edges });
  assert.equal(l.nodes.length, 30);
  for (const a of l.nodes) {
    assert.ok(a.x >= 0 && a.y >= 0 && a.x + a.w <= l.width && a.y + a.h <= l.height, `${a.id} inside the drawing`);
    for (const b of l.nodes) {
      if (a === b) continue;
      const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
      assert.ok(apart, `${a.id} and ${b.id} do not overlap`);
    }
  }
  const at = new Map(l.nodes.map((n) => [n.id, n]));
  for (const e of l.edges) assert.ok(at.get(e.source)!.layer < at.get(e.target)!.layer, `${e.source} -> ${e.target} goes forward`);
  // Ten columns of three: wide rather than tall, and each column holds few boxes.
  assert.equal(Math.max(...l.nodes.map((n) => n.layer)) + 1, 10);
});
