import { describe, expect, it } from 'vitest';
import { fnv1a, partitionOf, shareOf } from './partition.js';

describe('partitionOf', () => {
  it('is FNV-1a 32 of the series name (published test vectors), mod P', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    expect(partitionOf('foobar', 6)).toBe(0xbf9cf968 % 6);
  });

  it('puts every series in partition 0 when P is 1, and always in the same one', () => {
    for (const s of ['load.web', 'queue.depth', 'x']) {
      expect(partitionOf(s, 1)).toBe(0);
      expect(partitionOf(s, 7)).toBe(partitionOf(s, 7));
    }
  });

  it('spreads many series near evenly', () => {
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[partitionOf(`series.${i}`, 6)]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOf('a', 0)).toThrow(/partitions/);
    expect(() => partitionOf('a', 1.5)).toThrow(/partitions/);
  });
});

describe('shareOf', () => {
  it('is ceil(P / live analyzers)', () => {
    expect(shareOf(6, 3)).toBe(2);
    expect(shareOf(6, 4)).toBe(2);
    expect(shareOf(6, 2)).toBe(3);
    expect(shareOf(7, 3)).toBe(3);
    expect(shareOf(1, 3)).toBe(1);
  });

  it('counts at least one analyzer', () => {
    expect(shareOf(6, 0)).toBe(6);
    expect(shareOf(6, 1)).toBe(6);
  });
});
