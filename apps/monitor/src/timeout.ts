import { AwoError } from '@awo/shared';

/**
 * Runs `work` with a signal that aborts when `outer` does or after `ms`, and settles by then
 * even if the work ignores its signal (it then fails with AWO_TIMEOUT).
 */
export function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, ms: number, outer: AbortSignal, what: string): Promise<T> {
  const ctl = new AbortController();
  const onAbort = (): void => ctl.abort(outer.reason);
  if (outer.aborted) onAbort();
  else outer.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new AwoError('AWO_TIMEOUT', `${what} did not finish within ${ms} ms`);
      ctl.abort(err);
      reject(err);
    }, ms);
  });
  let running: Promise<T>;
  try {
    running = work(ctl.signal);
  } catch (err) {
    running = Promise.reject(err);
  }
  return Promise.race([running, timeout]).finally(() => {
    clearTimeout(timer);
    outer.removeEventListener('abort', onAbort);
  });
}
