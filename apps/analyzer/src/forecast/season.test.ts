import { describe, it, expect } from 'vitest';
import { detectSeason } from './season.js';
import { mulberry32, gaussian } from '@awo/shared';

describe('detectSeason', () => {
  it('finds 24 on a sine of period 24 plus noise', () => {
    const noise = gaussian(mulberry32(42));
    const series = Array.from({ length: 24 * 20 }, (_, t) => 5 * Math.sin((2 * Math.PI * t) / 24) + 2 * noise());
    expect(detectSeason(series, { minLag: 2, maxLag: 100 })).toBe(24);
  });

  it('finds the period under a trend, and a short square wave', () => {
    const noise = gaussian(mulberry32(1));
    const trended = Array.from({ length: 400 }, (_, t) => 0.2 * t + 3 * Math.cos((2 * Math.PI * t) / 12) + noise());
    expect(detectSeason(trended, { minLag: 2, maxLag: 60 })).toBe(12);
    const square = Array.from({ length: 140 }, (_, t) => (t % 7 < 3 ? 10 : 0));
    expect(detectSeason(square, { minLag: 2, maxLag: 30 })).toBe(7);
  });

  it('finds nothing in noise, a noisy ramp, a random walk or a constant', () => {
    const noise = gaussian(mulberry32(9));
    const white = Array.from({ length: 500 }, () => noise());
    expect(detectSeason(white, { minLag: 2, maxLag: 100 })).toBeUndefined();
    const ramp = Array.from({ length: 500 }, (_, t) => t + noise());
    expect(detectSeason(ramp, { minLag: 2, maxLag: 100 })).toBeUndefined();
    let level = 0;
    const walk = Array.from({ length: 500 }, () => (level += noise()));
    expect(detectSeason(walk, { minLag: 2, maxLag: 100 })).toBeUndefined();
    expect(detectSeason(new Array<number>(100).fill(3))).toBeUndefined();
    expect(detectSeason([1, 2, 3])).toBeUndefined();
  });
});
