import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePageToken, encodePageToken, InvalidPageToken } from '../../../src/core/search';
import { InvalidParameter } from '../../../src/core/errors';

test('page tokens are base64 JSON {"offset": N} and round-trip', () => {
  assert.equal(encodePageToken(1000), Buffer.from('{"offset":1000}').toString('base64'));
  for (const n of [0, 1, 999, 50_000, Number.MAX_SAFE_INTEGER]) assert.equal(decodePageToken(encodePageToken(n)), n);
  // a token from MLflow itself (json.dumps adds a space)
  assert.equal(decodePageToken(Buffer.from('{"offset": 25}').toString('base64')), 25);
  assert.equal(decodePageToken(undefined), 0);
  assert.equal(decodePageToken(null), 0);
  assert.equal(decodePageToken(''), 0);
});

test('bad tokens throw InvalidPageToken (an InvalidParameter on page_token) naming the token', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const bad: [string, RegExp][] = [
    ['!!!notbase64', /not base64/],
    [b64('not json'), /does not decode to JSON/],
    [b64('{"offset":-1}'), /non-negative integer/],
    [b64('{"offset":1.5}'), /non-negative integer/],
    [b64('{"offset":"3"}'), /non-negative integer/],
    [b64('{}'), /non-negative integer/],
    [b64('null'), /non-negative integer/],
    [b64('[1]'), /non-negative integer/],
  ];
  for (const [token, re] of bad) {
    assert.throws(
      () => decodePageToken(token),
      (e: unknown) => {
        assert.ok(e instanceof InvalidPageToken, String(e));
        assert.ok(e instanceof InvalidParameter);
        assert.equal(e.code, 'INVALID_PARAMETER_VALUE');
        assert.equal(e.field, 'page_token');
        assert.equal(e.token, token);
        assert.match(e.message, re, token);
        assert.ok(e.message.includes(token.slice(0, 40)));
        return true;
      },
    );
  }
  assert.throws(() => encodePageToken(-1), RangeError);
});
