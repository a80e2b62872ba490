/**
 * Answers a compare panel's series request from the store: each run × key history, downsampled on the
 * requested x axis, as ArrayBuffers of Float64. A whole history is drawn from the chunks' bucket summaries
 * (tracking/history.ts chartView), not from its points; a zoomed range reads only the chunks it overlaps.
 */
import type { RequestSeriesMessage, SeriesData, SeriesMessage } from '../../protocol/compare';
import type { Store } from '../store/store';
import { chartView, rangeView } from '../tracking/history';
import { downsample } from './downsample';
import type { SeriesFeed } from './seriesFeed';

/** The ArrayBuffer of exactly this array's values (copied only when the array is a view into a larger one). */
export function bufferOf(a: Float64Array): ArrayBuffer {
  if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) return a.buffer;
  return a.slice().buffer as ArrayBuffer;
}

export function seriesData(
  runId: string,
  key: string,
  s: { steps: Float64Array; timestamps: Float64Array; values: Float64Array },
  total: number,
  downsampled: boolean,
): SeriesData {
  return { runId, key, steps: bufferOf(s.steps), timestamps: bufferOf(s.timestamps), values: bufferOf(s.values), total, downsampled };
}

/**
 * The answer to `req`. A full-range answer also tells `feed` that the webview now has every point so far,
 * so live updates continue from there.
 */
export function answerSeries(store: Store, req: RequestSeriesMessage, startTimes: ReadonlyMap<string, number>, feed?: SeriesFeed): SeriesMessage {
  const series: SeriesData[] = [];
  for (const runId of req.runIds) {
    for (const key of req.keys) {
      const startTime = startTimes.get(runId) ?? 0;
      const maxPoints = 2 * req.pixelWidth;
      let history;
      let total: number | undefined;
      if (req.range) {
        const shift = req.xAxis === 'relative' ? startTime : 0;
        history = rangeView(store, runId, key, req.xAxis === 'step' ? 'step' : 'time', Math.min(...req.range) + shift, Math.max(...req.range) + shift);
      } else {
        const view = chartView(store, runId, key, maxPoints);
        history = view.series;
        if (view.reduced) total = view.total;
        feed?.mark(runId, key, view.total);
      }
      if (!history.values.length) continue;
      const d = downsample(history, { xAxis: req.xAxis, startTime, maxPoints, range: req.range });
      series.push(seriesData(runId, key, d, total ?? d.total, d.downsampled || total !== undefined));
    }
  }
  return { type: 'series', requestId: req.requestId, xAxis: req.xAxis, ...(req.range ? { range: req.range } : {}), series };
}
