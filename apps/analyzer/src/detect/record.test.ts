import { describe, it, expect } from 'vitest';
import { RecordDetector } from './record.js';
import type { Statistic } from './types.js';

/** A statistic that replays a script (undefined = warming up). */
function scripted(values: (number | undefined)[]): Statistic {
  let i = 0;
  return { name: 'scripted', next: () => values[i++] };
}

describe('RecordDetector', () => {
  it('flags a |statistic| bigger than any of the last `horizon` ones; raw is the ratio', () => {
    const d = new RecordDetector(scripted([1, -2, 1, 1, 3, -3, 1, 1, 1, 2.5, 1]), { horizon: 3, minPoints: 1 });
    const out = Array.from({ length: 11 }, () => d.update(0));
    expect(out[0]).toMatchObject({ score: 0, anomalous: false }); // nothing to compare with yet
    expect(out[1]).toMatchObject({ raw: 2, anomalous: true, method: 'record:scripted', threshold: 1 });
    expect(out[2]!.anomalous).toBe(false);
    expect(out[4]).toMatchObject({ raw: 1.5, anomalous: true });
    expect(out[5]).toMatchObject({ raw: 1, anomalous: false }); // a tie is not a record
    expect(out[9]).toMatchObject({ raw: 2.5, anomalous: true }); // the 3s have left the horizon of 3
    for (const r of out) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
      expect(r.score > 0.5).toBe(r.anomalous);
    }
  });

  it('stays quiet while the statistic warms up and for minPoints values', () => {
    const d = new RecordDetector(scripted([undefined, undefined, 1, 2, 3, 4, Number.NaN, 5]), { minPoints: 3 });
    const out = Array.from({ length: 8 }, () => d.update(0));
    expect(out.slice(0, 5).every((r) => r.score === 0 && !r.anomalous)).toBe(true);
    expect(out[5]).toMatchObject({ raw: 4 / 3, anomalous: true });
    expect(out[6]).toMatchObject({ score: 0, anomalous: false });
    expect(out[7]).toMatchObject({ raw: 5 / 4, anomalous: true });
  });

  it('scores a first deviation after a flat stretch as a strong record, and honours a margin', () => {
    const flat = new RecordDetector(scripted([0, 0, 0, 0, 0.001]), { minPoints: 2 });
    const out = Array.from({ length: 5 }, () => flat.update(0));
    expect(out[3]).toMatchObject({ score: 0, raw: 0 });
    expect(out[4]).toMatchObject({ raw: 10, anomalous: true });
    const margin = new RecordDetector(scripted([2, 2.1, 2.5]), { minPoints: 1, threshold: 1.1 });
    const m = Array.from({ length: 3 }, () => margin.update(0));
    expect(m[1]!.anomalous).toBe(false); // 5% above the old maximum
    expect(m[2]!.anomalous).toBe(true); // 19% above
    expect(m[2]!.score).toBeGreaterThan(0.5);
  });
});
