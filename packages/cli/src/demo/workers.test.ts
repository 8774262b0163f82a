import { describe, expect, it } from 'vitest';
import { REDIS_URL } from '@awo/testkit';
import { runWorkersDemo } from './workers.js';

describe('the workers demo, end to end', () => {
  it('three real member processes keep the SLO, converge within the TTL + 1 s after a SIGKILL, and never run more than one share over the plan', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), env: { AWO_LOG_LEVEL: 'error' }, signal: new AbortController().signal };
    // Four agents and four @awo/worker processes on the real Redis and NATS: 36 s of the autoscale load.
    const s = await runWorkersDemo({ durationS: 36, dayS: 36, io, quiet: true, redisUrl: REDIS_URL });
    expect(s.scenario).toBe('workers');
    expect(s.members).toBe(3);
    expect(s.jobs).toBeGreaterThan(500);
    expect(s.sloAttainment).toBeGreaterThanOrEqual(0.95);
    expect(s.convergeAfterKillS).not.toBeNull();
    expect(s.convergeAfterKillS!).toBeLessThanOrEqual(s.ttlMs / 1000 + 1);
    expect(s.convergeAfterJoinS).not.toBeNull();
    expect(s.maxConcurrencyOverPlan).toBeLessThanOrEqual(s.maxShare);
    expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
  }, 150_000);
});
