import { describe, expect, it } from 'vitest';
import { ErrorAccumulator, mase, seasonalNaiveScale, smape, smapeTerm } from './forecast-metrics.js';

describe('forecast error measures', () => {
  it('scales by the in-sample seasonal naive MAE', () => {
    // Lag 2: |3-1|, |4-2|, |6-3|, |9-4| → (2 + 2 + 3 + 5) / 4 = 3.
    expect(seasonalNaiveScale([1, 2, 3, 4, 6, 9], 2)).toBe(3);
    // Missing values are skipped pairwise.
    expect(seasonalNaiveScale([1, Number.NaN, 3, 4, 6], 2)).toBe(2.5); // |3-1|, |6-3|
  });

  it('computes MASE on known numbers', () => {
    // Errors 2 and 3 → MAE 2.5; scale 2 → 1.25.
    expect(mase([10, 20], [12, 17], 2)).toBe(1.25);
  });

  it('computes sMAPE in percent, 0 for a perfect forecast of zero', () => {
    expect(smapeTerm(10, 12)).toBeCloseTo(200 * 2 / 22, 12);
    expect(smape([10, 20], [12, 17])).toBeCloseTo((200 * 2 / 22 + 200 * 3 / 37) / 2, 12);
    expect(smape([0, 0], [0, 5])).toBe(100); // terms 0 and 200
    expect(smapeTerm(0, 0)).toBe(0);
  });

  it('accumulates, ignoring non-finite pairs', () => {
    const a = new ErrorAccumulator();
    a.add(4, 2);
    a.add(Number.NaN, 1);
    a.add(1, 1);
    expect(a.n).toBe(2);
    expect(a.mae()).toBe(1);
    expect(a.mase(0.5)).toBe(2);
  });
});
