import { describe, it, expect } from 'vitest';
import { EwmaDetector } from './ewma.js';
import { mulberry32, gaussian } from '@awo/shared';

describe('EwmaDetector', () => {
  it('flags a level shift and few normal points', () => {
    const noise = gaussian(mulberry32(99));
    const detector = new EwmaDetector();
    let falseAlarms = 0;
    for (let t = 0; t < 300; t++) {
      const e = noise();
      const d = detector.update(100 + 2 * e);
      if (d.anomalous) {
        falseAlarms++;
        expect(Math.abs(e)).toBeGreaterThan(2.5); // only tail draws of the noise cross 3 sigma
      }
    }
    expect(falseAlarms).toBeLessThanOrEqual(6); // ~0.4% of Gaussian points at L = 3
    const shift = detector.update(100 + 20 + 2 * noise());
    expect(shift.anomalous).toBe(true);
    expect(shift.raw).toBeGreaterThan(3);
    expect(shift.score).toBeGreaterThan(0.5);
    // it then adapts to the new level
    let last = shift;
    for (let t = 0; t < 200; t++) last = detector.update(120 + 2 * noise());
    expect(last.anomalous).toBe(false);
  });

  it('scores 0 on a flat series and flags the first change', () => {
    const detector = new EwmaDetector({ lambda: 0.2, threshold: 3, minPoints: 5 });
    for (let t = 0; t < 50; t++) expect(detector.update(3).score).toBe(0);
    const d = detector.update(2.9);
    expect(d.anomalous).toBe(true);
    expect(d.raw).toBeLessThan(0);
    expect(d.score).toBeGreaterThan(0.99);
  });

  it('stays quiet during warm-up', () => {
    const detector = new EwmaDetector({ minPoints: 10 });
    for (let t = 0; t < 10; t++) expect(detector.update(t * t * 100).anomalous).toBe(false);
  });
});
