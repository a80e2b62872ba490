import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStore, type Store } from '../../../src/core/openStore';
import * as T from '../../../src/core/tracking';
import { CorruptStoreFile } from '../../../src/core/errors';
import { encodeRecord, scanJournal } from '../../../src/core/store/journal';
import { tempDir } from '../../helpers/tmp';

/** Stops owning the store the way a killed process does: no snapshot, the journal holds everything. */
async function crash(s: Store) {
  await s.durable(); // what was acknowledged is on disk
  (s as unknown as { lock: { release(): void } }).lock.release();
}

/** Byte offsets of the journal's records, read from their framing. */
function recordOffsets(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let off = 12; off + 8 <= bytes.length; off += 8 + bytes.readUInt32LE(off)) out.push(off);
  return out;
}

/**
 * Three runs of 100 points each, one batch per run: records createDefault, then (createRun, logBatch) × 3. The
 * points live in segment files; the journal's batch records carry the param, which is what these tests check.
 */
async function threeRuns(ws: string) {
  const s = await openStore(ws);
  const ids = ['a', 'b', 'c'].map((name) => {
    const id = T.createRun(s, { run_name: name }).info.run_id;
    const metrics = Array.from({ length: 100 }, (_, i) => ({ key: 'loss', value: i, timestamp: i, step: i }));
    T.logBatch(s, id, { metrics, params: [{ key: 'name', value: name }] });
    return id;
  });
  await crash(s);
  const journal = path.join(ws, '.mlops', 'store.journal');
  return { ids, journal, bytes: fs.readFileSync(journal) };
}

