import { describe, expect, it } from 'vitest';
import { shareOf, splitShares } from './share.js';

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

describe('splitShares', () => {
  it('splits 12 over three members as 4/4/4 and over two as 6/6', () => {
    expect([...splitShares(12, ['c', 'a', 'b'])]).toEqual([['a', 4], ['b', 4], ['c', 4]]);
    expect([...splitShares(12, ['c', 'a'])]).toEqual([['a', 6], ['c', 6]]);
  });

  it('gives the remainder to the first members by id, so the shares always sum to the total', () => {
    expect([...splitShares(10, ['m3', 'm1', 'm2'])]).toEqual([['m1', 4], ['m2', 3], ['m3', 3]]);
    for (let total = 0; total <= 50; total++) {
      for (let n = 1; n <= 9; n++) {
        const ids = Array.from({ length: n }, (_, i) => `w${(i * 7) % n}-${i}`);
        const shares = splitShares(total, ids);
        expect(sum(shares)).toBe(total);
        const values = [...shares.values()];
        expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('is the same whatever order the members are listed in, and counts a repeated id once', () => {
    expect(splitShares(7, ['b', 'a', 'c', 'a'])).toEqual(splitShares(7, ['c', 'b', 'a']));
    expect(sum(splitShares(7, ['b', 'a', 'c', 'a']))).toBe(7);
  });

  it('gives 0 to members past the total (they pause) and to an id not listed', () => {
    expect([...splitShares(2, ['a', 'b', 'c'])]).toEqual([['a', 1], ['b', 1], ['c', 0]]);
    expect(shareOf(12, ['a', 'b'], 'z')).toBe(0);
    expect(splitShares(5, []).size).toBe(0);
  });

  it('orders ids by code unit, not by locale', () => {
    expect([...splitShares(3, ['b', 'B', 'a']).keys()]).toEqual(['B', 'a', 'b']);
  });

  it('refuses a total that is not a non-negative integer', () => {
    expect(() => splitShares(-1, ['a'])).toThrow(/non-negative integer/);
    expect(() => splitShares(1.5, ['a'])).toThrow(/non-negative integer/);
  });
});
