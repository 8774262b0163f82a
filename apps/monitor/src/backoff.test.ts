import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the interval up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 1000, 30_000))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('is never shorter than the interval, even with a smaller cap', () => {
    expect(backoffDelay(1, 5000, 1000)).toBe(5000);
    expect(backoffDelay(9, 5000, 1000)).toBe(5000);
  });

  it('is 0 without failures and stays finite after very many', () => {
    expect(backoffDelay(0, 1000, 30_000)).toBe(0);
    expect(backoffDelay(10_000, 1000, 30_000)).toBe(30_000);
  });
});
