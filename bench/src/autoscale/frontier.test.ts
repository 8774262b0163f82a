import { describe, expect, it } from 'vitest';
import { dominance, paretoFrontier } from './frontier.js';

const p = (knob: number, sloAttainment: number, workerMinutes: number) => ({ knob, sloAttainment, workerMinutes });

describe('paretoFrontier', () => {
  it('keeps, cheapest first, the points with a higher SLO than every cheaper one', () => {
    const points = [p(1, 0.9, 100), p(2, 0.95, 120), p(3, 0.93, 130), p(4, 0.98, 140), p(5, 0.99, 200), p(6, 0.97, 90)];
    expect(paretoFrontier(points).map((x) => x.knob)).toEqual([6, 4, 5]);
  });

  it('prefers the higher SLO among equally cheap points', () => {
    expect(paretoFrontier([p(1, 0.9, 100), p(2, 0.92, 100)]).map((x) => x.knob)).toEqual([2]);
  });
});

describe('dominance', () => {
  it('names, for each point of the other policy, the cheapest awo point with a higher SLO at no more cost', () => {
    const awo = [p(0.95, 0.96, 100), p(0.99, 0.992, 150)];
    const hpa = [p(0.7, 0.95, 100), p(0.5, 0.99, 160), p(0.4, 0.999, 300), p(0.9, 0.96, 100)];
    expect(dominance(awo, hpa).map((d) => d.by?.knob ?? null)).toEqual([0.95, 0.99, null, null]);
  });

  it('counts an awo point at SLO 1 that costs less against a point at SLO 1, never an equal one', () => {
    const awo = [p(0.9999, 1, 90)];
    expect(dominance(awo, [p(0.5, 1, 100), p(0.6, 1, 90)]).map((d) => d.by?.knob ?? null)).toEqual([0.9999, null]);
  });
});
