import fs from 'node:fs';
import path from 'node:path';
import { CorruptStoreFile } from '../errors';
import { readJournal, type JournalDamage, type JournalReadResult } from './journal';

/**
 * How opening deals with damaged journals. Nothing here writes except `keepCopy`, and only owners call it:
 * - an owner refuses damage it would have to skip (CorruptStoreFile, nothing changed);
 * - `recover` keeps a copy of every damaged file, replays every intact record, and says what was lost;
 * - a reader replays every intact record in memory and warns, naming the file and byte offsets.
 */
export type OpenMode = 'owner' | 'recover' | 'read';

export interface PlannedJournal {
  file: string;
  read: JournalReadResult;
  /** The generation it continues; for a damaged header, inferred from its place (journal or journal.prev). */
  generation: number;
  replay: boolean;
}

export interface Report {
  notes: string[];
  keptCopies: string[];
}

/** Reads `.prev` and the current journal and orders them for replay after a snapshot at `snapshotGen` (-1: none). */
export function planJournals(files: { prev: string; current: string }, snapshotGen: number, mode: OpenMode): PlannedJournal[] {
  const prev = readJournal(files.prev);
  const current = readJournal(files.current);
  const infer = (r: JournalReadResult, isCurrent: boolean, other: JournalReadResult) => {
    if (!r.headerDamaged) return r.generation;
    if (snapshotGen >= 0) return isCurrent ? snapshotGen : snapshotGen - 1;
    // No snapshot either: the journal's neighbour tells its generation.
    if (other.generation >= 0) return isCurrent ? other.generation + 1 : Math.max(0, other.generation - 1);
    return isCurrent ? 1 : 0;
  };
  const plan: PlannedJournal[] = [
    { file: files.prev, read: prev, generation: infer(prev, false, current), replay: false },
    { file: files.current, read: current, generation: infer(current, true, prev), replay: false },
  ];
  for (const p of plan) p.replay = p.read.records.length + p.read.lostBytes > 0 && p.generation >= snapshotGen;
  if (mode === 'owner') {
    for (const p of plan) if (p.replay && isDamaged(p.read)) throw new CorruptStoreFile(p.file, refusal(p.read));
  }
  // Stable: .prev first when both claim the same generation.
  return plan.sort((a, b) => a.generation - b.generation);
}

export function isDamaged(read: JournalReadResult): boolean {
  return read.damage.length > 0;
}

function regions(damage: JournalDamage[]): string {
  return damage.map((d) => `${d.bytes} bytes at byte ${d.offset} (${about(d.records)}: ${d.problem})`).join('; ');
}

function about(records: number): string {
  return records === 0 ? 'no record' : records === 1 ? 'about 1 record' : `about ${records} records`;
}

function refusal(read: JournalReadResult): string {
  return (
    `${read.problem}. ${read.records.length} intact records are readable around the damage; ` +
    `${read.damage.reduce((n, d) => n + d.bytes, 0)} damaged bytes would be skipped: ${regions(read.damage)}. ` +
    'Nothing was changed. Open with recovery (mlops store recover) to keep every intact record; a copy of the file is kept.'
  );
}

/** What a reader tells the user about a journal it replayed. Torn tails are expected while an owner appends. */
export function readerNote(p: PlannedJournal): string | undefined {
  if (!p.replay || !isDamaged(p.read)) return undefined;
  return (
    `${path.basename(p.file)} is damaged: skipped ${regions(p.read.damage)}; showing the ${p.read.records.length} intact records ` +
    'around it. Nothing was changed; run "mlops store recover" (with the owner closed) to repair it, keeping a copy.'
  );
}

/** What an owner (recovering or after a crash) says about a journal it replayed, after keeping a copy. */
export function ownerNote(p: PlannedJournal, copy: string): string {
  const name = path.basename(p.file);
  const kept = `kept ${p.read.records.length} intact records`;
  const where = `copy kept at ${path.basename(copy)}`;
  if (!isDamaged(p.read)) {
    const t = p.read.torn!;
    return `${name}: ${t.problem} (a crash mid-append): ${kept}, dropped the ${t.bytes} bytes of the cut-short final record (${where})`;
  }
  const tail = p.read.torn ? `, and the ${p.read.torn.bytes} bytes of a cut-short final record` : '';
  return `${name}: ${kept}; lost ${regions(p.read.damage)}${tail} (${where})`;
}

/** Copies a file aside before anything changes it; the copy's name says why it was kept. */
export function keepCopy(file: string, report: Report, why: 'damaged' | 'before-recover'): string {
  const copy = `${file}.${why}-${Date.now()}`;
  fs.copyFileSync(file, copy);
  report.keptCopies.push(copy);
  return copy;
}

/**
 * Recovery changes files that may hold data nothing else holds any more (a `.prev` snapshot or journal it
 * rotates away). Before it writes, every store file that exists and has no copy yet gets one.
 */
export function keepCopiesBeforeRecovery(dir: string, names: string[], report: Report): void {
  for (const name of names) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file) || fs.statSync(file).size === 0) continue;
    if (report.keptCopies.some((c) => path.basename(c).startsWith(`${name}.damaged-`))) continue;
    keepCopy(file, report, 'before-recover');
  }
}

/** Records that applied once but not on replay, counted per operation instead of one note each. */
export class ReplayFailures {
  private readonly byOp = new Map<string, { count: number; first: string; file: string }>();

  add(file: string, op: string, message: string) {
    const cur = this.byOp.get(op);
    if (cur) cur.count++;
    else this.byOp.set(op, { count: 1, first: message, file: path.basename(file) });
  }

  notes(): string[] {
    return [...this.byOp].map(([op, f]) => `${f.file}: ${f.count} "${op}" record${f.count === 1 ? '' : 's'} could not be replayed (first: ${f.first})`);
  }
}
