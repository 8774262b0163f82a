import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Job } from 'bullmq';
import { AwoError, errorMessage } from '@awo/shared';

/** A pool's job function: the default export of a `processor` module, or the built-in `sleep`. */
export type PoolProcessor = (job: Job, signal: AbortSignal) => Promise<unknown>;

/** Each job takes `data.serviceMs` (or `serviceTime`) ms of real time; an abort ends it early with an error. */
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

/** Imports a processor module (path relative to the working directory, or a file: URL). */
export async function loadProcessor(path: string): Promise<PoolProcessor> {
  const url = path.startsWith('file:') ? path : pathToFileURL(isAbsolute(path) ? path : resolve(path)).href;
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (err) {
    throw new AwoError('AWO_CONFIG_INVALID', `pool processor ${path} could not be loaded: ${errorMessage(err)}`, { cause: err });
  }
  if (typeof mod.default !== 'function') throw new AwoError('AWO_CONFIG_INVALID', `pool processor ${path}: expected a default export that is a function`);
  return mod.default as PoolProcessor;
}
