/**
 * The pipeline graph: stages laid out in layers (computed by the extension), drawn as SVG. Click a stage to open
 * its dvc.yaml entry and latest run; the play button reproduces it. Messages: src/protocol/pipelines.ts.
 */
import type { LaidNode, Layout } from '../src/core/pipelines/layout';
import type { PipelineHostMessage, PipelineViewMessage } from '../src/protocol/pipelines';

declare function acquireVsCodeApi(): { postMessage(m: PipelineViewMessage): void };
const api = acquireVsCodeApi();
const SVG = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

const LABEL: Record<string, string> = { 'up-to-date': 'up to date', changed: 'changed', 'never-run': 'never run', frozen: 'frozen', running: 'running' };

function fit(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

function drawNode(svg: SVGSVGElement, n: LaidNode, running: Set<string>): void {
  const state = running.has(n.id) ? 'running' : (n.state ?? 'unknown');
  const g = el('g', { class: `stage state-${state}`, tabindex: 0, role: 'button', 'data-stage': n.id, transform: `translate(${n.x},${n.y})` }, svg);
  el('rect', { width: n.w, height: n.h, rx: 6 }, g);
  const name = el('text', { x: 10, y: 16, class: 'name' }, g);
  name.textContent = fit(n.id, 26);
  const sub = el('text', { x: 10, y: 31, class: 'sub' }, g);
  sub.textContent = fit(n.changes?.length ? `${LABEL[state] ?? state}: ${n.changes[0]}` : (LABEL[state] ?? ''), 30);
  const title = el('title', {}, g);
  title.textContent = `${n.id} (${LABEL[state] ?? state})${n.changes?.length ? '\n' + n.changes.join('\n') : ''}\n${n.file}${n.line ? `:${n.line}` : ''}`;
  const play = el('g', { class: 'play', 'data-play': n.id, transform: `translate(${n.w - 22},${n.h / 2 - 8})` }, g);
  el('rect', { width: 16, height: 16, rx: 3 }, play);
  el('path', { d: 'M5 3 L13 8 L5 13 Z' }, play);
  el('title', {}, play).textContent = `Reproduce ${n.id}`;
}

function render(layout: Layout, running: Set<string>): void {
  const app = document.getElementById('app')!;
  app.replaceChildren();
  app.removeAttribute('aria-busy');
  if (!layout.nodes.length) {
    const p = document.createElement('p');
    p.textContent = 'No stages: add a dvc.yaml with stages to this workspace.';
    app.appendChild(p);
    return;
  }
  const svg = el('svg', {
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: 'img',
    'aria-label': 'Pipeline stages',
  });
  el(
    'path',
    { d: 'M0 0 L8 4 L0 8 Z' },
    el('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 8, markerHeight: 8, orient: 'auto' }, el('defs', {}, svg)),
  );
  for (const e of layout.edges) {
    const [[x1, y1], [x2, y2]] = e.points;
    const mx = (x1 + x2) / 2;
    el('path', { class: 'edge', d: `M${x1} ${y1} C${mx} ${y1} ${mx} ${y2} ${x2} ${y2}`, 'marker-end': 'url(#arrow)' }, svg);
  }
  for (const n of layout.nodes) drawNode(svg, n, running);
  app.appendChild(svg);
}

document.addEventListener('click', (ev) => {
  const t = ev.target as Element;
  const play = t.closest('[data-play]');
  if (play) return api.postMessage({ type: 'reproduce', stage: play.getAttribute('data-play')! });
  const stage = t.closest('[data-stage]');
  if (stage) api.postMessage({ type: 'open', stage: stage.getAttribute('data-stage')! });
});
document.addEventListener('keydown', (ev) => {
  const stage = (ev.target as Element).closest?.('[data-stage]');
  if (stage && (ev.key === 'Enter' || ev.key === ' ')) api.postMessage({ type: 'open', stage: stage.getAttribute('data-stage')! });
});
window.addEventListener('message', (ev: MessageEvent<PipelineHostMessage>) => {
  if (ev.data?.type === 'graph') render(ev.data.layout, new Set(ev.data.running ?? []));
});
api.postMessage({ type: 'ready' });
