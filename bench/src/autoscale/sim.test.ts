import { describe, expect, it } from 'vitest';
import { JobSource, type JobBatch } from './jobs.js';
import { minuteMet, Oracle } from './oracle.js';
import { FixedPolicy, HpaPolicy } from './policies.js';
import { replay } from './replay.js';
import { interpolatedQuantile } from './arrays.js';
import { PoolSim } from './sim.js';

const jobs = (times: number[], service: number | number[]): JobBatch => ({
  times: Float64Array.from(times),
  services: Float64Array.from(times.map((_, i) => (Array.isArray(service) ? (service[i] as number) : service))),
  n: times.length,
});

describe('PoolSim', () => {
  it('one worker, fixed 1 s service: known waits, FIFO, cost and busy time', () => {
    const sim = new PoolSim({ startupDelay: 0, initialWorkers: 1, targetWait: 0.75 });
    sim.feed(jobs([0, 0.5, 1, 5], 1));
    sim.advance(10);
    // Starts at 0, 1, 2, 5 → waits 0, 0.5, 1, 0.
    expect(sim.started).toBe(4);
    expect(sim.totalWait).toBeCloseTo(1.5, 12);
    expect(sim.startedOverTarget).toBe(1);
    expect(sim.completions).toBe(4);
    expect(sim.busySeconds).toBeCloseTo(4, 12);
    expect(sim.workerSeconds).toBeCloseTo(10, 12);
    expect(sim.closeMinute()).toEqual({ n: 4, over: 1, waitingOver: 0 });
  });

  it('a completion and an arrival at the same instant: the worker takes the new job without a wait', () => {
    const sim = new PoolSim({ startupDelay: 0, initialWorkers: 1, targetWait: 0.5 });
    sim.feed(jobs([0, 1, 2], 1));
    sim.advance(3);
    expect(sim.totalWait).toBe(0);
  });

  it('a new worker takes jobs only after the start-up delay, and costs from the request', () => {
    const sim = new PoolSim({ startupDelay: 2, initialWorkers: 0, targetWait: 1 });
    sim.setTarget(1);
    expect(sim.starting).toBe(1);
    sim.feed(jobs([0.5], 1));
    sim.advance(1);
    expect(sim.backlog).toBe(1);
    sim.advance(4);
    // Ready at 2: the job waited 1.5 s and ran 2 → 3.
    expect(sim.totalWait).toBeCloseTo(1.5, 12);
    expect(sim.workerSeconds).toBeCloseTo(4, 12);
    expect(sim.busySeconds).toBeCloseTo(1, 12);
  });

  it('counts jobs still waiting past the target at the minute’s end', () => {
    const sim = new PoolSim({ startupDelay: 0, initialWorkers: 1, targetWait: 1 });
    sim.feed(jobs([0, 0.1, 0.2, 58.5], 30));
    sim.advance(60);
    // Started: 0 (wait 0), 0.1 at 30 (29.9), 0.2 at 60 (59.8: the completion at 60 runs first);
    // still waiting at 60: 58.5 (1.5 > 1).
    expect(sim.closeMinute()).toEqual({ n: 4, over: 3, waitingOver: 1 });
    expect(minuteMet({ n: 4, over: 3 })).toBe(false);
    expect(minuteMet({ n: 40, over: 2 })).toBe(true); // 38 ≥ ceil(0.95 · 40)
    expect(minuteMet({ n: 40, over: 3 })).toBe(false);
    expect(minuteMet({ n: 0, over: 0 })).toBe(true);
  });

  it('scales down by cancelling starting workers, then idle ones, then retiring busy ones after their job', () => {
    const sim = new PoolSim({ startupDelay: 5, initialWorkers: 3, targetWait: 1 });
    sim.feed(jobs([0, 0], 10));
    sim.advance(1);
    sim.setTarget(5); // 3 ready (2 busy, 1 idle) + 2 starting
    expect([sim.ready, sim.starting]).toEqual([3, 2]);
    sim.setTarget(1); // cancel 2 starting, remove the idle one, retire one busy
    expect([sim.target, sim.starting, sim.idle, sim.busy, sim.retiring]).toEqual([1, 0, 0, 2, 1]);
    sim.advance(20);
    expect([sim.workers, sim.idle, sim.busy]).toEqual([1, 1, 0]);
    // The changes at t = 1 are instant: 3 × 1 s + 2 busy × 9 s (to t = 10) + 1 left × 10 s = 31.
    expect(sim.workerSeconds).toBeCloseTo(31, 12);
    // Scaling up first keeps a retiring worker.
    const s2 = new PoolSim({ startupDelay: 5, initialWorkers: 2, targetWait: 1 });
    s2.feed(jobs([0, 0], 10));
    s2.advance(1);
    s2.setTarget(1);
    s2.setTarget(2);
    expect([s2.retiring, s2.starting]).toEqual([0, 0]);
  });

  it('computes the monitor’s wait p95 by interpolation, with the oldest waiting job', () => {
    expect(interpolatedQuantile(0, new Float64Array(0), 0.95)).toBe(0);
    // 19 zeros and one 2: rank 0.95 · 19 = 18.05 → between 0 and 2 at 0.05 → 0.1.
    expect(interpolatedQuantile(19, Float64Array.of(2), 0.95)).toBeCloseTo(0.1, 12);
    const sim = new PoolSim({ startupDelay: 0, initialWorkers: 1, targetWait: 1, sampleWaits: true });
    sim.feed(jobs([0, 0, 0], 4));
    sim.advance(6);
    // Started: 0 (0), 0 at 4 (4); waiting: one since 0 (age 6) → values 0, 4, 6 → p95 rank 1.9 → 5.8.
    expect(sim.takeWaitP95()).toBeCloseTo(5.8, 12);
    expect(sim.takeWaitP95()).toBeCloseTo(6, 12); // nothing started since; the oldest waits 6 s
  });

  it('restores a snapshot exactly', () => {
    const sim = new PoolSim({ startupDelay: 3, initialWorkers: 2, targetWait: 1 });
    sim.feed(jobs([0, 0.1, 0.2, 0.3, 2, 7], [4, 1, 2, 3, 1, 1]));
    sim.advance(1);
    sim.setTarget(4);
    const snap = sim.snapshot();
    sim.advance(20);
    const after = { w: sim.workerSeconds, s: sim.started, t: sim.totalWait };
    sim.restore(snap);
    sim.advance(20);
    expect({ w: sim.workerSeconds, s: sim.started, t: sim.totalWait }).toEqual(after);
  });
});

