import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, isAwoError, keys as makeKeys, Lease, partitionOf, RedisBus, type MessageInput } from '@awo/shared';
import { PlannerAgent } from '@awo/planner';
import { parseConfig, Runtime } from '@awo/shared';
import { AgentProcess, groupState } from './chaos/harness.js';
import { busConfig, cleanup, cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

/** A forecast insight as read back: who published it (the holder of the lease token), its series, point time and cited metric ids. */
interface Seen {
  holder: string;
  series: string;
  ts: number;
  metricIds: string[];
}

const SERIES = Array.from({ length: 24 }, (_, i) => `part.s${i}`);
const LEASE_TTL = 2000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** N analyzer processes on partitions of the real Redis, a publisher, and readers of the leases and insights. */
async function setup(partitions: number, analyzers: number) {
  const prefix = testPrefix();
  const k = makeKeys(prefix);
  const dir = mkdtempSync(join(tmpdir(), 'awo-partitions-'));
  const configFile = join(dir, 'awo.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      prefix,
      redis: { url: REDIS_URL },
      log: { level: 'info' },
      bus: { partitions, block: 200, ackInterval: 5, claimInterval: 200, closeGrace: '2s' },
      analyzer: { leaseTtl: LEASE_TTL, forecast: [{ series: 'part.*', horizon: '5s', step: '1s', models: ['naive', 'linear-trend'] }] },
    }),
  );
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const bus = new RedisBus({ redis, config: busConfig({ partitions }), prefix, log: quietLogger() });
  const procs = Array.from({ length: analyzers }, () => new AgentProcess('analyzer', configFile));
  cleanups.push(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await bus.close();
    await cleanup(redis, prefix);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });
  let round = 0;
  let cursor = '0-0';
  const seen: Seen[] = [];
  return {
    k,
    redis,
    bus,
    procs,
    /** Starts one more analyzer process. */
    join(): AgentProcess {
      const proc = new AgentProcess('analyzer', configFile);
      procs.push(proc);
      return proc;
    },
    /** Waits (bounded) until every partition is held and each of `n` analyzers holds its share. */
    async balanced(n: number, timeoutMs = 30_000): Promise<(string | null)[]> {
      let h: (string | null)[] = [];
      await waitFor(async () => {
        h = await this.holders();
        const per = new Map<string, number>();
        for (const x of h) if (x !== null) per.set(x, (per.get(x) ?? 0) + 1);
        return h.every((x) => x !== null) && per.size === n && [...per.values()].every((c) => c === Math.ceil(partitions / n) || c === Math.floor(partitions / n));
      }, `the ${partitions} partitions spread over ${n} analyzers`, timeoutMs, 50);
      return h;
    },
    /** The holder (instance) of each partition's lease, null when free. */
    async holders(): Promise<(string | null)[]> {
      const tokens = partitions === 1 ? [] : await redis.mget(...Array.from({ length: partitions }, (_, n) => k.partitionLease(n, partitions)));
      return tokens.map((t) => (t === null ? null : t.slice(0, t.lastIndexOf(':'))));
    },
    /** Publishes one point of every series (value 2·round, so a trend is exact); returns the round's point time. */
    async publish(): Promise<number> {
      round++;
      const ts = 1_700_000_000_000 + round * 1000;
      await bus.publish('metrics', SERIES.map((series): MessageInput<'metrics'> => ({ v: 1, series, value: 2 * round, ts, source: 'test' })));
      return ts;
    },
    /** Reads the new forecast insights. */
    async read(): Promise<Seen[]> {
      const rows = (await redis.xrange(k.stream('insights'), `(${cursor}`, '+')) as [string, string[]][];
      for (const [id, fields] of rows) {
        cursor = id;
        const d = decode('insights', fields);
        const at = fields.indexOf('lease');
        const lease = at >= 0 ? (fields[at + 1] ?? '') : '';
        if (d.ok && d.message.kind === 'forecast') seen.push({ holder: lease.slice(0, lease.lastIndexOf(':')), series: d.message.series, ts: d.message.ts, metricIds: d.message.metricIds });
      }
      return seen;
    },
    /** Publishes a round and waits (bounded) until every series has its forecast for it. */
    async step(timeoutMs = 10_000): Promise<number> {
      const ts = await this.publish();
      await waitFor(async () => {
        const all = await this.read();
        const done = new Set(all.filter((s) => s.ts === ts).map((s) => s.series));
        return done.size === SERIES.length;
      }, `forecasts of every series for the point at ${ts}`, timeoutMs, 20);
      return ts;
    },
  };
}

