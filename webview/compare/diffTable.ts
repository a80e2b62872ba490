/**
 * Diff table: the params, metrics and tags of two or more shown runs side by side (one column per run),
 * cells whose row differs across the runs highlighted. "Only differences" keeps just those rows.
 */
import { allColumns, diffColumns } from '../../src/core/compare/diff';
import { checkbox, clear, fmt, h } from './dom';
import type { Model } from './state';

export class DiffTable {
  readonly el = h('section', { class: 'diff', 'aria-label': 'Differences' });

  constructor(private model: Model) {
    model.subscribe((ch) => {
      if (!this.el.hidden && (ch.has('runs') || ch.has('visibility') || ch.has('columns'))) this.render();
    });
  }

  render(): void {
    const model = this.model;
    clear(this.el);
    const runs = model.shownRuns();
    this.el.append(
      h(
        'div',
        { class: 'toolbar' },
        checkbox('Only differences', !!model.state.onlyDifferences, (v) => model.update({ onlyDifferences: v }, 'columns'), { class: 'only-diff' }),
      ),
    );
    if (runs.length < 2) {
      this.el.append(h('p', { class: 'empty', text: 'Show at least two runs to compare them.' }));
      return;
    }
    const all = allColumns(runs);
    const diff = diffColumns(runs);
    const table = h('table', { class: 'diff-table' });
    const head = h('tr', {}, h('th', { scope: 'col', text: 'Key' }));
    for (const r of runs) {
      const chip = h('span', { class: 'chip', 'aria-hidden': 'true' });
      chip.style.backgroundColor = r.color;
      head.append(h('th', { scope: 'col', 'data-run': r.runId }, chip, h('span', { text: r.name })));
    }
    table.append(h('thead', {}, head));
    const groups: [keyof typeof all, string][] = [
      ['params', 'Parameters'],
      ['metrics', 'Metrics'],
      ['tags', 'Tags'],
    ];
    for (const [g, title] of groups) {
      const differing = new Set(diff[g]);
      let keys = all[g];
      if (g === 'tags') keys = keys.filter((k) => !model.isColumnHidden(`tags.${k}`));
      if (model.state.onlyDifferences) keys = keys.filter((k) => differing.has(k));
      if (!keys.length) continue;
      const body = h('tbody', { 'data-group': g });
      body.append(h('tr', { class: 'group' }, h('th', { scope: 'rowgroup', colspan: runs.length + 1, text: title })));
      for (const k of keys) {
        const isDiff = differing.has(k);
        const tr = h('tr', { class: isDiff ? 'differs' : '', 'data-key': `${g}.${k}` }, h('th', { scope: 'row', text: k }));
        for (const r of runs) {
          const map = r[g] as Record<string, string | number>;
          const v = map[k];
          tr.append(
            h('td', {
              class: `${isDiff ? 'diff-cell' : ''} ${v === undefined ? 'missing' : ''}`.trim(),
              text: v === undefined ? '—' : typeof v === 'number' ? fmt(v) : v,
            }),
          );
        }
        body.append(tr);
      }
      table.append(body);
    }
    this.el.append(h('div', { class: 'table-scroll' }, table));
  }
}
