import { describe, expect, it } from 'vitest';
import { groupBySlot, keySlot } from './slot.js';

describe('keySlot', () => {
  it('gives the slots Redis Cluster gives (CLUSTER KEYSLOT)', () => {
    // Values from the Redis Cluster specification and `redis-cli CLUSTER KEYSLOT`.
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('')).toBe(0);
  });

  it('hashes only the first non-empty hash tag', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('{awo:p3}:stream:metrics')).toBe(keySlot('{awo:p3}:fence'));
    expect(keySlot('{}foo')).toBe(keySlot('{}foo')); // empty tag: the whole key
    expect(keySlot('{}foo')).not.toBe(keySlot('foo'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
  });

  it('groups items by slot, keeping order within a group', () => {
    const groups = groupBySlot(['{a}:1', '{b}:1', '{a}:2'], (k) => k);
    expect(groups).toEqual([['{a}:1', '{a}:2'], ['{b}:1']]);
  });
});
