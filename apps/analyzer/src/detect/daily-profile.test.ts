import { describe, it, expect } from 'vitest';
import { DailyProfile } from './daily-profile.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;

/** 10 during the night, 30 from 09:00 to 17:00. */
function level(t: number): number {
  const hour = new Date(t).getUTCHours();
  return hour >= 9 && hour < 17 ? 30 : 10;
}

describe('DailyProfile', () => {
  it('learns the daily cycle: a normal day deviates by nothing, a day without its peak by the peak', () => {
    const p = new DailyProfile();
    const byDay: number[] = [];
    for (let day = 0; day < 6; day++) {
      let worst = 0;
      for (let m = 0; m < 24 * 60; m += 5) {
        const t = T0 + (day * 24 * 60 + m) * MIN;
        const v = day === 5 ? 10 : level(t); // day 5: the 09:00-17:00 peak is missing
        const d = p.next(v, t);
        if (day === 0) expect(d).toBeUndefined(); // no earlier day yet
        else worst = Math.max(worst, Math.abs(d ?? 0));
      }
      byDay.push(worst);
    }
    expect(byDay.slice(1, 5)).toEqual([0, 0, 0, 0]);
    expect(byDay[5]).toBe(20);
  });

  it('does not depend on the sampling rate, and is signed', () => {
    const fast = new DailyProfile({ buckets: 24 });
    const slow = new DailyProfile({ buckets: 24 });
    for (let m = 0; m < 3 * 24 * 60; m++) {
      const t = T0 + m * MIN;
      fast.next(level(t), t);
      if (m % 15 === 0) slow.next(level(t), t);
    }
    const t = T0 + (3 * 24 * 60 + 10 * 60) * MIN; // 10:00 on day 3
    expect(fast.next(45, t)).toBe(15);
    expect(slow.next(45, t)).toBe(15);
    expect(fast.next(5, t + MIN)).toBe(-25);
  });

  it('is undefined without a timestamp or for a non-finite value', () => {
    const p = new DailyProfile();
    expect(p.next(1)).toBeUndefined();
    expect(p.next(Number.NaN, T0)).toBeUndefined();
  });

  it('with a week as the period, compares a weekend with earlier weekends (weeks start on Monday)', () => {
    const DAY = 24 * 60 * MIN;
    const monday = Date.UTC(2024, 0, 1); // a Monday
    const weekly = new DailyProfile({ buckets: 7 * 24, periodMs: 7 * DAY, name: 'weekly-profile' });
    const daily = new DailyProfile({ buckets: 24 });
    expect(weekly.name).toBe('weekly-profile');
    // Weekdays at 30, weekends at 10; three weeks learned, then a weekend point of week 4.
    const value = (t: number) => ([0, 6].includes(new Date(t).getUTCDay()) ? 10 : 30);
    for (let t = monday; t < monday + 21 * DAY; t += 60 * MIN) {
      weekly.next(value(t), t);
      daily.next(value(t), t);
    }
    const saturday = monday + 26 * DAY + 12 * 60 * MIN;
    expect(weekly.next(10, saturday)).toBe(0); // a normal weekend
    expect(Math.abs(daily.next(10, saturday) ?? 0)).toBeGreaterThan(5); // the daily profile mixes weekdays in
  });
});
