import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatNumber } from '../../src/core/format';

test('numbers: integers in full below 10^15, e-notation beyond, significant digits in between', () => {
  const cases: [number, string][] = [
    [737702629852890100, '7.37703e+17'],
    [2 ** 53, '9.0072e+15'],
    [1e15, '1e+15'],
    [999_999_999_999_999, '999999999999999'],
    [4243117.25, '4243117'],
    [4_243_000, '4243000'],
    [120, '120'],
    [-3, '-3'],
    [0.87512345, '0.875123'],
    [0.25, '0.25'],
    [123.456789, '123.457'],
    [0.0001, '0.0001'],
    [0.0000123456, '1.23456e-5'],
    [-0.0000123, '-1.23e-5'],
    [0, '0'],
    [-0, '0'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ];
  for (const [v, s] of cases) assert.equal(formatNumber(v), s, `formatNumber(${v})`);
});

test('fewer digits for compact places (tree rows), integer digits are never dropped', () => {
  assert.equal(formatNumber(0.87512345, 4), '0.8751');
  assert.equal(formatNumber(12345.678, 4), '12346');
  assert.equal(formatNumber(737702629852890100, 4), '7.377e+17');
  assert.equal(formatNumber(-0.4, 4), '-0.4');
});

test('durations: tenths under 10 s, then s, m+s, h+m, d+h', () => {
  const cases: [number | undefined | null, string][] = [
    [0, '0.0s'],
    [420, '0.4s'],
    [3249, '3.2s'],
    [45_900, '45s'],
    [185_000, '3m05s'],
    [3_720_000, '1h02m'],
    [2 * 86_400_000 + 3 * 3_600_000, '2d03h'],
    [-5, ''],
    [undefined, ''],
    [null, ''],
    [NaN, ''],
  ];
  for (const [v, s] of cases) assert.equal(formatDuration(v), s, `formatDuration(${v})`);
});

test('sizes read in binary units with one decimal', () => {
  assert.equal(formatBytes(5), '5 bytes');
  assert.equal(formatBytes(1023), '1023 bytes');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(41 * 1024 ** 2), '41.0 MiB');
  assert.equal(formatBytes(1.5 * 1024 ** 3), '1.5 GiB');
  assert.equal(formatBytes(-1), '');
});
