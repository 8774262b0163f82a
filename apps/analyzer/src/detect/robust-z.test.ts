import { describe, it, expect } from 'vitest';
import { RobustZDetector } from './robust-z.js';
import { scoreFromZ } from './types.js';
import { mulberry32, gaussian } from '@awo/shared';

describe('scoreFromZ', () => {
  it('maps 0 to 0, the threshold to 0.5 and stays in [0, 1]', () => {
    expect(scoreFromZ(0, 3)).toBe(0);
    expect(scoreFromZ(3, 3)).toBeCloseTo(0.5, 12);
    expect(scoreFromZ(-3, 3)).toBeCloseTo(0.5, 12);
    expect(scoreFromZ(1e300, 3)).toBe(1);
    expect(scoreFromZ(Number.NaN, 3)).toBe(0);
    expect(scoreFromZ(2, 3)).toBeLessThan(scoreFromZ(4, 3));
  });
});

describe('RobustZDetector', () => {
  it('flags an injected spike and not the normal points', () => {
    const noise = gaussian(mulberry32(123));
    const detector = new RobustZDetector();
    const flagged: number[] = [];
    const bigNoise: number[] = [];
    for (let t = 0; t < 400; t++) {
      const e = noise();
      if (Math.abs(e) > 3) bigNoise.push(t);
      const value = 20 + e + (t === 250 ? 8 : 0);
      const d = detector.update(value, t * 60_000);
      expect(d.score).toBeGreaterThanOrEqual(0);
      expect(d.score).toBeLessThanOrEqual(1);
      if (d.anomalous) flagged.push(t);
    }
    expect(flagged).toContain(250);
    // anything else flagged is a genuine > 3 sigma draw of the noise (this seed has one, at t = 131)
    expect(flagged.filter((t) => t !== 250 && !bigNoise.includes(t))).toEqual([]);
    expect(flagged.length).toBeLessThanOrEqual(2);
  });

  it('scores 0 on a flat series until a step change, which is flagged', () => {
    const detector = new RobustZDetector({ window: 50, minPoints: 10 });
    for (let t = 0; t < 100; t++) {
      const d = detector.update(7);
      expect(d.score).toBe(0);
      expect(d.anomalous).toBe(false);
    }
    const step = detector.update(7.5);
    expect(step.anomalous).toBe(true);
    expect(step.score).toBeGreaterThan(0.99);
    expect(step.raw).toBeGreaterThan(0);
  });

  it('handles a mostly constant window (MAD = 0) without blowing up on small moves', () => {
    const detector = new RobustZDetector({ window: 20, minPoints: 20 });
    // 15 zeros and 5 ones: MAD is 0, the mean absolute deviation is not
    for (let t = 0; t < 20; t++) detector.update(t % 4 === 0 ? 1 : 0);
    expect(detector.update(1).anomalous).toBe(false);
    expect(detector.update(10).anomalous).toBe(true);
  });

  it('stays quiet during warm-up and ignores non-finite values', () => {
    const detector = new RobustZDetector({ minPoints: 5 });
    for (const v of [1, 2, 1, 2]) expect(detector.update(v)).toMatchObject({ score: 0, anomalous: false });
    expect(detector.update(1000)).toMatchObject({ score: 0, anomalous: false }); // 5th point: 4 before it
    expect(detector.update(Number.NaN)).toMatchObject({ score: 0, anomalous: false, method: 'robust-z' });
  });
});
