import { describe, it, expect } from 'vitest';
import { CombinedDetector, createDefaultDetector, defaultDetectors, DEFAULT_DETECTOR_PARAMS, detectorParams } from './combined.js';
import { RobustZDetector } from './robust-z.js';
import { mulberry32 } from '@awo/shared';

/** Bounded noise with unit variance (uniform on ±√3), so no tail draw can pass for an event. */
function uniform(rand: () => number): () => number {
  return () => (rand() * 2 - 1) * Math.sqrt(3);
}

describe('CombinedDetector', () => {
  it('raises one alert per event, without timestamps: a spike, a level shift, a burst of noise', () => {
    const noise = uniform(mulberry32(2024));
    const detector = new CombinedDetector({ suppress: 40 });
    const alerts: { t: number; by: string }[] = [];
    for (let t = 0; t < 1200; t++) {
      let value = 10 + noise();
      if (t === 300) value += 12; // spike
      if (t >= 600) value += 15; // level shift
      if (t >= 900) value += 6 * noise(); // variance change
      const d = detector.update(value);
      expect(d.score).toBeGreaterThanOrEqual(0);
      expect(d.score).toBeLessThanOrEqual(1);
      if (d.anomalous) alerts.push({ t, by: d.by });
    }
    const near = (at: number) => alerts.filter((a) => a.t >= at && a.t < at + 40);
    expect(near(300)).toHaveLength(1);
    expect(near(300)[0]!.t).toBe(300);
    expect(near(600)).toHaveLength(1);
    expect(near(600)[0]!.t).toBe(600);
    expect(near(900).length).toBeGreaterThanOrEqual(1);
    // nothing away from the events
    const elsewhere = alerts.filter((a) => ![300, 600, 900].some((at) => a.t >= at && a.t < at + 250));
    expect(elsewhere).toEqual([]);
  });

  it('with timestamps, learns a daily cycle and flags the day its peak is missing', () => {
    const noise = uniform(mulberry32(7));
    const detector = createDefaultDetector();
    const T0 = Date.UTC(2024, 0, 1);
    const alerts: { day: number; slot: number; by: string }[] = [];
    for (let i = 0; i < 288 * 14; i++) {
      const day = Math.floor(i / 288);
      const slot = i % 288; // 5-minute slots
      const busy = slot >= 108 && slot < 204 && day !== 10; // 09:00-17:00, not on day 10
      const d = detector.update(10 + (busy ? 8 : 0) + noise() / Math.sqrt(3), T0 + i * 300_000);
      expect(d.score).toBeGreaterThanOrEqual(0);
      expect(d.score).toBeLessThanOrEqual(1);
      if (d.anomalous) alerts.push({ day, slot, by: d.by });
    }
    // the missing peak is flagged where it should have started, by the daily profile
    expect(alerts).toContainEqual({ day: 10, slot: 108, by: 'record:daily-profile' });
    // while learning, the normal cycle raises a few alerts (each a new record, often a near-tie of
    // the daily step); once more than a week of it has been seen, almost none
    const later = alerts.filter((a) => a.day >= 8 && !(a.day === 10 && a.slot >= 108 && a.slot < 204));
    expect(later.length).toBeLessThanOrEqual(3);
    expect(alerts.length).toBeLessThanOrEqual(15);
  });

  it('builds the default set from record detectors', () => {
    expect(defaultDetectors().map((d) => d.method)).toEqual([
      'record:daily-profile',
      'record:spike',
      'record:mean-shift',
      'record:median-shift',
      'record:volatility-rise',
    ]);
  });

  it('reports score 0 while suppressed and uses the given detectors', () => {
    const detector = new CombinedDetector({ detectors: [new RobustZDetector({ minPoints: 10 })], suppress: 3 });
    for (let t = 0; t < 30; t++) detector.update(t % 2);
    expect(detector.update(50)).toMatchObject({ anomalous: true, by: 'robust-z', threshold: 0.5 });
    // the episode goes on while the detector keeps firing...
    for (let t = 0; t < 5; t++) expect(detector.update(50)).toMatchObject({ anomalous: false, score: 0 });
    // ...and ends after 3 quiet points
    for (let t = 0; t < 3; t++) expect(detector.update(t % 2)).toMatchObject({ anomalous: false, score: 0 });
    expect(detector.update(60).anomalous).toBe(true);
  });

  it('takes its parameters from DEFAULT_DETECTOR_PARAMS, overridden one by one, and refuses a bad one by name', () => {
    expect(detectorParams()).toEqual(DEFAULT_DETECTOR_PARAMS);
    expect(detectorParams({ suppress: 10 })).toEqual({ ...DEFAULT_DETECTOR_PARAMS, suppress: 10 });
    expect(() => detectorParams({ horizon: Number.NaN })).toThrow(/horizon/);
    expect(() => detectorParams({ dailyAlpha: 0 })).toThrow(/dailyAlpha/);
    expect(() => detectorParams({ recordThreshold: 0 })).toThrow(/recordThreshold/);
    expect(defaultDetectors({ weeklyProfile: 1 }).map((d) => d.method)[0]).toBe('record:weekly-profile');
    expect(defaultDetectors({ weeklyProfile: 0 }).map((d) => d.method)).not.toContain('record:weekly-profile');
  });

  it('applies the suppress parameter: a longer quiet run before the next alert', () => {
    const alerts = (suppress: number) => {
      const d = createDefaultDetector({ suppress, minPoints: 20 });
      const out: number[] = [];
      for (let t = 0; t < 400; t++) {
        const v = 10 + (t % 3) + (t === 150 || t === 165 ? 40 : 0);
        if (d.update(v).anomalous) out.push(t);
      }
      return out;
    };
    expect(alerts(5)).toEqual([150, 165]);
    expect(alerts(30)).toEqual([150]); // the second spike is within 30 quiet points of the first
  });
});
