import { gaussian, mulberry32 } from '@awo/shared';

/** When the demo's data goes bad (seconds from the start) and how. */
export interface BadPhase {
  fromS: number;
  toS: number;
  /** Share of the records that break a rule (half a missing amount, half out of range). */
  badShare: number;
}

/** An order of the demo; ids of rule-breaking orders start with `bad-`. */
export interface Order {
  id: string;
  amount: number | null;
  currency: string;
  at: number;
}

/**
 * Orders at a steady rate. In the bad phase a share of them break a rule (a null amount, or one
 * far out of range) and the good ones drift (amounts around 260 instead of 100). Seeded.
 */
export class OrderGenerator {
  readonly #uniform: () => number;
  readonly #normal: () => number;
  #n = 0;
  bad = 0;

  constructor(private readonly phase: BadPhase, seed = 2026) {
    this.#uniform = mulberry32(seed);
    this.#normal = gaussian(mulberry32(seed + 1));
  }

  next(count: number, t: number, now: number): Order[] {
    const inPhase = t >= this.phase.fromS && t < this.phase.toS;
    return Array.from({ length: count }, () => {
      const n = ++this.#n;
      const mean = inPhase ? 260 : 100;
      const amount = Math.max(0, Math.min(1000, Math.round(mean + 25 * this.#normal())));
      if (inPhase && this.#uniform() < this.phase.badShare) {
        this.bad++;
        return { id: `bad-${n}`, amount: this.#uniform() < 0.5 ? null : 5000 + amount, currency: 'EUR', at: now };
      }
      return { id: `ok-${n}`, amount, currency: 'EUR', at: now };
    });
  }
}
