/**
 * Tiny DOM helpers. Data (run names, params, tags) only ever reaches the page through `textContent`
 * or attribute values set by script, never through innerHTML, so nothing a run logs can become markup.
 */
import { formatDuration, formatNumber } from '../../src/core/format';

export type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'style') throw new Error('no style attributes: set el.style from script instead');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

let nextId = 1;

/** A VS Code Elements checkbox labelled with `label` (slotted text, so it is also its accessible name). */
export function checkbox(label: string, checked: boolean, onChange: (v: boolean) => void, attrs: Attrs = {}): HTMLElementTagNameMap['vscode-checkbox'] {
  const cb = h('vscode-checkbox', attrs, label);
  cb.checked = checked;
  cb.addEventListener('change', () => onChange(cb.checked));
  return cb;
}

/** A checkbox without visible text: its label is there for screen readers only. */
export function bareCheckbox(srLabel: string, checked: boolean, onChange: (v: boolean) => void, attrs: Attrs = {}): HTMLElementTagNameMap['vscode-checkbox'] {
  const cb = h('vscode-checkbox', attrs, h('span', { class: 'sr-only', text: srLabel }));
  cb.checked = checked;
  cb.addEventListener('change', () => onChange(cb.checked));
  return cb;
}

export interface Option {
  value: string;
  label?: string;
}

/** A vscode-single-select with the given options; `onChange` gets the chosen value. */
export function select(options: Option[], value: string, onChange: (v: string) => void, attrs: Attrs = {}): HTMLElementTagNameMap['vscode-single-select'] {
  const sel = h('vscode-single-select', { id: `sel-${nextId++}`, ...attrs });
  setOptions(sel, options, [value]);
  sel.addEventListener('change', () => onChange(sel.value));
  return sel;
}

/** Replaces the options of a single or multi select; `selected` are the values chosen. */
export function setOptions(sel: HTMLElement, options: Option[], selected: string[]): void {
  clear(sel);
  for (const o of options) sel.append(h('vscode-option', { value: o.value, selected: selected.includes(o.value), text: o.label ?? o.value }));
}

/** A visible vscode-label for a select (it also becomes the select's accessible name) and the select. */
export function labelled(text: string, control: HTMLElement & { label: string }, attrs: Attrs = {}): HTMLElement {
  if (!control.id) control.id = `ctl-${nextId++}`;
  control.label = text;
  return h('span', { class: 'field', ...attrs }, h('vscode-label', { for: control.id, text }), control);
}

/** A vscode-button; `secondary` for the less prominent actions. */
export function button(label: string, onClick: (ev: MouseEvent) => void, attrs: Attrs = {}, secondary = true): HTMLElementTagNameMap['vscode-button'] {
  const b = h('vscode-button', { secondary, ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

/** A plain <button> (table header controls, the run name link): small, inline, styled by compare.css. */
export function plainButton(label: string, onClick: (ev: MouseEvent) => void, attrs: Attrs = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', text: label, ...attrs });
  b.addEventListener('click', onClick);
  return b;
}

/** A number for tables and tooltips: the one formatter of trees, pages and the CLI (src/core/format). */
export function fmt(v: number | undefined): string {
  return v === undefined ? '' : formatNumber(v);
}

export function fmtDuration(ms: number | undefined): string {
  return formatDuration(ms);
}
