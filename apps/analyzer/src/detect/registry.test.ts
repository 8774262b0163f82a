import { describe, expect, it } from 'vitest';
import { parseConfig } from '@awo/shared';
import { DETECTORS, type DetectorName } from './registry.js';

describe('detector registry', () => {
  it('builds a working detector for every name the config accepts, and the config refuses others', () => {
    const names = Object.keys(DETECTORS) as DetectorName[];
    for (const name of names) {
      expect(parseConfig({ analyzer: { anomaly: [{ series: 's', detectors: [name] }] } }).analyzer.anomaly[0]?.detectors).toEqual([name]);
      const detector = DETECTORS[name]({});
      let last = detector.update(10, 0);
      for (let i = 1; i < 300; i++) last = detector.update(10 + (i % 3), i * 60_000);
      expect(last.score).toBeGreaterThanOrEqual(0);
      expect(last.score).toBeLessThanOrEqual(1);
    }
    expect(() => parseConfig({ analyzer: { anomaly: [{ series: 's', detectors: ['nope'] }] } })).toThrow(/analyzer.anomaly\[0\].detectors\[0\]/);
  });
});
