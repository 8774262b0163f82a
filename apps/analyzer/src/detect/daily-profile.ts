import type { Statistic } from './types.js';
import { ewma } from './smoothing.js';

const DAY_MS = 86_400_000;

/** Options of {@link DailyProfile}. */
export interface DailyProfileOptions {
  /** Time-of-day buckets per day (default 96: 15 minutes each). */
  buckets?: number;
  /** Weight of the newest day in each bucket's profile, in (0, 1] (default 0.15: about a week of memory). */
  alpha?: number;
  /** Length of the cycle in ms (default a day; a week gives a weekly profile, with `buckets` per week). */
  periodMs?: number;
  /** Name (default 'daily-profile'). */
  name?: string;
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
  readonly name: string;
  private readonly buckets: number;
  private readonly period: number;
  private readonly alpha: number;
  /** Per-slot state, allocated with the first timestamped point (a series without timestamps never needs it). */
  private slots: { profile: Float64Array; daysSeen: Int32Array; day: Float64Array; daySum: Float64Array; dayCount: Int32Array } | undefined;

  constructor(opts: DailyProfileOptions = {}) {
    this.buckets = Math.max(1, Math.floor(opts.buckets ?? 96));
    this.period = opts.periodMs !== undefined && Number.isFinite(opts.periodMs) && opts.periodMs > 0 ? opts.periodMs : DAY_MS;
    this.name = opts.name ?? 'daily-profile';
    const alpha = opts.alpha ?? 0.15;
    this.alpha = Number.isFinite(alpha) ? Math.min(1, Math.max(1e-6, alpha)) : 0.15;
  }

  next(value: number, timestamp?: number): number | undefined {
    if (!Number.isFinite(value) || timestamp === undefined || !Number.isFinite(timestamp)) return undefined;
    const slots = (this.slots ??= {
      profile: new Float64Array(this.buckets),
      daysSeen: new Int32Array(this.buckets),
      day: new Float64Array(this.buckets).fill(Number.NaN),
      daySum: new Float64Array(this.buckets),
      dayCount: new Int32Array(this.buckets),
    });
    // Weeks are counted from a Monday (1970-01-05), so a weekly bucket is a time of the week.
    const origin = this.period === DAY_MS ? 0 : 4 * DAY_MS;
    const dayNo = Math.floor((timestamp - origin) / this.period);
    const b = Math.min(this.buckets - 1, Math.floor(((timestamp - origin - dayNo * this.period) * this.buckets) / this.period));
    if (slots.day[b] !== dayNo) {
      // A new day for this slot: fold the slot's last day into its profile.
      const n = slots.dayCount[b]!;
      if (n > 0) {
        const mean = slots.daySum[b]! / n;
        const seen = slots.daysSeen[b]!;
        slots.profile[b] = seen === 0 ? mean : ewma(slots.profile[b]!, mean, this.alpha, seen + 1);
        slots.daysSeen[b] = seen + 1;
      }
      slots.day[b] = dayNo;
      slots.daySum[b] = 0;
      slots.dayCount[b] = 0;
    }
    slots.daySum[b]! += value;
    slots.dayCount[b]!++;
    return slots.daysSeen[b] === 0 ? undefined : value - slots.profile[b]!;
  }
}
