import { describe, expect, it } from 'vitest';
import { ewma } from './smoothing.js';

describe('ewma', () => {
  it('moves the average toward the point by alpha', () => {
    expect(ewma(10, 20, 0.1)).toBeCloseTo(11, 12);
  });

  it('averages the first points plainly while 1 / count is above alpha', () => {
    let m = 0;
    [4, 8, 12].forEach((x, i) => (m = ewma(m, x, 0.1, i + 1)));
    expect(m).toBeCloseTo(8, 12);
  });
});
