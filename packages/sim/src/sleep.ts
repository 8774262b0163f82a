import type { PoolProcessor } from '@awo/executor';

/**
 * The simulated job of the demos and benchmarks: each job takes `data.serviceMs` (or
 * `serviceTime`) ms of real time; an abort ends it early with an error. Given to the executor by
 * name (`ExecutorOptions.processors`, `{ sleep: sleepProcessor(100) }`), never a production default.
 */
export function sleepProcessor(serviceTime: number): PoolProcessor {
  return (job, signal) =>
    new Promise((resolve, reject) => {
      const asked = (job.data as { serviceMs?: unknown } | null | undefined)?.serviceMs;
      const ms = typeof asked === 'number' && Number.isFinite(asked) && asked >= 0 ? asked : serviceTime;
      const aborted = () => (signal.reason instanceof Error ? signal.reason : new Error(`job aborted: ${String(signal.reason ?? 'cancelled')}`));
      if (signal.aborted) return reject(aborted());
      const onAbort = () => {
        clearTimeout(timer);
        reject(aborted());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(undefined);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
}
