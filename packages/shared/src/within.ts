import { delay } from './bus/util.js';

/** True when `promise` settles within `ms`; false when the time ran out first. Never rejects. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const stop = new AbortController();
  try {
    return await Promise.race([promise.then(() => true, () => true), delay(ms, stop.signal).then(() => false)]);
  } finally {
    stop.abort();
  }
}
