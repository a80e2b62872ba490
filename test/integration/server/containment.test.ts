import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../helpers/tmp';
import { startApi, type Api } from './harness';

// Artifact requests resolve real paths: a symlink committed inside .mlops/artifacts (a cloned repo) must not
// let a request read, write, list or delete anything outside the artifact root.
const A = '/api/2.0/mlflow-artifacts/artifacts';

describe('artifact containment through symlinks', () => {
  let api: Api;
  let outside: string;
  let root: string;
  before(async () => {
    api = await startApi();
    outside = tempDir();
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    fs.mkdirSync(path.join(outside, 'dir'));
    fs.writeFileSync(path.join(outside, 'dir', 'inner.txt'), 'inner');
    root = path.join(api.ws, '.mlops', 'artifacts');
    fs.mkdirSync(path.join(root, '1', 'r', 'artifacts'), { recursive: true });
    fs.writeFileSync(path.join(root, '1', 'r', 'artifacts', 'ok.txt'), 'ok');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, '1', 'r', 'artifacts', 'file-link'));
    fs.symlinkSync(outside, path.join(root, '1', 'r', 'artifacts', 'dir-link'));
    fs.symlinkSync(path.join(root, '1', 'r', 'artifacts', 'ok.txt'), path.join(root, '1', 'r', 'artifacts', 'inner-link'));
    fs.symlinkSync(path.join(outside, 'missing'), path.join(root, '1', 'r', 'artifacts', 'dangling'));
  });
  after(async () => api.close());

  const refused = (r: { status: number; json: any }) => {
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.equal(r.json.error_code, 'INVALID_PARAMETER_VALUE');
  };

  it('read: a file or folder link out of the root is refused; a link inside it is served', async () => {
    refused(await api.call('GET', `${A}/1/r/artifacts/file-link`));
    refused(await api.call('GET', `${A}/1/r/artifacts/dir-link/inner.txt`));
    refused(await api.call('GET', `${A}/1/r/artifacts/dangling`));
    const ok = await api.call('GET', `${A}/1/r/artifacts/inner-link`);
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'ok');
  });

  it('write: nothing is created through a link out of the root', async () => {
    refused(await api.call('PUT', `${A}/1/r/artifacts/dir-link/new.txt`, 'x'));
    refused(await api.call('PUT', `${A}/1/r/artifacts/dir-link/sub/new.txt`, 'x'));
    refused(await api.call('PUT', `${A}/1/r/artifacts/file-link`, 'x'));
    assert.deepEqual(fs.readdirSync(outside).sort(), ['dir', 'secret.txt']);
    assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'secret');
  });

  it('list: links out of the root are not listed, and listing through one is refused', async () => {
    const r = await api.call('GET', `${A}?path=1/r/artifacts`);
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.json.files.map((f: { path: string }) => f.path),
      ['inner-link', 'ok.txt'],
    );
    refused(await api.call('GET', `${A}?path=1/r/artifacts/dir-link`));
  });

  it('delete: nothing outside the root is removed', async () => {
    refused(await api.call('DELETE', `${A}/1/r/artifacts/dir-link/inner.txt`));
    refused(await api.call('DELETE', `${A}/1/r/artifacts/dir-link`));
    refused(await api.call('DELETE', `${A}/1/r/artifacts/file-link`));
    assert.ok(fs.existsSync(path.join(outside, 'dir', 'inner.txt')));
    assert.ok(fs.existsSync(path.join(outside, 'secret.txt')));
    // A link inside the root is removed itself; what it points to stays.
    assert.equal((await api.call('DELETE', `${A}/1/r/artifacts/inner-link`)).status, 200);
    assert.ok(!fs.existsSync(path.join(root, '1', 'r', 'artifacts', 'inner-link')));
    assert.equal(fs.readFileSync(path.join(root, '1', 'r', 'artifacts', 'ok.txt'), 'utf8'), 'ok');
  });

  it('when .mlops/artifacts itself is a link (artifacts on another disk), its target is the root', async () => {
    const other = await startApi();
    try {
      const disk = tempDir();
      fs.mkdirSync(path.join(other.ws, '.mlops'), { recursive: true });
      fs.rmSync(path.join(other.ws, '.mlops', 'artifacts'), { recursive: true, force: true });
      fs.symlinkSync(disk, path.join(other.ws, '.mlops', 'artifacts'));
      assert.equal((await other.call('PUT', `${A}/1/r/artifacts/a.txt`, 'a')).status, 200);
      assert.equal(fs.readFileSync(path.join(disk, '1', 'r', 'artifacts', 'a.txt'), 'utf8'), 'a');
      assert.equal((await other.call('GET', `${A}/1/r/artifacts/a.txt`)).text, 'a');
    } finally {
      await other.close();
    }
  });
});

/** A PUT whose path goes out exactly as written (fetch would resolve `%2e%2e` segments first). */
function rawPut(api: Api, p: string, body: string): Promise<{ status: number; json: any; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${api.server.url}${p}`, { method: 'PUT', path: p, headers: { Authorization: `Bearer ${api.server.token}` } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, text, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('hostile artifact paths and headers are 4xx with MLflow error JSON', () => {
  let api: Api;
  before(async () => {
    api = await startApi();
  });
  after(async () => api.close());

  for (const p of ['1/r/artifacts/%2e%2e/%2e%2e/x', '1/r/artifacts/%252e%252e/x', '/abs/x', '1/r/%zz', '1/r/a%5Cb', '1/r/a%23b', 'C:/x']) {
    it(`PUT ${p}`, async () => {
      const r = await rawPut(api, `${A}/${p}`, 'x');
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error_code, 'INVALID_PARAMETER_VALUE');
      assert.ok(!fs.existsSync(path.join(api.ws, '.mlops', 'artifacts', 'x')));
      assert.ok(!fs.existsSync(path.join(api.ws, '.mlops', 'artifacts', '1', 'x')));
    });
  }

  it('a malformed escape in a path parameter is a 400', async () => {
    const r = await api.call('GET', '/api/2.0/mlflow/logged-models/%zz');
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, 'INVALID_PARAMETER_VALUE');
  });

  it('a token of the right length with a non-ASCII character is a 401, not a 500', async () => {
    const bad = 'é' + api.server.token.slice(1);
    const r = await fetch(`${api.server.url}/api/2.0/mlflow/experiments/search?max_results=1`, { headers: { Authorization: `Bearer ${bad}` } });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error_code, 'UNAUTHENTICATED');
  });

  it('experiments/update needs a string experiment_id and a new_name', async () => {
    for (const body of [{ experiment_id: 5 }, { experiment_id: '0' }, { experiment_id: ['0'], new_name: 'x' }]) {
      const r = await api.call('POST', '/api/2.0/mlflow/experiments/update', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error_code, 'INVALID_PARAMETER_VALUE');
    }
  });

  it('a non-ASCII file name downloads with an RFC 6266 header', async () => {
    for (const name of ['ü.txt', '日本.txt', 'café.csv']) {
      assert.equal((await api.call('PUT', `${A}/1/r/artifacts/${encodeURIComponent(name)}`, name)).status, 200);
      const r = await fetch(`${api.server.url}${A}/1/r/artifacts/${encodeURIComponent(name)}`, { headers: { Authorization: `Bearer ${api.server.token}` } });
      assert.equal(r.status, 200);
      assert.equal(await r.text(), name);
      assert.match(r.headers.get('content-disposition')!, new RegExp(`filename\\*=UTF-8''${encodeURIComponent(name)}`));
    }
  });
});
