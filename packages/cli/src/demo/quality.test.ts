import { describe, expect, it } from 'vitest';
import { REDIS_URL } from '@awo/testkit';
import { runQualityDemo } from './quality.js';

describe('data quality, end to end', () => {
  it('a burst of bad records leads to a reroute, nothing is lost across the switches, and the revert follows', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), env: { AWO_LOG_LEVEL: 'error' }, signal: new AbortController().signal };
    // Four real agents on the real Redis: 36 s of orders at 40/s, bad from 12.6 s to 21.6 s.
    const s = await runQualityDemo({ durationS: 36, rate: 40, io, quiet: true, redisUrl: REDIS_URL });
    expect(s.recordsIn).toBeGreaterThan(1300);
    expect(s.recordsLost).toBe(0);
    expect(s.recordsFailed).toBe(0);
    expect(s.recordsStored + s.recordsQuarantined + s.recordsRejected).toBe(s.recordsIn);
    expect(s.rerouteAtS).not.toBeNull();
    expect(s.rerouteAtS!).toBeGreaterThanOrEqual(s.badPhase.fromS);
    expect(s.rerouteAtS!).toBeLessThan(s.badPhase.fromS + 5);
    expect(s.detectionDelayS!).toBeLessThan(5);
    expect(s.revertAtS).not.toBeNull();
    expect(s.revertAtS!).toBeGreaterThan(s.badPhase.toS);
    expect(s.planRevisions).toBe(2);
    // Only the bad records that entered before the reroute reached the store; the rest were quarantined.
    expect(s.badRecordsEscaped).toBeLessThan(s.badRecordsIn * 0.25);
    expect(s.recordsQuarantined).toBe(s.badRecordsIn - s.badRecordsEscaped);
  }, 90_000);
});
