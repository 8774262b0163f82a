import { retryDelay } from '@awo/shared';

/**
 * How long to wait before the next try after `failures` consecutive failures (1 = the first):
 * `interval · 2^(failures − 1)`, capped at `max`, and never shorter than `interval` (a failing
 * source is never tried more often than a healthy one is sampled). The shared `retryDelay`.
 */
export function backoffDelay(failures: number, interval: number, max: number): number {
  return retryDelay(failures, { initial: interval, max: Math.max(interval, max) });
}
