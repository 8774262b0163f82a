import { checkedHorizon, makeForecast, zForLevel } from './interval.js';
import type { Forecast } from './types.js';

/**
 * A forecaster that keeps its own state and sees every point once (the {@link ModelSelector}
 * feeds it), instead of refitting on the window: it can remember more than the window holds.
 */
export interface OnlineForecaster {
  /** Absorbs the next point (finite values only). */
  observe(value: number): void;
  /** Forecast h steps past the last point, or null while it cannot. */
  forecast(horizon: number, level?: number): Forecast | null;
}

/** Options of {@link SeasonalProfile}. */
export interface SeasonalProfileOptions {
  /** Season length in steps (>= 2), e.g. a day or a week of steps. */
  period: number;
  /** The horizon it is asked for (its deviation regression is fitted for that lag). */
  horizon: number;
  /** Weight of the newest visit of a slot in the slot's mean (default 0.2; the analyzer's models use {@link PROFILE_DEFAULTS} in selector.ts). */
  alpha?: number;
  /** At most this many slots; a longer period shares a slot between neighbouring steps (default 1008). */
  maxSlots?: number;
  /** Half-life, in points, of the deviation regression's sums (default 500). */
  halfLife?: number;
  /** Model name (default `profile`). */
  name?: string;
  /**
   * Work on sign(y)·ln(1 + |y|) instead of y (default false): bursts count by their ratio, not
   * their size, so the profile and the deviation regression follow the typical level (a median,
   * what the absolute error rewards) instead of being pulled up by bursts.
   */
  log?: boolean;
}

const toLog = (y: number) => Math.sign(y) * Math.log1p(Math.abs(y));
const fromLog = (z: number) => Math.sign(z) * Math.expm1(Math.abs(z));

/**
 * Seasonal profile with a persisting deviation. Each step of the period falls in a slot whose
 * value is an exponentially weighted mean over the slot's visits (the first visits averaged
 * plainly): the profile is what this time of the day (or week) usually looks like, over many
 * periods rather than the single last one a seasonal naive copies. The deviation of a point from
 * its slot, d(t), tends to persist (a busy day stays busy for a while, a burst fades): the forecast
 * h steps ahead is profile(t + h) + a + ρ · d(t), with a and ρ the exponentially weighted
 * least-squares regression of d(t + h) on d(t) (ρ clamped to [0, 1]). So at short horizons it is
 * near the naive forecast, at long ones near the profile. Interval: ± z(level) · RMS of that
 * regression's residuals.
 *
 * State: the slots (value and visit count; at most `maxSlots`, allocated with the first point) and
 * the last `horizon` deviations. O(1) per point. Null until every slot has been visited once.
 */
export class SeasonalProfile implements OnlineForecaster {
  readonly name: string;
  readonly period: number;
  readonly horizon: number;
  private readonly alpha: number;
  private readonly slots: number;
  private readonly decay: number;
  private readonly log: boolean;
  private values: Float64Array | undefined;
  private visits: Uint32Array | undefined;
  private readonly recent: Float64Array;
  private t = 0;
  private last = Number.NaN;
  private sw = 0;
  private sx = 0;
  private sy = 0;
  private sxx = 0;
  private sxy = 0;
  private syy = 0;
  private pairs = 0;

  constructor(opts: SeasonalProfileOptions) {
    if (!Number.isInteger(opts.period) || opts.period < 2) throw new RangeError(`SeasonalProfile period must be an integer >= 2, got ${opts.period}`);
    const h = checkedHorizon(opts.horizon);
    if (h === undefined) throw new RangeError(`SeasonalProfile horizon must be >= 1, got ${opts.horizon}`);
    this.name = opts.name ?? 'profile';
    this.period = opts.period;
    this.horizon = h;
    this.alpha = Math.min(1, Math.max(1e-3, opts.alpha ?? 0.2));
    this.slots = Math.min(this.period, Math.max(1, Math.floor(opts.maxSlots ?? 1008)));
    this.decay = Math.pow(2, -1 / Math.max(1, opts.halfLife ?? 500));
    this.recent = new Float64Array(h).fill(Number.NaN);
    this.log = opts.log ?? false;
  }

  private slotOf(t: number): number {
    return Math.floor(((t % this.period) * this.slots) / this.period);
  }

  /** Absorbs a point: scores its deviation against the earlier ones, then updates its slot. */
  observe(raw: number): void {
    if (!Number.isFinite(raw)) return;
    const value = this.log ? toLog(raw) : raw;
    this.values ??= new Float64Array(this.slots);
    this.visits ??= new Uint32Array(this.slots);
    const slot = this.slotOf(this.t);
    const seen = this.visits[slot]!;
    if (seen > 0) {
      const d = value - this.values[slot]!;
      const at = this.t % this.horizon;
      const x = this.recent[at]!; // the deviation h points before this one
      if (Number.isFinite(x)) {
        const k = this.decay;
        this.sw = k * this.sw + 1;
        this.sx = k * this.sx + x;
        this.sy = k * this.sy + d;
        this.sxx = k * this.sxx + x * x;
        this.sxy = k * this.sxy + x * d;
        this.syy = k * this.syy + d * d;
        this.pairs++;
      }
      this.recent[at] = d;
      this.last = d;
    } else {
      this.recent[this.t % this.horizon] = Number.NaN;
      this.last = Number.NaN;
    }
    // Per point, a slot shared by w steps moves w times per period: scale α so a period moves it by ~α.
    const width = this.period / this.slots;
    const a = Math.max(1 - Math.pow(1 - this.alpha, 1 / width), 1 / (seen + 1));
    this.values[slot] = seen === 0 ? value : this.values[slot]! + a * (value - this.values[slot]!);
    this.visits[slot] = seen + 1;
    this.t++;
  }

  /** The regression of d(t + h) on d(t): intercept, slope (clamped to [0, 1]) and residual RMS. */
  private regression(): { a: number; rho: number; s: number } {
    const w = this.sw;
    const mx = this.sx / w;
    const my = this.sy / w;
    const vx = this.sxx / w - mx * mx;
    const cxy = this.sxy / w - mx * my;
    const vy = this.syy / w - my * my;
    const rho = vx > 0 ? Math.min(1, Math.max(0, cxy / vx)) : 0;
    const a = my - rho * mx;
    const resid = vy - 2 * rho * cxy + rho * rho * vx;
    return { a, rho, s: Math.sqrt(Math.max(0, resid)) };
  }

  forecast(horizon: number, level?: number): Forecast | null {
    const h = checkedHorizon(horizon);
    if (h === undefined || h !== this.horizon || this.t < this.period || this.pairs < 2 * this.horizon + 10 || !Number.isFinite(this.last)) return null;
    const { a, rho, s } = this.regression();
    const target = this.values![this.slotOf(this.t - 1 + h)]!;
    const centre = target + a + rho * this.last;
    const half = zForLevel(level) * s;
    if (!this.log) return makeForecast(this.name, centre, half, h);
    return { model: this.name, value: fromLog(centre), lower: fromLog(centre - half), upper: fromLog(centre + half), horizon: h };
  }
}
