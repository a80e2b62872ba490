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

function emptyBatch(): ChangeBatch {
  return { experiments: new Set(), runs: new Set(), metrics: new Map(), models: new Set(), all: false };
}

export class ChangeFeed {
  private pending = emptyBatch();
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly debounceMs: number) {}

  onDidChange(listener: ChangeListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  experiment(id: string | number) {
    if (!this.listeners.size) return;
    this.pending.experiments.add(String(id));
    this.schedule();
  }
  run(id: string) {
    if (!this.listeners.size) return;
    this.pending.runs.add(id);
    this.schedule();
  }
  metric(runId: string, key: string) {
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
  }
}
