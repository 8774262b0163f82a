import { describe, expect, it } from 'vitest';
import { BlockErrors, blockedRollingOrigin, FORECAST_DEFAULTS, FORECAST_GRID } from './forecast-cv.js';

/** Errors of one config on one horizon: `perBlock[b]` is the absolute error of each of 10 points in block b. */
function errors(perBlock: number[]): BlockErrors {
  const e = new BlockErrors(1, perBlock.length);
  perBlock.forEach((err, b) => {
    for (let i = 0; i < 10; i++) e.add(0, b, 100, 100 + err);
  });
  return e;
}

describe('blockedRollingOrigin', () => {
  it('scores each block with the config that was best on the blocks before it, never on the block itself', () => {
    // Config 0 is better in blocks 0 and 1, config 1 in blocks 2 and 3 (a change the past cannot foresee).
    const trace = { scale: 2, errors: [errors([1, 1, 4, 4]), errors([3, 3, 1, 1])] };
    const cv = blockedRollingOrigin([trace], 2, 1, 4);
    // Before block 2: config 0 wins; before block 3: blocks 0–2 average 2 (config 0) vs 2.33 (config 1).
    expect(cv.chosen).toEqual([0, 0, 0]);
    // Blocks 1..3 with config 0: errors 1, 4, 4 → MAE 3, MASE 1.5.
    expect(cv.mase[0]?.[0]).toBeCloseTo(1.5, 12);
    expect(cv.defaultsMase[0]?.[0]).toBeCloseTo(1.5, 12);
    // With all blocks seen, config 1 (mean 2) beats config 0 (mean 2.5): the final choice.
    expect(cv.final).toBe(1);
  });

  it('follows a config once it has been better for long enough', () => {
    const trace = { scale: 1, errors: [errors([2, 5, 5, 5]), errors([3, 1, 1, 1])] };
    const cv = blockedRollingOrigin([trace], 2, 1, 4);
    expect(cv.chosen).toEqual([0, 1, 1]);
    expect(cv.mase[0]?.[0]).toBeCloseTo((5 + 1 + 1) / 3, 12);
  });

  it('starts its grid with the analyzer’s defaults and holds no duplicates', () => {
    expect(FORECAST_GRID[0]).toEqual(FORECAST_DEFAULTS);
    const keys = FORECAST_GRID.map((p) => `${p.halfLife}/${p.profileAlpha}/${p.maxSlots}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
