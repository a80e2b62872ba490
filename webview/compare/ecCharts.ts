/**
 * Parallel coordinates, scatter and bar charts with ECharts (modular imports). This module is loaded
 * lazily (`import('./compare/ecCharts')`), so the history tab never pays for ECharts.
 *
 * Brushing on a parallel axis (`axisareaselected`) sets CompareState.brush, which filters the table's rows.
 * Tooltips use ECharts' rich-text mode: drawn on the canvas, so run names never become HTML.
 */
import { BarChart, ParallelChart, ScatterChart } from 'echarts/charts';
import { GridComponent, ParallelComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { CompareRun, CompareTab } from '../../src/protocol/compare';
import { button, clear, h, labelled, select } from './dom';
import { dataUrlToBytes, savePng } from './exports';
import { type Model, columnValue, numericValue } from './state';
import type { Theme } from './theme';
import { resolveColor } from './theme';

echarts.use([ParallelChart, ScatterChart, BarChart, ParallelComponent, GridComponent, TooltipComponent, CanvasRenderer]);

/** The tabs (of COMPARE_TABS) that ECharts draws. */
export type EcKind = Extract<CompareTab, 'parallel' | 'scatter' | 'bar'>;

interface Dim {
  id: string;
  label: string;
  numeric: boolean;
  categories?: string[];
}

function dimensions(runs: CompareRun[]): Dim[] {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const r of runs) {
    Object.keys(r.params).forEach((k) => params.add(k));
    Object.keys(r.metrics).forEach((k) => metrics.add(k));
  }
  const dims: Dim[] = [];
  const add = (id: string, label: string) => {
    const vals = runs.map((r) => columnValue(r, id)).filter((v) => v !== undefined);
    if (!vals.length) return;
    const numeric = runs.every((r) => columnValue(r, id) === undefined || numericValue(r, id) !== undefined);
    dims.push(numeric ? { id, label, numeric } : { id, label, numeric, categories: [...new Set(vals.map(String))].sort() });
  };
  [...params].sort().forEach((k) => add(`params.${k}`, k));
  [...metrics].sort().forEach((k) => add(`metrics.${k}`, k));
  return dims;
}

function axisStyle(t: Theme) {
  return {
    nameTextStyle: { color: t.foreground, fontFamily: t.fontFamily },
    axisLine: { lineStyle: { color: t.muted } },
    axisTick: { lineStyle: { color: t.muted } },
    axisLabel: { color: t.foreground, fontFamily: t.fontFamily },
    splitLine: { lineStyle: { color: t.grid } },
  };
}

const tooltipBase = (t: Theme) => ({
  renderMode: 'richText' as const,
  backgroundColor: t.background,
  borderColor: t.grid,
  textStyle: { color: t.foreground, fontFamily: t.fontFamily },
});

export class EcCharts {
  readonly el = h('section', { class: 'ec-charts' });
  private controls = h('div', { class: 'toolbar' });
  private host = h('div', { class: 'ec-host', role: 'img' });
  private chart: echarts.ECharts | undefined;
  private kind: EcKind = 'parallel';
  private dims: Dim[] = [];
  private applyingBrush = false;
  private resizeObs = new ResizeObserver(() => this.chart?.resize());

  constructor(
    private model: Model,
    private theme: Theme,
  ) {
    this.el.append(this.controls, this.host);
    this.resizeObs.observe(this.host);
    model.subscribe((ch) => {
      if (!this.el.isConnected || this.el.hidden) return;
      if (ch.has('runs') || ch.has('visibility')) this.render();
      else if (ch.has('brush') && this.kind === 'parallel') this.applyBrush();
    });
  }

  show(kind: EcKind): void {
    this.kind = kind;
    this.render();
  }

  setTheme(t: Theme): void {
    this.theme = t;
    this.render();
  }

  private ensureChart(): echarts.ECharts {
    if (!this.chart) {
      this.chart = echarts.init(this.host, undefined, { renderer: 'canvas' });
      this.chart.on('axisareaselected', (p: unknown) => this.onBrush(p as { parallelAxisId?: string; intervals?: number[][] }));
      this.chart.on('finished', () => {
        this.host.dataset.rendered = String(Number(this.host.dataset.rendered ?? 0) + 1);
      });
    }
    return this.chart;
  }

