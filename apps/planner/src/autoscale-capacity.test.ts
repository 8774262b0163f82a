import { describe, expect, it } from 'vitest';
import { autoscaleGoalSchema } from '@awo/shared';
import { decideAutoscale, type AutoscaleInputs, type AutoscaleMemory } from './autoscale.js';
import { capacityCeiling, fitUsl, uslThroughput } from './capacity.js';
import { AutoscaleGoalState } from './goal-state.js';
import { MemberTotals } from './members.js';

const goal = autoscaleGoalSchema.parse({
  kind: 'autoscale', name: 'g', step: 'work', metric: 'wait', target: 2000, arrivalSeries: 'a', completionSeries: 'c', activeSeries: 'x', backlogSeries: 'b',
  min: 1, max: 20, targetUtilization: 0.8, maxStep: 20, cooldown: '5s', scaleDownStabilization: '30s', staleAfter: '10s',
});
const now = 1_000_000;
const mem = (): AutoscaleMemory => ({ recommendations: [] });
const curve = { lambda: 10, sigma: 0.1, kappa: 0.025 }; // N* = 6
const ceiling = capacityCeiling(fitUsl([1, 4, 9, 16].map((n) => ({ n, x: uslThroughput(curve, n), samples: 3 }))));
const load = (value: number, over: Partial<AutoscaleInputs> = {}): AutoscaleInputs => ({ now, current: 2, throughput: 10, forecast: { value, upper: value, ts: now, horizonMs: 5000, model: 'm' }, ...over });

describe('decideAutoscale with the capacity ceiling', () => {
  it('never scales past N*, and the reason says so with σ, κ and N*', () => {
    expect(ceiling?.n).toBe(6);
    const without = decideAutoscale(goal, load(120), mem());
    expect(without.desired).toBe(15);
    const d = decideAutoscale(goal, load(120, ceiling ? { ceiling } : {}), mem());
    expect([d.desired, d.recommended]).toEqual([6, 6]);
    expect(d.reason).toMatch(/throughput peaks at N\* = 6 \(USL fit over 4 concurrency levels: λ 10\.00\/s, σ 0\.10, κ 0\.025\)/);
  });

  it('adds no worker past N* when the metric breaks its target, and brings a pool above N* down to it', () => {
    const breached = decideAutoscale(goal, load(20, { current: 6, metric: { value: 5000, ts: now }, ...(ceiling ? { ceiling } : {}) }), mem());
    expect(breached.desired).toBe(6);
    // Held neither by the tolerance band nor by the stabilisation window's older, higher recommendations.
    const memory: AutoscaleMemory = { recommendations: [{ ts: now - 1000, value: 12 }] };
    const above = decideAutoscale(goal, load(90, { current: 12, ...(ceiling ? { ceiling } : {}) }), memory);
    expect(above.desired).toBe(6);
    expect(above.reason).toMatch(/N\* = 6/);
  });

  it('caps a fixed fallback size at N* too, and holds as it is told', () => {
    const stale = { now, current: 9, throughput: 10, ...(ceiling ? { ceiling } : {}) };
    const fixed = decideAutoscale({ ...goal, fallback: { fixed: 10 } }, stale, mem());
    expect(fixed.desired).toBe(6);
    expect(fixed.reason).toMatch(/fixed size 10; capacity: throughput peaks at N\* = 6/);
    expect(decideAutoscale({ ...goal, fallback: { fixed: 4 } }, stale, mem()).desired).toBe(4);
    expect(decideAutoscale({ ...goal, fallback: 'hold' }, stale, mem()).desired).toBe(9);
  });

  it('says nothing of capacity where the ceiling does not bind, and never goes below min', () => {
    const d = decideAutoscale(goal, load(24, ceiling ? { ceiling } : {}), mem());
    expect(d.desired).toBe(3);
    expect(d.reason).not.toMatch(/N\*/);
    const high = decideAutoscale({ ...goal, min: 8 }, load(24, { current: 8, ...(ceiling ? { ceiling } : {}) }), mem());
    expect(high.desired).toBe(8);
  });
});

describe('AutoscaleGoalState capacity learning', () => {
  const state = () => new AutoscaleGoalState(goal);
  /** One monitor sample: completions, busy workers and backlog at one timestamp. */
  const sample = (s: AutoscaleGoalState, ts: number, completions: number, active: number, backlog: number) => {
    s.observe('c', completions, ts, `${ts}-0`);
    s.observe('x', active, ts, `${ts}-1`);
    s.observe('b', backlog, ts, `${ts}-2`);
  };

  it('learns X(N) only from saturated, steady samples', () => {
    const s = state();
    let ts = 0;
    for (const n of [2, 5, 9]) for (let i = 0; i < 4; i++) sample(s, (ts += 500), uslThroughput(curve, n), n, 50);
    // Idle (no backlog) and moving (busy changed since the sample before) samples teach nothing.
    sample(s, (ts += 500), 1, 14, 0);
    sample(s, (ts += 500), 1, 14, 0);
    sample(s, (ts += 500), 3, 3, 40);
    expect(s.capacity.points()).toEqual([2, 5, 9].map((n) => ({ n, x: uslThroughput(curve, n), samples: 3 })));
    expect(s.capacity.fit()).toMatchObject({ ok: true, fit: { levels: 3 } });
  });

  it('learns from the worker members\' own series, summed over the live members, while a backlog waits', () => {
    const s = state();
    expect(s.series).toEqual(expect.arrayContaining(['worker.work.jobs_per_s', 'worker.work.concurrency']));
    let ts = 0;
    s.observe('b', 10, 0, '0-0');
    // Three members share N as evenly as they can; each reports its share and its own jobs/s.
    for (const n of [3, 6, 12]) for (let i = 0; i < 3; i++) {
      for (const m of [0, 1, 2]) {
        ts += 100;
        const share = Math.floor(n / 3) + (m < n % 3 ? 1 : 0);
        s.observe('worker.work.jobs_per_s', (uslThroughput(curve, n) * share) / n, ts, `${ts}-0`, { member: `m${m}` });
        s.observe('worker.work.concurrency', share, ts, `${ts}-1`, { member: `m${m}` });
      }
    }
    // Each level's totals come out right once every member has reported at it.
    const points = s.capacity.points();
    for (const n of [3, 6, 12]) expect(points.find((p) => p.n === n)?.x).toBeCloseTo(uslThroughput(curve, n), 6);
    // A member gone silent for longer than staleAfter no longer counts; with no backlog nothing is learned.
    s.observe('b', 0, ts, 'x');
    const before = JSON.stringify(s.capacity.points());
    s.observe('worker.work.jobs_per_s', 1, (ts += 500), 'y', { member: 'm0' });
    s.observe('worker.work.concurrency', 20, ts, 'z', { member: 'm0' });
    expect(JSON.stringify(s.capacity.points())).toBe(before);
    expect(s.members.observe('concurrency', 'm9', 2, ts + 60_000)).toBeUndefined();
    expect(s.members.observe('jobsPerS', 'm9', 7, ts + 60_000)).toEqual({ n: 2, x: 7 });
    // A report without a member label is not a member's.
    expect(s.members.observe('jobsPerS', undefined, 7, ts)).toBeUndefined();
  });

  it('tracks a bounded number of members, refusing and counting one more', () => {
    const totals = new MemberTotals(10_000, 2);
    totals.observe('concurrency', 'a', 1, 1);
    totals.observe('concurrency', 'b', 1, 1);
    expect(totals.observe('concurrency', 'c', 1, 1)).toBeUndefined();
    expect(totals.refused).toBe(1);
  });
});
