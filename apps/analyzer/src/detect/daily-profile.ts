import type { Statistic } from './types.js';
import { ewma } from './smoothing.js';

const DAY_MS = 86_400_000;

/** Options of {@link DailyProfile}. */
export interface DailyProfileOptions {
  /** Time-of-day buckets per day (default 96: 15 minutes each). */
  buckets?: number;
  /** Weight of the newest day in each bucket's profile, in (0, 1] (default 0.15: about a week of memory). */
  alpha?: number;
}

/**
 * Deviation from the daily profile: the point minus what this time of day looked like on previous
 * days. The day (UTC) is cut into `buckets` slots; each slot keeps an exponentially weighted mean,
 * over days, of that slot's daily mean (the first days get weight 1/k, a plain mean). A point is
 * compared with its slot's profile built from earlier days only. Needs timestamps (epoch ms):
 * without one, or before its slot has seen a whole earlier day, the statistic is undefined.
 *
 * On a daily-periodic series this removes the cycle (a normal evening peak is not a deviation,
 * a missing one is); on a series without a cycle the profile is a slow level, so spikes and level
 * shifts still show. O(1) per point, O(buckets) memory, whatever the sampling rate.
 */
export class DailyProfile implements Statistic {
  readonly name = 'daily-profile';
  private readonly buckets: number;
  private readonly alpha: number;
  private readonly profile: Float64Array;
  private readonly daysSeen: Int32Array;
  private readonly day: Float64Array;
  private readonly daySum: Float64Array;
  private readonly dayCount: Int32Array;

  constructor(opts: DailyProfileOptions = {}) {
    this.buckets = Math.max(1, Math.floor(opts.buckets ?? 96));
    const alpha = opts.alpha ?? 0.15;
    this.alpha = Number.isFinite(alpha) ? Math.min(1, Math.max(1e-6, alpha)) : 0.15;
    this.profile = new Float64Array(this.buckets);
    this.daysSeen = new Int32Array(this.buckets);
    this.day = new Float64Array(this.buckets).fill(Number.NaN);
    this.daySum = new Float64Array(this.buckets);
    this.dayCount = new Int32Array(this.buckets);
  }

  next(value: number, timestamp?: number): number | undefined {
    if (!Number.isFinite(value) || timestamp === undefined || !Number.isFinite(timestamp)) return undefined;
    const dayNo = Math.floor(timestamp / DAY_MS);
    const b = Math.min(this.buckets - 1, Math.floor(((timestamp - dayNo * DAY_MS) * this.buckets) / DAY_MS));
    if (this.day[b] !== dayNo) {
      // A new day for this slot: fold the slot's last day into its profile.
      const n = this.dayCount[b]!;
      if (n > 0) {
        const mean = this.daySum[b]! / n;
        const seen = this.daysSeen[b]!;
        this.profile[b] = seen === 0 ? mean : ewma(this.profile[b]!, mean, this.alpha, seen + 1);
        this.daysSeen[b] = seen + 1;
      }
      this.day[b] = dayNo;
      this.daySum[b] = 0;
      this.dayCount[b] = 0;
    }
    this.daySum[b]! += value;
    this.dayCount[b]!++;
    return this.daysSeen[b] === 0 ? undefined : value - this.profile[b]!;
  }
}