  render(): void {
    const model = this.model;
    const runs = model.shownRuns();
    this.host.dataset.kind = this.kind;
    this.renderControls();
    const chart = this.ensureChart();
    const t = this.theme;
    let option: Record<string, unknown>;
    if (this.kind === 'parallel') {
      this.dims = dimensions(runs);
      this.host.setAttribute('aria-label', `Parallel coordinates of ${runs.length} runs over ${this.dims.map((d) => d.label).join(', ')}`);
      option = {
        backgroundColor: 'transparent',
        textStyle: { color: t.foreground, fontFamily: t.fontFamily },
        tooltip: { ...tooltipBase(t), trigger: 'item', formatter: (p: { name: string }) => p.name },
        parallel: { left: 60, right: 90, top: 50, bottom: 40, parallelAxisDefault: { ...axisStyle(t), nameLocation: 'end', nameGap: 16 } },
        parallelAxis: this.dims.map((d, i) => ({
          id: `pa-${i}`,
          dim: i,
          name: d.label,
          type: d.numeric ? 'value' : 'category',
          data: d.categories,
          scale: true,
          realtime: false,
          areaSelectStyle: { width: 20, borderColor: t.foreground, color: t.muted, opacity: 0.3 },
        })),
        series: [
          {
            type: 'parallel',
            smooth: false,
            inactiveOpacity: 0.08,
            activeOpacity: 1,
            lineStyle: { width: 2, opacity: 0.9 },
            data: runs.map((r) => ({
              name: r.name,
              value: this.dims.map((d) => (d.numeric ? (numericValue(r, d.id) ?? '-') : String(columnValue(r, d.id) ?? '-'))),
              lineStyle: { color: resolveColor(r.color) },
            })),
          },
        ],
      };
    } else if (this.kind === 'scatter') {
      const sc = this.scatterAxes();
      const pts = runs.flatMap((r) => {
        const x = numericValue(r, sc.x);
        const y = numericValue(r, sc.y);
        return x === undefined || y === undefined ? [] : [{ name: r.name, value: [x, y], itemStyle: { color: resolveColor(r.color) } }];
      });
      this.host.setAttribute('aria-label', `Scatter of ${sc.y} against ${sc.x}, ${pts.length} runs`);
      option = {
        backgroundColor: 'transparent',
        textStyle: { color: t.foreground, fontFamily: t.fontFamily },
        tooltip: {
          ...tooltipBase(t),
          trigger: 'item',
          formatter: (p: { name: string; value: number[] }) => `${p.name}\n${labelOf(sc.x)}: ${p.value[0]}\n${labelOf(sc.y)}: ${p.value[1]}`,
        },
        grid: { left: 70, right: 30, top: 30, bottom: 50 },
        xAxis: { type: 'value', scale: true, name: labelOf(sc.x), nameLocation: 'middle', nameGap: 28, ...axisStyle(t) },
        yAxis: { type: 'value', scale: true, name: labelOf(sc.y), ...axisStyle(t) },
        series: [{ type: 'scatter', symbolSize: 12, data: pts }],
      };
    } else {
      const metric = this.barMetric();
      const withValue = runs.filter((r) => r.metrics[metric] !== undefined);
      this.host.setAttribute('aria-label', `Bar chart of the latest ${metric} of ${withValue.length} runs`);
      option = {
        backgroundColor: 'transparent',
        textStyle: { color: t.foreground, fontFamily: t.fontFamily },
        tooltip: { ...tooltipBase(t), trigger: 'item', formatter: (p: { name: string; value: number }) => `${p.name}\n${metric}: ${p.value}` },
        grid: { left: 70, right: 30, top: 30, bottom: 80 },
        xAxis: {
          type: 'category',
          data: withValue.map((r) => r.name),
          axisLabel: { ...axisStyle(t).axisLabel, rotate: 30, interval: 0 },
          axisLine: axisStyle(t).axisLine,
        },
        yAxis: { type: 'value', name: metric, ...axisStyle(t) },
        series: [{ type: 'bar', data: withValue.map((r) => ({ value: r.metrics[metric], itemStyle: { color: resolveColor(r.color) } })) }],
      };
    }
    chart.setOption(option, true);
    if (this.kind === 'parallel') this.applyBrush();
  }

