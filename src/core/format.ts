/**
 * How numbers and durations read everywhere a user sees them: trees, run pages, the CLI and the compare
 * webview. No Node or VS Code imports: the webview bundles this file too.
 */

/** At or beyond this magnitude numbers are written in e-notation (integers ≥ 2^53 are not exact anyway). */
const LARGE = 1e15;
/** Below this magnitude (and not 0) numbers are written in e-notation. */
const SMALL = 1e-4;

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function expo(v: number, digits: number): string {
  const [m, e] = v.toExponential(Math.max(0, digits - 1)).split('e');
  return `${trimZeros(m)}e${e}`;
}

/**
 * A number for display: integers below 10^15 in full, other values to `digits` significant digits (never
 * dropping integer digits), and e-notation beyond 10^15 or below 10^-4: 737702629852890100 → 7.37703e+17,
 * 4243117.25 → 4243117, 0.87512345 → 0.875123, 0.0000123 → 1.23e-5. NaN and ±Infinity by name.
 */
export function formatNumber(v: number, digits = 6): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= LARGE || a < SMALL) return expo(v, digits);
  if (Number.isInteger(v)) return String(v);
  if (a < 1) return trimZeros(v.toPrecision(digits));
  const intDigits = Math.floor(Math.log10(a)) + 1;
  const s = trimZeros(v.toFixed(Math.max(0, digits - intDigits)));
  return s === '-0' ? '0' : s;
}

/** A duration in milliseconds: 0.4s, 3.2s, 45s, 3m05s, 1h02m, 2d03h; '' when unknown or negative. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** A size in bytes: 512 bytes, 3.2 KiB, 41.0 MiB, 1.5 GiB (binary units, one decimal). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
