import { InvalidParameter } from '../errors';

/**
 * Parses the values of one sweep parameter:
 *   `0.1, 0.2, 0.5`      a list (commas; quotes keep commas inside a value: `"a,b", c`)
 *   `1:5`                an integer range, inclusive (1 2 3 4 5)
 *   `0:1:0.25`           start:stop:step, inclusive of stop when it lands on it (0 0.25 0.5 0.75 1)
 *   `7`                  a single value
 */
export function parseSweepValues(param: string, text: string): string[] {
  const t = text.trim();
  if (!t) throw new InvalidParameter(`Sweep values for "${param}" are empty`, param);
  const range = /^(-?[\d.eE+-]+)\s*:\s*(-?[\d.eE+-]+)(?:\s*:\s*(-?[\d.eE+-]+))?$/.exec(t);
  if (range) {
    const [a, b, s] = [Number(range[1]), Number(range[2]), range[3] === undefined ? 1 : Number(range[3])];
    if (![a, b, s].every(Number.isFinite)) throw new InvalidParameter(`Sweep range "${t}" for "${param}" is not numeric`, param);
    if (s === 0 || Math.sign(b - a) * Math.sign(s) < 0)
      throw new InvalidParameter(`Sweep range "${t}" for "${param}" never reaches its end (step ${s})`, param);
    const n = Math.floor((b - a) / s + 1e-9) + 1;
    if (n > 10_000) throw new InvalidParameter(`Sweep range "${t}" for "${param}" has ${n} values; at most 10,000`, param);
    const decimals = Math.max(...[range[1], range[2], range[3] ?? '1'].map((x) => (x.split('.')[1] ?? '').replace(/e.*$/i, '').length));
    return Array.from({ length: n }, (_, i) => {
      const v = a + i * s;
      return Number.isInteger(a) && Number.isInteger(s) && !range[1].includes('.') ? String(v) : String(Number(v.toFixed(Math.min(12, decimals + 2))));
    });
  }
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (const ch of t) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (quote) throw new InvalidParameter(`Unclosed quote in sweep values for "${param}"`, param);
  out.push(cur.trim());
  if (out.some((v) => v === '')) throw new InvalidParameter(`Sweep values for "${param}" contain an empty item: "${t}"`, param);
  return out;
}

/** Every combination of the values, in order: the last parameter varies fastest. */
export function sweepGrid(values: Record<string, string[]>, limit = 1000): Record<string, string>[] {
  const keys = Object.keys(values);
  const total = keys.reduce((n, k) => n * values[k].length, 1);
  if (total > limit) throw new InvalidParameter(`The sweep has ${total} combinations; the limit is ${limit}`);
  let grid: Record<string, string>[] = [{}];
  for (const k of keys) grid = grid.flatMap((g) => values[k].map((v) => ({ ...g, [k]: v })));
  return grid;
}

/** Runs tasks with at most `concurrency` at a time, in order; a cancelled queue starts nothing more. */
export async function runQueue<T>(tasks: (() => Promise<T>)[], concurrency: number, signal?: AbortSignal): Promise<(T | undefined)[]> {
  const results: (T | undefined)[] = new Array(tasks.length).fill(undefined);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length && !signal?.aborted) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, worker));
  return results;
}