  private scatterAxes(): { x: string; y: string } {
    const runs = this.model.runs;
    const numericCols = dimensions(runs)
      .filter((d) => d.numeric)
      .map((d) => d.id);
    const metrics = numericCols.filter((c) => c.startsWith('metrics.'));
    const st = this.model.state.scatter;
    const x = st && numericCols.includes(withGroup(st.x)) ? withGroup(st.x) : (numericCols.find((c) => c.startsWith('params.')) ?? metrics[0] ?? '');
    const y = st && metrics.includes(`metrics.${st.y}`) ? `metrics.${st.y}` : (metrics.find((m) => m !== x) ?? metrics[0] ?? '');
    return { x, y };
  }

  private barMetric(): string {
    const keys = [...new Set(this.model.runs.flatMap((r) => Object.keys(r.metrics)))].sort();
    const want = this.model.state.bar?.metric;
    return want && keys.includes(want) ? want : (keys[0] ?? '');
  }

  private renderControls(): void {
    clear(this.controls);
    const model = this.model;
    const png = button('PNG', () => this.exportPng(), { class: 'export-png', title: 'Save the chart as PNG' });
    if (this.kind === 'scatter') {
      const numeric = dimensions(model.runs).filter((d) => d.numeric);
      const sc = this.scatterAxes();
      const opts = numeric.map((d) => ({ value: d.id, label: labelOf(d.id) }));
      this.controls.append(
        labelled(
          'X',
          select(opts, sc.x, (v) => model.update({ scatter: { x: v, y: sc.y.slice('metrics.'.length) } }, 'visibility'), { class: 'scatter-x' }),
        ),
        labelled(
          'Y',
          select(
            opts.filter((o) => o.value.startsWith('metrics.')),
            sc.y,
            (v) => model.update({ scatter: { x: sc.x, y: v.slice('metrics.'.length) } }, 'visibility'),
            { class: 'scatter-y' },
          ),
        ),
      );
    } else if (this.kind === 'bar') {
      const keys = [...new Set(model.runs.flatMap((r) => Object.keys(r.metrics)))].sort();
      this.controls.append(
        labelled(
          'Metric',
          select(
            keys.map((k) => ({ value: k })),
            this.barMetric(),
            (v) => model.update({ bar: { metric: v } }, 'visibility'),
            { class: 'bar-metric' },
          ),
        ),
      );
    } else {
      this.controls.append(
        h('span', { class: 'hint', text: 'Drag along an axis to filter the runs table; click the axis outside the selection to clear it.' }),
      );
    }
    this.controls.append(png);
  }

  private onBrush(p: { parallelAxisId?: string; intervals?: number[][] }): void {
    if (this.applyingBrush) return;
    const i = Number(/^pa-(\d+)$/.exec(p.parallelAxisId ?? '')?.[1]);
    const dim = this.dims[i];
    if (!dim || !dim.numeric) return; // category axes don't filter the table
    const brush = { ...(this.model.state.brush ?? {}) };
    const iv = (p.intervals ?? []).filter((x) => x.length === 2 && Number.isFinite(x[0]) && Number.isFinite(x[1]));
    if (!iv.length) delete brush[dim.id];
    else brush[dim.id] = [Math.min(...iv.map((x) => Math.min(x[0], x[1]))), Math.max(...iv.map((x) => Math.max(x[0], x[1])))];
    this.model.update({ brush }, 'brush');
  }

  /** Show the state's brush on the axes (after a re-render, a reload, or "Clear filter" in the table). */
  private applyBrush(): void {
    const chart = this.chart;
    if (!chart) return;
    const brush = this.model.state.brush ?? {};
    this.applyingBrush = true;
    try {
      this.dims.forEach((d, i) => {
        const b = brush[d.id];
        chart.dispatchAction({ type: 'axisAreaSelect', parallelAxisId: `pa-${i}`, intervals: b ? [b] : [] });
      });
    } finally {
      this.applyingBrush = false;
    }
  }

  exportPng(): void {
    if (!this.chart) return;
    const url = this.chart.getDataURL({ type: 'png', pixelRatio: 1, backgroundColor: this.theme.background });
    savePng(this.model, this.kind, dataUrlToBytes(url));
  }
}

function withGroup(col: string): string {
  return /^(params|metrics)\./.test(col) ? col : `metrics.${col}`;
}

function labelOf(col: string): string {
  const dot = col.indexOf('.');
  return dot < 0 ? col : `${col.slice(0, dot) === 'params' ? 'param' : 'metric'} ${col.slice(dot + 1)}`;
}
