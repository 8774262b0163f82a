import { describe, expect, it } from 'vitest';
import { slopeThroughOrigin } from './regression.js';

describe('slopeThroughOrigin', () => {
  it('recovers the slope of y = 2.5x exactly', () => {
    expect(slopeThroughOrigin([1, 2, 3, 4], [2.5, 5, 7.5, 10])).toBeCloseTo(2.5, 10);
  });
  it('is the least squares slope Σxy/Σx² on noisy points', () => {
    const x = [1, 2, 3];
    const y = [2, 5, 5];
    expect(slopeThroughOrigin(x, y)).toBeCloseTo((2 + 10 + 15) / (1 + 4 + 9), 10);
  });
  it('ignores x = 0 and non-finite points; undefined when nothing is left', () => {
    expect(slopeThroughOrigin([0, Number.NaN], [3, 4])).toBeUndefined();
    expect(slopeThroughOrigin([0, 2], [3, 4])).toBeCloseTo(2, 10);
  });
});