/** Every file under .mlops (segments included), by relative path, with its bytes. */
function files(ws: string): Record<string, string> {
  const dir = path.join(ws, '.mlops');
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

test('a flipped byte in a record length: readers warn with file and offset and keep every record after it; recover keeps them too', async (t) => {
  const ws = tempDir(t);
  const { ids, journal, bytes } = await threeRuns(ws);
  const offsets = recordOffsets(bytes);
  assert.equal(offsets.length, 7);
  const bad = offsets[2]; // run a's batch
  bytes[bad + 1] ^= 0x04;
  fs.writeFileSync(journal, bytes);
  const before = files(ws);

  const reader = await openStore(ws, { readOnly: true });
  try {
    const warning = reader.report.notes.join('\n');
    assert.match(warning, new RegExp(`store\\.journal is damaged: skipped \\d+ bytes at byte ${bad}`));
    assert.equal(T.getRun(reader, ids[0]).info.run_name, 'a');
    assert.equal(T.getRun(reader, ids[0]).data.params.length, 0, 'the damaged batch is skipped');
    for (const id of ids.slice(1)) assert.equal(T.getRun(reader, id).data.params.length, 1, 'records after the damage are read');
  } finally {
    reader.close();
  }
  assert.deepEqual(files(ws), before, 'a reader changes no file');

  await assert.rejects(
    openStore(ws),
    (e: Error) => e instanceof CorruptStoreFile && e.message.includes(`at byte ${bad}`) && /Nothing was changed/.test(e.message),
  );
  assert.deepEqual(files(ws), before, 'a refused owner changes no file');

  const s = await openStore(ws, { recover: true });
  try {
    for (const id of ids.slice(1)) assert.equal(T.getRun(s, id).data.params.length, 1, 'recover keeps every later intact record');
    const note = s.report.notes.find((n) => n.startsWith('store.journal:'))!;
    assert.match(note, new RegExp(`kept 6 intact records; lost \\d+ bytes at byte ${bad} \\(about 1 record`));
    const copy = s.report.keptCopies.find((c) => /store\.journal\.damaged-/.test(c))!;
    assert.deepEqual(fs.readFileSync(copy), bytes, 'the damaged journal is kept as it was');
  } finally {
    s.close();
  }
  const again = await openStore(ws);
  try {
    assert.equal(T.getRun(again, ids[2]).data.params.length, 1);
  } finally {
    again.close();
  }
});

test('a damaged journal header: readers read the records and write nothing; owners refuse; recover keeps a copy first', async (t) => {
  const ws = tempDir(t);
  const { ids, journal, bytes } = await threeRuns(ws);
  bytes[3] ^= 0xff; // inside the magic
  fs.writeFileSync(journal, bytes);
  const before = files(ws);

  const reader = await openStore(ws, { readOnly: true });
  try {
    assert.match(reader.report.notes.join('\n'), /store\.journal is damaged: skipped 12 bytes at byte 0 \(no record: the journal header is damaged\)/);
    for (const id of ids) assert.equal(T.getRun(reader, id).data.params.length, 1);
  } finally {
    reader.close();
  }
  assert.deepEqual(files(ws), before, 'the journal is never overwritten by a reader');
  await assert.rejects(openStore(ws), (e: Error) => e instanceof CorruptStoreFile && /header is damaged/.test(e.message));
  assert.deepEqual(files(ws), before, 'nor by a refused owner');

  const s = await openStore(ws, { recover: true });
  try {
    for (const id of ids) assert.equal(T.getRun(s, id).data.params.length, 1);
    const copy = s.report.keptCopies.find((c) => /store\.journal\.damaged-/.test(c))!;
    assert.deepEqual(fs.readFileSync(copy), bytes);
  } finally {
    s.close();
  }
  const again = await openStore(ws);
  try {
    assert.equal(T.getRun(again, ids[1]).data.params.length, 1, 'the recovered records were snapshotted');
    assert.deepEqual(again.report.notes, []);
  } finally {
    again.close();
  }
});

test('both snapshots empty: recovery creates Default first, replays both journals and keeps a copy of every file it changes', async (t) => {
  const ws = tempDir(t);
  const dir = path.join(ws, '.mlops');
  let s = await openStore(ws);
  const onlyInSnapshots = T.createRun(s, { run_name: 'old' }).info.run_id;
  s.snapshot();
  const r1 = T.createRun(s, { run_name: 'r1' }).info.run_id;
  T.logBatch(s, r1, { metrics: Array.from({ length: 50 }, (_, i) => ({ key: 'k', value: i, timestamp: i, step: i })) });
  s.snapshot(); // journal.prev now holds r1 (without the Default experiment's creation), journal continues
  const r2 = T.createRun(s, { run_name: 'r2' }).info.run_id;
  T.logBatch(s, r2, { metrics: Array.from({ length: 50 }, (_, i) => ({ key: 'k', value: i, timestamp: i, step: i })) });
  T.logBatch(s, onlyInSnapshots, { params: [{ key: 'p', value: '1' }] });
  await crash(s);
  for (const f of ['store.snapshot', 'store.snapshot.prev']) fs.writeFileSync(path.join(dir, f), '');
  const journals = { j: fs.readFileSync(path.join(dir, 'store.journal')), prev: fs.readFileSync(path.join(dir, 'store.journal.prev')) };

  const reader = await openStore(ws, { readOnly: true });
  try {
    assert.deepEqual(
      T.searchRuns(reader, { experiment_ids: ['0'] })
        .runs.map((r) => r.info.run_name)
        .sort(),
      ['r1', 'r2'],
    );
  } finally {
    reader.close();
  }

  s = await openStore(ws, { recover: true });
  try {
    assert.deepEqual(
      T.searchRuns(s, { experiment_ids: ['0'] })
        .runs.map((r) => r.info.run_name)
        .sort(),
      ['r1', 'r2'],
    );
    for (const id of [r1, r2]) assert.equal(T.getMetricHistory(s, id, 'k').steps.length, 50);
    const notes = s.report.notes.join('\n');
    assert.match(notes, /no intact snapshot/);
    assert.match(notes, /1 "tracking\.logBatch" record could not be replayed/, notes);
    const copyOf = (name: string) => fs.readFileSync(s.report.keptCopies.find((c) => path.basename(c).startsWith(`${name}.before-recover-`))!);
    assert.deepEqual(copyOf('store.journal'), journals.j);
    assert.deepEqual(copyOf('store.journal.prev'), journals.prev);
  } finally {
    s.close();
  }
});

test('torn tails are no damage; damage at the very end is; resync skips look-alike bytes', () => {
  const head = Buffer.concat([Buffer.from('MLOPSJ01'), Buffer.alloc(4)]);
  const recs = [
    encodeRecord({ op: 'one', args: { nested: { op: 'not a record' } } }),
    encodeRecord({ op: 'two', args: 2, bin: new Uint8Array([1, 2, 3]) }),
    encodeRecord({ op: 'three', args: 3 }),
  ];
  const whole = Buffer.concat([head, ...recs]);
  assert.deepEqual(
    scanJournal(whole).records.map((r) => r.op),
    ['one', 'two', 'three'],
  );
  assert.equal(scanJournal(head.subarray(0, 5)).torn?.problem, 'the journal header is incomplete');

  const torn = scanJournal(whole.subarray(0, whole.length - 3));
  assert.deepEqual([torn.records.length, torn.damage.length, torn.torn?.offset], [2, 0, whole.length - recs[2].length]);
  const zeros = scanJournal(Buffer.concat([whole, Buffer.alloc(64)]));
  assert.deepEqual([zeros.records.length, zeros.damage.length, zeros.torn?.bytes], [3, 0, 64]);

  const lastBad = Buffer.from(whole);
  lastBad[lastBad.length - 2] ^= 1;
  const r = scanJournal(lastBad);
  assert.deepEqual([r.records.length, r.damage.length, r.torn], [2, 1, undefined]);
  assert.match(r.problem!, /fails its checksum/);

  const firstBad = Buffer.from(whole);
  firstBad[12 + 20] ^= 1; // inside record one's JSON, before its look-alike `{"op":"`
  const f = scanJournal(firstBad);
  assert.deepEqual(
    f.records.map((x) => x.op),
    ['two', 'three'],
  );
  assert.deepEqual(f.damage, [{ offset: 12, bytes: recs[0].length, records: 2, problem: 'record at byte 12 fails its checksum' }]);
  assert.deepEqual(f.records[0].bin, new Uint8Array([1, 2, 3]));
});

test('a reader racing an append (a cut-short final record) reads the intact records without a warning', async (t) => {
  const ws = tempDir(t);
  const { ids, journal, bytes } = await threeRuns(ws);
  fs.writeFileSync(journal, bytes.subarray(0, bytes.length - 5));
  const reader = await openStore(ws, { readOnly: true });
  try {
    assert.deepEqual(reader.report.notes, []);
    assert.equal(T.getRun(reader, ids[1]).data.params.length, 1);
    assert.equal(T.getRun(reader, ids[2]).data.params.length, 0, 'the cut-short batch is not there yet');
  } finally {
    reader.close();
  }
});

test('a damaged snapshot: a reader falls back in memory, warns and writes nothing', async (t) => {
  const ws = tempDir(t);
  const s = await openStore(ws);
  const id = T.createRun(s, { run_name: 'kept' }).info.run_id;
  s.snapshot();
  T.logParam(s, id, 'after', 'snapshot');
  s.close(); // second snapshot: the first becomes .prev
  const snap = path.join(ws, '.mlops', 'store.snapshot');
  fs.writeFileSync(snap, fs.readFileSync(snap).subarray(0, 200));
  const before = files(ws);
  const reader = await openStore(ws, { readOnly: true });
  try {
    assert.match(reader.report.notes.join('\n'), /store\.snapshot is damaged \(truncated.*Nothing was changed/);
    assert.deepEqual(T.getRun(reader, id).data.params, [{ key: 'after', value: 'snapshot' }]);
  } finally {
    reader.close();
  }
  assert.deepEqual(files(ws), before);
});