describe('JobSource', () => {
  it('replays the same jobs for the same seed, counts per step, and skips missing steps', () => {
    const values = [3, Number.NaN, 2.5, 0];
    const a = new JobSource({ values, stepSec: 60, service: 'fixed', serviceSec: 0.5, seed: 7 });
    const b = new JobSource({ values, stepSec: 60, service: 'fixed', serviceSec: 0.5, seed: 7 });
    expect(a.steps).toBe(3);
    expect(a.duration).toBe(180);
    const first = a.take(60);
    expect(first.n).toBe(3);
    expect([...first.services.subarray(0, 3)]).toEqual([0.5, 0.5, 0.5]);
    const times = [...first.times.subarray(0, 3)];
    expect(times.every((t, i) => t >= 0 && t < 60 && (i === 0 || t >= (times[i - 1] as number)))).toBe(true);
    expect([...b.take(60).times.subarray(0, 3)]).toEqual(times);
    const second = a.take(120); // the 2.5 step: 2 or 3 jobs in [60, 120)
    expect([2, 3]).toContain(second.n);
    expect(a.take(180).n).toBe(0);
  });

  it('splits a coarse step over several takes', () => {
    const src = new JobSource({ values: [600], stepSec: 300, service: 'exponential', serviceSec: 1, seed: 1 });
    let total = 0;
    for (let m = 1; m <= 5; m++) {
      const batch = src.take(60 * m);
      for (let i = 0; i < batch.n; i++) expect(Math.floor((batch.times[i] as number) / 60)).toBe(m - 1);
      total += batch.n;
    }
    expect(total).toBe(600);
  });
});

describe('replay', () => {
  it('scores every minute and counts worker-minutes of a fixed pool', () => {
    const source = new JobSource({ values: [60, 60, 60], stepSec: 60, service: 'fixed', serviceSec: 0.5, seed: 3 });
    const res = replay({ source, policies: [new FixedPolicy(2)], startupDelay: 0, targetWait: 1, initialWorkers: 2 });
    const r = res['fixed-2'];
    expect(r?.minutes).toBe(3);
    expect(r?.workerMinutes).toBeCloseTo(6, 9);
    expect(r?.sloAttainment).toBe(1);
    expect(r?.jobs).toBe(180);
  });

  it('the oracle finds the smallest pool that meets the target in a minute', () => {
    const source = () => new JobSource({ values: [600, 600], stepSec: 60, service: 'fixed', serviceSec: 1, seed: 5 });
    const run = (size: number | undefined) => {
      const sim = new PoolSim({ startupDelay: 30, initialWorkers: 1, targetWait: 0.5 });
      sim.feed(source().take(60));
      let chosen = size;
      if (size === undefined) chosen = new Oracle({ minReplicas: 1, maxReplicas: 50 }).planMinute(sim, 60, 600);
      else {
        sim.setTarget(size, true);
        sim.advance(60);
      }
      return { chosen: chosen as number, met: minuteMet(sim.closeMinute()), cost: sim.workerSeconds };
    };
    const o = run(undefined);
    // 10 jobs/s of 1 s each: at least 10 workers, some slack for random arrivals.
    expect(o.chosen).toBeGreaterThan(10);
    expect(o.chosen).toBeLessThan(20);
    expect(o.met).toBe(true);
    expect(run(o.chosen).met).toBe(true);
    expect(run(o.chosen - 1).met).toBe(false);
    // Started ahead: the added workers' start-up (30 s each) is charged.
    expect(o.cost).toBeCloseTo(run(o.chosen).cost, 9);
    expect(o.cost).toBeGreaterThan(60 * o.chosen + 30 * (o.chosen - 1) - 1e-6);
  });

  it('runs the HPA policy against the simulator', () => {
    const source = new JobSource({ values: [600, 1200, 1200, 1200, 1200], stepSec: 60, service: 'exponential', serviceSec: 0.5, seed: 9 });
    const res = replay({ source, policies: [new HpaPolicy({ targetUtilization: 0.7, minReplicas: 1, maxReplicas: 100 })], startupDelay: 10, targetWait: 1, initialWorkers: 8 });
    // 20 jobs/s × 0.5 s = 10 busy at 70% → about 15 workers by the end.
    expect(res.hpa?.scaleEvents).toBeGreaterThan(0);
    expect(res.hpa?.maxWorkers).toBeGreaterThanOrEqual(14);
  });
});
