/**
 * What changed in the store, batched. Mutations note changes as they commit; listeners get one batch per
 * debounce window, so a script logging thousands of points per second refreshes a tree a few times a second.
 */
export interface ChangeBatch {
  experiments: Set<string>;
  runs: Set<string>;
  /** run id → metric keys that got new points */
  metrics: Map<string, Set<string>>;
  models: Set<string>;
  /** true when the whole store changed (import, recovery) */
  all: boolean;
}

export type ChangeListener = (batch: ChangeBatch) => void;

/**
 * Sees each change as it is noted, synchronously and undebounced, so a derived index (the run search
 * index) can never answer from data older than the last write. Taps must only record what changed: they
 * run inside the write, before it commits (a note from a write that then fails only costs a reload).
 */
export interface ChangeTap {
  run?(id: string): void;
  metric?(runId: string, key: string): void;
  experiment?(id: string): void;
  everything?(): void;
}

function emptyBatch(): ChangeBatch {
  return { experiments: new Set(), runs: new Set(), metrics: new Map(), models: new Set(), all: false };
}

export class ChangeFeed {
  private pending = emptyBatch();
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<ChangeListener>();
  private readonly taps = new Set<ChangeTap>();

  constructor(private readonly debounceMs: number) {}

  onDidChange(listener: ChangeListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Adds a synchronous observer of every note (see ChangeTap). */
  tap(t: ChangeTap): { dispose(): void } {
    this.taps.add(t);
    return { dispose: () => this.taps.delete(t) };
  }

  experiment(id: string | number) {
    for (const t of this.taps) t.experiment?.(String(id));
    if (!this.listeners.size) return;
    this.pending.experiments.add(String(id));
    this.schedule();
  }
  run(id: string) {
    for (const t of this.taps) t.run?.(id);
    if (!this.listeners.size) return;
    this.pending.runs.add(id);
    this.schedule();
  }
  metric(runId: string, key: string) {
    for (const t of this.taps) t.metric?.(runId, key);
    if (!this.listeners.size) return;
    let keys = this.pending.metrics.get(runId);
    if (!keys) this.pending.metrics.set(runId, (keys = new Set()));
    keys.add(key);
    this.schedule();
  }
  model(name: string) {
    if (!this.listeners.size) return;
    this.pending.models.add(name);
    this.schedule();
  }
  everything() {
    for (const t of this.taps) t.everything?.();
    if (!this.listeners.size) return;
    this.pending.all = true;
    this.schedule();
  }

  private schedule() {
    if (this.timer || !this.listeners.size) return;
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
    this.timer.unref?.();
  }

  flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = emptyBatch();
    if (!this.listeners.size) return;
    for (const l of [...this.listeners]) {
      try {
        l(batch);
      } catch {
        // A listener's failure must not break the store or the other listeners.
      }
    }
  }

  dispose() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
    this.taps.clear();
  }
}
