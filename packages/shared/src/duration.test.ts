import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['2d', 172_800_000],
    ['1500', 1500],
    [42, 42],
  ])('%s → %d ms', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each(['', '5 minutes', '10x', 's', '-1s', '1s garbage'])('refuses %j', (input) => {
    expect(() => parseDuration(input)).toThrow(/not a duration/);
  });

  it('formats for people', () => {
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(12)).toBe('12ms');
  });
});
