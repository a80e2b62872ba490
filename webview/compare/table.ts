/**
 * The runs table: one row per run (colour chip, show/hide toggle, name), columns for status, duration,
 * params, latest metrics and tags. Columns sort (click the header), hide (×, or the Columns menu) and pin
 * (sticky on the left). "Only differences" hides the columns that are equal in every shown run.
 *
 * The table itself is a plain <table> styled with VS Code's CSS variables, not vscode-table: vscode-table
 * (2.5.1) sizes every column as a percentage of its own width inside an `overflow: hidden` wrapper, with the
 * header and the body as two separate CSS tables, so a comparison with dozens of columns can't scroll
 * sideways (columns shrink to a few pixels) and a pinned column can't stick (its nearest scroll container is
 * the table's own wrapper). The controls in and around it are VS Code Elements (checkboxes, buttons).
 */
import { diffColumns } from '../../src/core/compare/diff';
import type { CompareRun } from '../../src/protocol/compare';
import { bareCheckbox, button, checkbox, clear, fmt, fmtDuration, h, plainButton } from './dom';
import { type Model, columnValue } from './state';

export interface Column {
  id: string;
  label: string;
  group: 'run' | 'params' | 'metrics' | 'tags';
}

/** Every column the compared runs have, in table order before pinning. */
export function allTableColumns(model: Model): Column[] {
  const params = new Set<string>();
  const metrics = new Set<string>();
  const tags = new Set<string>();
  for (const r of model.runs) {
    Object.keys(r.params).forEach((k) => params.add(k));
    Object.keys(r.metrics).forEach((k) => metrics.add(k));
    Object.keys(r.tags).forEach((k) => tags.add(k));
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return [
    { id: 'name', label: 'Name', group: 'run' },
    { id: 'status', label: 'Status', group: 'run' },
    { id: 'duration', label: 'Duration', group: 'run' },
    ...sorted(params).map((k) => ({ id: `params.${k}`, label: k, group: 'params' as const })),
    ...sorted(metrics).map((k) => ({ id: `metrics.${k}`, label: k, group: 'metrics' as const })),
    ...sorted(tags).map((k) => ({ id: `tags.${k}`, label: k, group: 'tags' as const })),
  ];
}

/** Column ids whose values are equal in every shown run (what "only differences" hides). */
export function equalColumns(model: Model): Set<string> {
  const shown = model.shownRuns();
  const diff = diffColumns(shown);
  const differing = new Set([...diff.params.map((k) => `params.${k}`), ...diff.metrics.map((k) => `metrics.${k}`), ...diff.tags.map((k) => `tags.${k}`)]);
  const out = new Set<string>();
  for (const c of allTableColumns(model)) {
    if (c.id === 'name') continue;
    if (c.group === 'run') {
      const vals = new Set(shown.map((r) => String(columnValue(r, c.id) ?? '')));
      if (vals.size <= 1) out.add(c.id);
    } else if (!differing.has(c.id)) out.add(c.id);
  }
  return out;
}

/** The columns the table shows, pinned ones first (name always leads). */
export function visibleColumns(model: Model): Column[] {
  const equal = model.state.onlyDifferences ? equalColumns(model) : new Set<string>();
  const cols = allTableColumns(model).filter((c) => c.id === 'name' || (!model.isColumnHidden(c.id) && !equal.has(c.id)));
  const pinned = model.state.pinnedColumns ?? [];
  const rank = (c: Column) => (c.id === 'name' ? -1 : pinned.includes(c.id) ? pinned.indexOf(c.id) : Number.MAX_SAFE_INTEGER);
  return cols
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map((x) => x.c);
}

/** The table's rows in display order: brushed, then sorted. */
export function tableRows(model: Model): CompareRun[] {
  const rows = model.brushedRuns().slice();
  const sort = model.state.sort;
  if (sort) {
    const dir = sort.descending ? -1 : 1;
    rows.sort((a, b) => {
      const va = columnValue(a, sort.column);
      const vb = columnValue(b, sort.column);
      if (va === undefined && vb === undefined) return 0;
      if (va === undefined) return 1; // missing values last, whatever the direction
      if (vb === undefined) return -1;
      const na = Number(va);
      const nb = Number(vb);
      if (va !== '' && vb !== '' && Number.isFinite(na) && Number.isFinite(nb)) return (na - nb) * dir;
      return String(va).localeCompare(String(vb)) * dir;
    });
  }
  return rows;
}

export function cellText(r: CompareRun, id: string): string {
  const v = columnValue(r, id);
  if (id === 'duration') return fmtDuration(v as number | undefined);
  if (typeof v === 'number') return fmt(v);
  return v ?? '';
}

const GROUP_LABEL: Record<Column['group'], string> = { run: '', params: 'param', metrics: 'metric', tags: 'tag' };

export class RunsTable {
  readonly el = h('section', { class: 'runs', 'aria-label': 'Runs' });
  private toolbar = h('div', { class: 'toolbar' });
  private scroller = h('div', { class: 'table-scroll' });
  private columnsMenu = h('details', { class: 'columns-menu' });

  constructor(
    private model: Model,
    private actions: { exportCsv(): void },
  ) {
    this.el.append(this.toolbar, this.scroller);
    model.subscribe((ch) => {
      if (ch.has('runs') || ch.has('visibility') || ch.has('columns') || ch.has('brush')) this.render();
    });
  }

  render(): void {
    this.renderToolbar();
    const model = this.model;
    const cols = visibleColumns(model);
    const pinned = new Set(model.state.pinnedColumns ?? []);
    const sort = model.state.sort;
    const table = h('table', { class: 'runs-table' });
    const headRow = h('tr');
    headRow.append(h('th', { class: 'sticky toggle-col', scope: 'col' }, h('span', { class: 'sr-only', text: 'Shown' })));
    for (const c of cols) {
      const sorted = sort?.column === c.id;
      const th = h('th', {
        scope: 'col',
        class: `${c.id === 'name' || pinned.has(c.id) ? 'sticky' : ''} grp-${c.group}`,
        'data-col': c.id,
        'aria-sort': sorted ? (sort!.descending ? 'descending' : 'ascending') : 'none',
      });
      const sortBtn = plainButton(
        '',
        () => {
          const descending = sort?.column === c.id ? !sort.descending : false;
          model.update({ sort: { column: c.id, descending } }, 'columns');
        },
        { class: 'sort', title: `Sort by ${c.label}` },
      );
      if (GROUP_LABEL[c.group]) sortBtn.append(h('span', { class: 'grp', text: GROUP_LABEL[c.group] }));
      sortBtn.append(h('span', { class: 'col-label', text: c.label }));
      if (sorted) sortBtn.append(h('span', { class: 'sort-mark', 'aria-hidden': 'true', text: sort!.descending ? ' ▼' : ' ▲' }));
      th.append(sortBtn);
      if (c.id !== 'name') {
        const isPinned = pinned.has(c.id);
        th.append(
          plainButton(
            isPinned ? '⇥' : '⇤',
            () => {
              const list = (model.state.pinnedColumns ?? []).filter((x) => x !== c.id);
              if (!isPinned) list.push(c.id);
              model.update({ pinnedColumns: list }, 'columns');
            },
            { class: 'icon pin', title: isPinned ? `Unpin ${c.label}` : `Pin ${c.label}`, 'aria-pressed': isPinned ? 'true' : 'false' },
          ),
          plainButton('×', () => model.setColumnHidden(c.id, true), { class: 'icon hide-col', title: `Hide ${c.label}` }),
        );
      }
      headRow.append(th);
    }
    const tbody = h('tbody');
    for (const r of tableRows(model)) {
      const hidden = model.isHidden(r.runId);
      const tr = h('tr', { 'data-run': r.runId, class: hidden ? 'hidden-run' : '' });
      const chip = h('span', { class: 'chip', 'aria-hidden': 'true' });
      chip.style.backgroundColor = r.color;
      const toggle = bareCheckbox(`Show ${r.name || r.runId}`, !hidden, (v) => model.setRunHidden(r.runId, !v), { class: 'run-toggle' });
      tr.append(h('td', { class: 'sticky toggle-col' }, toggle, chip));
      for (const c of cols) {
        const td = h('td', { class: c.id === 'name' || pinned.has(c.id) ? 'sticky' : '', 'data-col': c.id });
        if (c.id === 'name') {
          const link = plainButton(r.name || r.runId.slice(0, 8), () => model.post({ type: 'openRun', runId: r.runId }), {
            class: 'link run-name',
            title: r.runId,
          });
          td.append(link);
        } else {
          const text = cellText(r, c.id);
          td.textContent = text;
          if (c.group === 'metrics') td.classList.add('num');
          if (c.id === 'status') td.classList.add(`status-${r.status.toLowerCase()}`);
        }
        tr.append(td);
      }
      tbody.append(tr);
    }
    table.append(h('thead', {}, headRow), tbody);
    clear(this.scroller);
    this.scroller.append(table);
    requestAnimationFrame(() => this.stick(table));
  }

  /** Pinned columns stick at the sum of the widths of the sticky columns before them. */
  private stick(table: HTMLTableElement): void {
    const head = table.tHead?.rows[0];
    if (!head) return;
    const lefts: number[] = [];
    let left = 0;
    for (let i = 0; i < head.cells.length; i++) {
      const cell = head.cells[i];
      if (!cell.classList.contains('sticky')) continue;
      lefts[i] = left;
      left += cell.getBoundingClientRect().width;
    }
    for (const row of Array.from(table.rows)) {
      for (let i = 0; i < row.cells.length; i++) if (lefts[i] !== undefined) row.cells[i].style.left = `${lefts[i]}px`;
    }
  }

  private renderToolbar(): void {
    const model = this.model;
    clear(this.toolbar);
    const total = model.runs.length;
    const brushed = model.brushedRuns().length;
    this.toolbar.append(
      checkbox('Only differences', !!model.state.onlyDifferences, (v) => model.update({ onlyDifferences: v }, 'columns'), { class: 'only-diff' }),
      this.renderColumnsMenu(),
      button('Export CSV', () => this.actions.exportCsv(), { class: 'export-csv' }, false),
      h('span', {
        class: 'count',
        'aria-live': 'polite',
        text: brushed < total ? `${brushed} of ${total} runs (filtered by the parallel-axes brush)` : `${total} runs`,
      }),
    );
    if (brushed < total) this.toolbar.append(button('Clear filter', () => model.update({ brush: {} }, 'brush'), { class: 'clear-brush' }));
  }

  private renderColumnsMenu(): HTMLElement {
    const model = this.model;
    const menu = this.columnsMenu;
    const open = menu.open;
    clear(menu);
    menu.append(h('summary', { text: 'Columns' }));
    const list = h('div', { class: 'menu-list' });
    for (const c of allTableColumns(model)) {
      if (c.id === 'name') continue;
      const label = GROUP_LABEL[c.group] ? `${GROUP_LABEL[c.group]}: ${c.label}` : c.label;
      list.append(checkbox(label, !model.isColumnHidden(c.id), (v) => model.setColumnHidden(c.id, !v), { 'data-col': c.id }));
    }
    menu.append(list);
    menu.open = open;
    return menu;
  }
}