describe('partitioned metrics, analyzers owning partitions by lease', () => {
  it('with three analyzers and P = 6: each series from one analyzer at a time, in order, none lost when one is SIGKILLed, and the takeover goes on without a cold start', async () => {
    const t = await setup(6, 3);
    // Balanced: each analyzer holds its share, ceil(6 / 3) = 2.
    await waitFor(async () => {
      const h = await t.holders();
      const per = new Map<string, number>();
      for (const x of h) if (x !== null) per.set(x, (per.get(x) ?? 0) + 1);
      return h.every((x) => x !== null) && per.size === 3 && [...per.values()].every((n) => n === 2);
    }, 'the six partitions spread two per analyzer', 30_000, 50);
    const before = await t.holders();
    const rounds: number[] = [];
    for (let i = 0; i < 12; i++) rounds.push(await t.step(30_000));

    // SIGKILL the holder of the first partition: no drain, no release.
    const victimName = before[0] as string;
    const victim = t.procs.find((p) => victimName.endsWith(`-${p.pid}`));
    expect(victim, `the process of ${victimName}`).toBeDefined();
    const killedAt = Date.now();
    await victim?.kill('SIGKILL');
    const moved = before.flatMap((h, n) => (h === victimName ? [n] : []));
    await waitFor(async () => {
      const h = await t.holders();
      return moved.every((n) => h[n] !== null && h[n] !== victimName);
    }, 'the dead analyzer\'s partitions taken over', LEASE_TTL * 3, 20);
    const takeoverMs = Date.now() - killedAt;
    // Within the lease TTL plus one round (a quarter of it) and the rebuild.
    expect(takeoverMs).toBeLessThan(LEASE_TTL * 1.25 + 1500);
    for (let i = 0; i < 8; i++) rounds.push(await t.step(LEASE_TTL * 4));

    const seen = await t.read();
    const after = await t.holders();
    for (const series of SERIES) {
      const mine = seen.filter((s) => s.series === series);
      // None lost: a forecast for every round.
      expect(new Set(mine.map((s) => s.ts)), series).toEqual(new Set(rounds));
      // In order (a point the dead analyzer analyzed but never acked may come once more, from the new owner).
      for (let i = 1; i < mine.length; i++) expect((mine[i] as Seen).ts, `${series} in order`).toBeGreaterThanOrEqual((mine[i - 1] as Seen).ts);
      // One analyzer at a time: at most one switch, away from the dead one, to the partition's new owner.
      const runs = mine.map((s) => s.holder).filter((h, i, a) => i === 0 || h !== a[i - 1]);
      const p = partitionOf(series, 6);
      if (moved.includes(p)) {
        expect(runs, series).toEqual([victimName, after[p]]);
        // Rebuilt, not cold: the first forecast after the takeover cites the points before it (8 causes).
        const first = mine.find((s) => s.holder === after[p]) as Seen;
        expect(first.metricIds.length, `${series}: causes cited by the first forecast after takeover`).toBe(8);
      } else expect(runs, series).toEqual([before[p]]);
    }
    // Everything read was acknowledged: nothing left pending in any partition.
    for (let n = 0; n < 6; n++) {
      const pending = (await t.redis.xpending(t.k.metricsPartition(n, 6), 'analyzer')) as [number];
      expect(pending[0], `pending on partition ${n}`).toBe(0);
    }
    // Balance: series per analyzer before and after the death (max / mean).
    const balance = (h: (string | null)[]) => {
      const per = new Map<string, number>();
      for (const series of SERIES) {
        const owner = h[partitionOf(series, 6)] as string;
        per.set(owner, (per.get(owner) ?? 0) + 1);
      }
      const counts = [...per.values()];
      return { perAnalyzer: counts, maxOverMean: Math.max(...counts) / (SERIES.length / counts.length) };
    };
    console.log(JSON.stringify({ takeoverMs, leaseTtlMs: LEASE_TTL, moved, balanceBefore: balance(before), balanceAfter: balance(after) }));
  }, 120_000);

  it('a joining analyzer takes its share as the others give extras back, each series moving once and going on from its rebuilt state', async () => {
    const t = await setup(6, 2);
    const before = await t.balanced(2);
    const rounds: number[] = [];
    for (let i = 0; i < 10; i++) rounds.push(await t.step(30_000));
    const joined = t.join();
    const after = await t.balanced(3);
    expect(after.filter((h) => h === `analyzer-${joined.pid}`)).toHaveLength(2);
    for (let i = 0; i < 6; i++) rounds.push(await t.step(30_000));
    const seen = await t.read();
    for (const series of SERIES) {
      const mine = seen.filter((s) => s.series === series);
      expect(new Set(mine.map((s) => s.ts)), series).toEqual(new Set(rounds));
      for (let i = 1; i < mine.length; i++) expect((mine[i] as Seen).ts, `${series} in order`).toBeGreaterThan((mine[i - 1] as Seen).ts);
      const p = partitionOf(series, 6);
      const runs = mine.map((s) => s.holder).filter((h, i, a) => i === 0 || h !== a[i - 1]);
      expect(runs, series).toEqual(before[p] === after[p] ? [before[p]] : [before[p], after[p]]);
      if (before[p] !== after[p]) expect((mine.find((s) => s.holder === after[p]) as Seen).metricIds.length, `${series} rebuilt`).toBe(8);
    }
  }, 120_000);

  it('P = 1 behaves as today: one metrics stream, no partition streams or leases', async () => {
    const t = await setup(1, 1);
    for (let i = 0; i < 3; i++) await t.step(30_000);
    expect(await t.redis.xlen(t.k.stream('metrics'))).toBe(3 * SERIES.length);
    expect(await t.redis.exists(t.k.metricsPartition(0, 1), t.k.partitionLease(0, 1), t.k.analyzerMembers)).toBe(0);
    expect((await t.read()).every((s) => s.holder === '')).toBe(true);
  }, 60_000);

  it('fences insight publishes: a token that does not hold the lease publishes nothing', async () => {
    const prefix = testPrefix();
    const k = makeKeys(prefix);
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
    const bus = new RedisBus({ redis, config: busConfig({ partitions: 4 }), prefix, log: quietLogger() });
    cleanups.push(async () => {
      await bus.close();
      await cleanup(redis, prefix);
      await redis.quit();
    });
    const holder = new Lease(redis, k.partitionLease(2, 4), 5000, 'a');
    const loser = new Lease(redis, k.partitionLease(2, 4), 5000, 'b');
    expect(await holder.acquire()).toBe(true);
    expect(await loser.acquire()).toBe(false);
    const insight: MessageInput<'insights'> = { v: 1, id: 'i1', kind: 'forecast', series: 'x', ts: Date.now(), metricIds: [], model: 'naive', value: 1, lower: 0, upper: 2, horizonMs: 1000, observed: 1 };
    const err = await bus.publish('insights', insight, { fence: loser }).catch((e: unknown) => e);
    expect(isAwoError(err, 'AWO_LEASE_LOST')).toBe(true);
    expect(await redis.xlen(k.stream('insights'))).toBe(0);
    const [id] = await bus.publish('insights', insight, { fence: holder });
    const rows = (await redis.xrange(k.stream('insights'), id as string, id as string)) as [string, string[]][];
    expect(rows[0]?.[1]).toContain(holder.token);
    // Metrics go to their series' partition, never to the single stream.
    await bus.publish('metrics', { v: 1, series: 'load.web', value: 1, ts: Date.now(), source: 'test' });
    expect(await redis.xlen(k.metricsPartition(partitionOf('load.web', 4), 4))).toBe(1);
    expect(await redis.xlen(k.stream('metrics'))).toBe(0);
  });

  it('the planner reads every partition', async () => {
    const prefix = testPrefix();
    const rt = new Runtime({ config: parseConfig({ prefix, bus: { partitions: 4, block: 100, ackInterval: 5 }, planner: { lease: '2s' } }), redisUrl: REDIS_URL, log: quietLogger(), env: {} });
    const planner = new PlannerAgent(rt.deps('planner'));
    cleanups.push(async () => {
      await planner.close();
      await rt.close();
      await cleanupPrefix(prefix);
    });
    await planner.start();
    await waitFor(() => planner.isLeader, 'leadership');
    await rt.bus.publish('metrics', SERIES.map((series) => ({ v: 1 as const, series, value: 1, ts: Date.now(), source: 'test' })));
    const per = new Array<number>(4).fill(0);
    for (const series of SERIES) per[partitionOf(series, 4)]!++;
    await waitFor(async () => {
      const states = await Promise.all(per.map((_, n) => groupState(rt.redis, rt.keys.metricsPartition(n, 4), 'planner')));
      return states.every((st, n) => st !== undefined && st.entriesRead === per[n] && st.pending === 0);
    }, 'the planner group through every partition', 10_000, 20);
    expect(per.filter((c) => c > 0).length).toBeGreaterThan(1);
  });
});
