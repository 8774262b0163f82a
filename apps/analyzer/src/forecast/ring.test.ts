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
});
