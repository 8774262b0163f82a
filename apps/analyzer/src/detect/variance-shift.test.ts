import { describe, it, expect } from 'vitest';
import { VarianceShiftDetector } from './variance-shift.js';
import { mulberry32, gaussian } from '@awo/shared';

describe('VarianceShiftDetector', () => {
  it('flags noise getting much larger, not the steady part', () => {
    const noise = gaussian(mulberry32(5));
    const detector = new VarianceShiftDetector();
    let before = 0;
    for (let t = 0; t < 400; t++) if (detector.update(50 + noise()).anomalous) before++;
    expect(before).toBe(0);
    let firstAlert = -1;
    for (let t = 0; t < 60 && firstAlert < 0; t++) if (detector.update(50 + 6 * noise()).anomalous) firstAlert = t;
    expect(firstAlert).toBeGreaterThanOrEqual(0);
    expect(firstAlert).toBeLessThan(20);
  });

  it('flags a noisy signal going flat', () => {
    const noise = gaussian(mulberry32(6));
    const detector = new VarianceShiftDetector();
    for (let t = 0; t < 300; t++) detector.update(10 + noise());
    let alert: ReturnType<VarianceShiftDetector['update']> | undefined;
    for (let t = 0; t < 60 && !alert; t++) {
      const d = detector.update(10);
      if (d.anomalous) alert = d;
    }
    expect(alert).toBeDefined();
    expect(alert!.raw).toBeLessThan(0);
  });

  it('does not react to a single spike or a single step', () => {
    const noise = gaussian(mulberry32(8));
    const detector = new VarianceShiftDetector();
    let alerts = 0;
    for (let t = 0; t < 600; t++) {
      const value = noise() + (t === 300 ? 40 : 0) + (t >= 450 ? 30 : 0);
      if (detector.update(value).anomalous) alerts++;
    }
    expect(alerts).toBe(0);
  });
});
