import { describe, it, expect } from 'vitest';
import { Ring } from './ring.js';

describe('Ring', () => {
  it('keeps the last `capacity` values, oldest first', () => {
    const r = new Ring(3);
    expect(r.length).toBe(0);
    expect(r.last()).toBeUndefined();
    expect(r.toArray()).toEqual([]);
    for (const v of [1, 2]) r.push(v);
    expect(r.toArray()).toEqual([1, 2]);
    for (const v of [3, 4, 5]) r.push(v);
    expect(r.length).toBe(3);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect(r.last()).toBe(5);
    expect(r.at(0)).toBe(3);
    expect(r.at(3)).toBeUndefined();
    r.clear();
    expect(r.length).toBe(0);
  });

  it('rejects a bad capacity', () => {
    expect(() => new Ring(0)).toThrow(RangeError);
    expect(() => new Ring(1.5)).toThrow(RangeError);
  });

  it('allocates as values arrive, doubling up to its capacity, and keeps the order across growth', () => {
    const r = new Ring(6000);
    expect(r.allocated).toBe(0);
    r.push(1);
    expect(r.allocated).toBe(16);
    for (let i = 2; i <= 17; i++) r.push(i);
    expect(r.allocated).toBe(32);
    expect(r.toArray()).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    for (let i = 18; i <= 10_000; i++) r.push(i);
    expect(r.allocated).toBe(6000);
    expect(r.length).toBe(6000);
    expect(r.at(0)).toBe(4001);
    expect(r.last()).toBe(10_000);
  });

  it('behaves like a preallocated ring at every capacity', () => {
    for (const cap of [1, 2, 15, 16, 17, 33, 100]) {
      const r = new Ring(cap);
      const ref: number[] = [];
      for (let i = 0; i < 3 * cap + 5; i++) {
        const dropped = r.push(i);
        ref.push(i);
        expect(dropped).toBe(ref.length > cap ? ref.shift() : undefined);
        expect(r.toArray()).toEqual(ref);
      }
      expect(r.allocated).toBe(cap);
    }
  });
});
