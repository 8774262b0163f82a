import type { PoolProcessor } from '@awo/executor';
import { delay } from '@awo/shared';

/** A pool processor whose jobs share one resource, and the number of its jobs in flight now. */
export interface ContendedProcessor extends PoolProcessor {
  inFlight(): number;
}

/**
 * Jobs that share a resource saturating at `limit` in flight (a database with `limit`
 * connections): up to `limit` jobs run in `serviceMs` each; past it every job takes
 * `serviceMs · (n/limit)²` with `n` in flight when it starts, so the throughput n/s(n) rises up to
 * `limit` and falls past it (as 1/n). For demos, tests and benchmarks of the capacity model.
 */
export function contendedProcessor(serviceMs: number, limit: number): ContendedProcessor {
  let inFlight = 0;
  const processor = async (_job: unknown, signal: AbortSignal): Promise<void> => {
    inFlight++;
    try {
      await delay(serviceMs * Math.max(1, (inFlight / limit) ** 2), signal);
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('job aborted');
    } finally {
      inFlight--;
    }
  };
  return Object.assign(processor, { inFlight: () => inFlight });
}
