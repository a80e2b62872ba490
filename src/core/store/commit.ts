import { MlopsError } from '../errors';
import { isDiskFull } from './fileio';

/**
 * Group commit. Writers queue their bytes (journal records, metric chunks) and take a ticket; one flush
 * round at a time writes everything queued and syncs it, and then every ticket up to the round's is durable.
 * Requests that arrive while a round is syncing share the next round: one write and one fdatasync for all
 * of them, however many there are.
 *
 * When a round fails (a full disk), its waiters are told to retry (TEMPORARILY_UNAVAILABLE), the bytes stay
 * queued, and the round is tried again after RETRY_MS; meanwhile `failure` is set, so the store refuses new
 * writes instead of piling them up in memory.
 */
const RETRY_MS = 1000;
const RESOLVED = Promise.resolve();

interface Waiter {
  upto: number;
  resolve(): void;
  reject(e: Error): void;
}

export class GroupCommit {
  private queuedTicket = 0;
  private durableTicket = 0;
  private waiters: Waiter[] = [];
  private running = false;
  private scheduled = false;
  private retry: NodeJS.Timeout | undefined;
  /** Why the last round failed, until a round succeeds. */
  failure: Error | undefined;

  constructor(
    /** writes and syncs everything queued; may also start other work (a snapshot) */
    private readonly round: () => Promise<void>,
    /** true when a round is wanted although nothing is queued (a snapshot was asked for) */
    private readonly wanted: () => boolean,
    private readonly onFailure: (e: Error) => void,
  ) {}

  /** The ticket of the latest queued write. */
  get ticket(): number {
    return this.queuedTicket;
  }

  get idle(): boolean {
    return !this.running && this.durableTicket >= this.queuedTicket;
  }

  queued(): void {
    this.queuedTicket++;
    this.schedule();
  }

  /** Resolves once every write queued so far is durable; rejects (retryable) when writing it failed. */
  durable(): Promise<void> {
    if (this.durableTicket >= this.queuedTicket) return RESOLVED;
    if (this.failure) return Promise.reject(unavailable(this.failure));
    return new Promise((resolve, reject) => {
      this.waiters.push({ upto: this.queuedTicket, resolve, reject });
      this.schedule();
    });
  }

  /** Starts a round soon: after the current task, so that the writes it makes share the round. */
  schedule(): void {
    if (this.scheduled || this.running || this.failure) return;
    this.scheduled = true;
    process.nextTick(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running || this.failure) return;
    this.running = true;
    try {
      while (!this.failure && (this.durableTicket < this.queuedTicket || this.wanted())) {
        const upto = this.queuedTicket;
        try {
          await this.round();
        } catch (e) {
          this.fail(e as Error, upto);
          return;
        }
        this.settle(upto);
      }
    } finally {
      this.running = false;
    }
  }

  private settle(upto: number) {
    if (upto > this.durableTicket) this.durableTicket = upto;
    const keep: Waiter[] = [];
    for (const w of this.waiters) w.upto <= upto ? w.resolve() : keep.push(w);
    this.waiters = keep;
  }

  /** Everything queued so far was written by a blocking flush (closing, a sync snapshot). */
  allDurable(): void {
    this.failure = undefined;
    this.settle(this.queuedTicket);
  }

  private fail(e: Error, upto: number) {
    this.failure = e;
    this.onFailure(e);
    const err = unavailable(e);
    const keep: Waiter[] = [];
    for (const w of this.waiters) w.upto <= upto ? w.reject(err) : keep.push(w);
    this.waiters = keep;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.failure = undefined;
      this.schedule();
    }, RETRY_MS);
    this.retry.unref();
  }

  dispose(): void {
    if (this.retry) clearTimeout(this.retry);
    const err = new MlopsError('INVALID_STATE', 'the store was closed before the write was confirmed');
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

/** The error a client may retry: the write did not reach the disk (yet). */
export function unavailable(e: Error): MlopsError {
  const why = isDiskFull(e) ? `the disk refused the write (${(e as NodeJS.ErrnoException).code}: no space left or failing)` : `the write failed (${e.message})`;
  return new MlopsError('TEMPORARILY_UNAVAILABLE', `The store could not make the write durable: ${why}. Nothing was acknowledged; retry once there is room.`);
}
