/**
 * Exponential moving average smoothing of a metric history, the way TensorBoard and MLflow's UI do it:
 * debiased (the first points are not dragged towards 0) and NaN-safe (a non-finite value is passed through
 * unchanged and does not disturb the average of the finite values around it).
 *
 * Dependency-free on purpose: the compare webview imports this file into its browser bundle.
 */

/**
 * `weight` is the smoothing weight in [0, 1): 0 returns a copy of `values`; values outside the range are
 * clamped (a weight of 1 or more would freeze the average, so it becomes just below 1).
 */
export function emaSmooth(values: Float64Array, weight: number): Float64Array {
  const out = new Float64Array(values.length);
  let w = Number.isFinite(weight) ? weight : 0;
  if (w <= 0) {
    out.set(values);
    return out;
  }
  if (w >= 1) w = 0.999999;
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    out[i] = last / (1 - Math.pow(w, n));
  }
  return out;
}
