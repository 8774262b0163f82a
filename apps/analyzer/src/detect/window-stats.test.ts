import { describe, it, expect } from 'vitest';
import { SlidingMax, SortedWindow } from './window-stats.js';
import { mulberry32 } from '@awo/shared';

function bruteMedian(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

describe('SortedWindow', () => {
  it('keeps the median and quantiles of the last N values, with ties and evictions', () => {
    const rand = mulberry32(1);
    const w = new SortedWindow(7);
    const all: number[] = [];
    for (let i = 0; i < 500; i++) {
      const x = Math.floor(rand() * 5); // many ties
      const evicted = w.push(x);
      all.push(x);
      expect(evicted).toBe(all.length > 7 ? all[all.length - 8] : undefined);
      const last = all.slice(-7);
      expect(w.length).toBe(last.length);
      expect(w.median()).toBe(bruteMedian(last));
      const s = [...last].sort((a, b) => a - b);
      expect(w.quantile(0)).toBe(s[0]);
      expect(w.quantile(1)).toBe(s[s.length - 1]);
    }
    expect(w.quantile(0.5)).toBe(w.median());
  });

  it('refuses non-finite values and is empty after clear', () => {
    const w = new SortedWindow(3);
    expect(() => w.push(Number.NaN)).toThrow(RangeError);
    w.push(1);
    w.clear();
    expect(w.length).toBe(0);
    expect(w.median()).toBeNaN();
    expect(() => new SortedWindow(0)).toThrow(RangeError);
  });
});

describe('SlidingMax', () => {
  it('is the maximum of the last `horizon` values', () => {
    const rand = mulberry32(2);
    const m = new SlidingMax(25);
    const all: number[] = [];
    expect(m.max()).toBe(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < 2000; i++) {
      // long decreasing runs fill the deque to its bound
      const x = i % 300 < 100 ? 1000 - i : rand() * 100;
      m.push(x);
      all.push(x);
      expect(m.max()).toBe(Math.max(...all.slice(-25)));
    }
    expect(m.count).toBe(2000);
  });
});

describe('lazy growth', () => {
  it('SortedWindow grows with what it holds and keeps its median through each growth', () => {
    const rand = mulberry32(3);
    const w = new SortedWindow(200);
    expect(w.allocated).toBe(0);
    const all: number[] = [];
    for (let i = 0; i < 600; i++) {
      const x = rand() * 100;
      w.push(x);
      all.push(x);
      expect(w.median()).toBe(bruteMedian(all.slice(-200)));
      if (i === 0) expect(w.allocated).toBe(16);
    }
    expect(w.allocated).toBe(200);
  });

  it('SlidingMax holds only its monotonic deque: noise needs far less than the horizon, a falling run grows it', () => {
    const rand = mulberry32(4);
    const noisy = new SlidingMax(6000);
    const xs: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = rand();
      noisy.push(x);
      xs.push(x);
      if (i % 997 === 0) expect(noisy.max()).toBe(Math.max(...xs.slice(-6000)));
    }
    expect(noisy.allocated).toBeLessThanOrEqual(64);
    const falling = new SlidingMax(100);
    for (let i = 0; i < 300; i++) {
      falling.push(1000 - i);
      expect(falling.max()).toBe(1000 - Math.max(0, i - 99));
    }
    expect(falling.allocated).toBe(100);
  });
});
