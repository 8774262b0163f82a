import { describe, expect, it } from 'vitest';
import { decode, encode } from './codec.js';

const fields = (ts: number) => encode({ v: 1, series: 's', value: 1, ts, source: 'x', labels: {} }, {});

describe('decode with a clock', () => {
  it('refuses a timestamp further ahead of the given clock than the skew, and only then', () => {
    const now = 1_000_000;
    expect(decode('metrics', fields(now + 5000), { now, maxSkew: 5000 }).ok).toBe(true);
    const ahead = decode('metrics', fields(now + 5001), { now, maxSkew: 5000 });
    expect(ahead).toMatchObject({ ok: false, code: 'AWO_CLOCK_SKEW', issues: [{ path: 'ts' }] });
    // The same entry passes on a clock that is itself ahead: the check is the receiver's clock, injected.
    expect(decode('metrics', fields(now + 60_000), { now: now + 59_000, maxSkew: 5000 }).ok).toBe(true);
    // Without a clock (tools reading history), nothing is refused for its time.
    expect(decode('metrics', fields(now + 10 ** 9)).ok).toBe(true);
  });
});
