/**
 * The demo's load: a daily shape compressed in time (a "day" lasts `dayS` seconds) with bursts.
 * rate(t) = base + (peak − base) · (1 − cos 2πt/day) / 2, times a burst factor that ramps up
 * over 3 s, holds, and ramps down over 3 s.
 */
export interface LoadShape {
  base: number;
  peak: number;
  dayS: number;
  bursts: { atS: number; lengthS: number; factor: number }[];
}

export function defaultShape(dayS = 120): LoadShape {
  return {
    base: 15,
    peak: 90,
    dayS,
    bursts: [
      { atS: dayS * 0.3, lengthS: 12, factor: 1.8 },
      { atS: dayS * 0.8, lengthS: 10, factor: 2.2 },
    ],
  };
}

/** Jobs per second at `t` seconds into the run (the shape repeats every day, bursts too). */
export function rateAt(shape: LoadShape, t: number): number {
  const phase = t % shape.dayS;
  let rate = shape.base + ((shape.peak - shape.base) * (1 - Math.cos((2 * Math.PI * phase) / shape.dayS))) / 2;
  for (const b of shape.bursts) {
    const into = phase - b.atS;
    if (into < 0 || into > b.lengthS) continue;
    const ramp = Math.min(1, into / 3, (b.lengthS - into) / 3);
    rate *= 1 + (b.factor - 1) * Math.max(0, ramp);
  }
  return rate;
}

/** Turns a rate into whole jobs per tick, carrying the fraction so the long-run rate is exact. */
export class Arrivals {
  #carry = 0;
  next(rate: number, tickS: number): number {
    const exact = rate * tickS + this.#carry;
    const n = Math.floor(exact);
    this.#carry = exact - n;
    return n;
  }
}
