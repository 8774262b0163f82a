/** An entry of a BullMQ events stream as XRANGE returns it. */
export type StreamEntry = [id: string, fields: string[]];

/** A job that a worker started, from its `active` event. */
export interface StartedJob {
  jobId: string;
  /** ms (Redis clock) of the `active` event. */
  startedAt: number;
  /** ms from its last `waiting` event to `active`; undefined when that event was not seen. */
  wait?: number;
}

/** What a run of events said. */
export interface EventFold {
  completed: number;
  failed: number;
  /** In event order. */
  started: StartedJob[];
}

/** The ms part of a stream entry id (`1700000000000-3` → 1700000000000). */
export function idTime(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}

/**
 * Folds the events of a BullMQ queue (`<prefix>:<queue>:events`, written by BullMQ's Lua
 * scripts: `waiting` when a job becomes ready to run — added, promoted from delayed, retried —,
 * `active` when a worker takes it, `completed`, `failed`, `removed`, …). It remembers when each
 * job last became waiting (Redis clock, from the entry id), so that the wait of a job that
 * starts is known even when the job itself is removed on completion. Bounded: past
 * `maxTracked` jobs, the longest-waiting are forgotten.
 */
export class EventTally {
  readonly #ready = new Map<string, number>();

  constructor(private readonly maxTracked = 100_000) {}

  /** How many waiting jobs it remembers. */
  get tracked(): number {
    return this.#ready.size;
  }

  /** When a job last became waiting (ms, Redis clock), if seen. */
  readyAt(jobId: string): number | undefined {
    return this.#ready.get(jobId);
  }

  fold(entries: readonly StreamEntry[]): EventFold {
    const out: EventFold = { completed: 0, failed: 0, started: [] };
    for (const [id, fields] of entries) {
      let event: string | undefined;
      let jobId: string | undefined;
      for (let i = 0; i + 1 < fields.length; i += 2) {
        if (fields[i] === 'event') event = fields[i + 1];
        else if (fields[i] === 'jobId') jobId = fields[i + 1];
      }
      switch (event) {
        case 'completed':
          out.completed++;
          break;
        case 'failed':
          out.failed++;
          break;
        case 'waiting':
          if (jobId !== undefined) this.#remember(jobId, idTime(id));
          break;
        case 'active': {
          if (jobId === undefined) break;
          const startedAt = idTime(id);
          const ready = this.#ready.get(jobId);
          this.#ready.delete(jobId);
          out.started.push(ready === undefined ? { jobId, startedAt } : { jobId, startedAt, wait: Math.max(0, startedAt - ready) });
          break;
        }
        case 'removed':
          if (jobId !== undefined) this.#ready.delete(jobId);
          break;
      }
    }
    return out;
  }

  #remember(jobId: string, at: number): void {
    this.#ready.delete(jobId);
    this.#ready.set(jobId, at);
    // Map order is insertion order: the first key is the one waiting longest.
    while (this.#ready.size > this.maxTracked) this.#ready.delete(this.#ready.keys().next().value as string);
  }
}
