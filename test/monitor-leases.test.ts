import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { MonitorAgent, type Source } from '@awo/monitor';
import { keys as makeKeys, parseConfig, Runtime } from '@awo/shared';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

const AWO = new URL('../packages/cli/bin/awo.js', import.meta.url).pathname;
const SOURCES = ['s1', 's2', 's3', 's4'];

interface Entry {
  id: string;
  /** ms part of the stream id: when Redis added it. */
  at: number;
  series: string;
  ts: number;
  source: string;
  by: string | undefined;
}

/** Every metric in the stream, in order. */
async function entries(redis: Redis, prefix: string): Promise<Entry[]> {
  const rows = await redis.xrange(makeKeys(prefix).stream('metrics'), '-', '+');
  return rows.map(([id, fields]) => {
    const m = JSON.parse(fields[fields.indexOf('data') + 1] as string) as { series: string; ts: number; source: string; labels: Record<string, string> };
    return { id, at: Number(id.split('-')[0]), series: m.series, ts: m.ts, source: m.source, by: m.labels.by };
  });
}

/** (series, ts) pairs seen more than once: a sample published twice. */
function duplicates(list: Entry[]): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const e of list) {
    const k = `${e.series}@${e.ts}`;
    if (seen.has(k)) twice.push(k);
    seen.add(k);
  }
  return twice;
}

/** How often the monitor publishing a source changed, per source: 0 when one monitor published it all along. */
function handovers(list: Entry[], source: string): number {
  const by = list.filter((e) => e.source === source && e.series.endsWith('.x')).map((e) => e.by);
  return by.filter((b, i) => i > 0 && b !== by[i - 1]).length;
}

/** One monitor as an in-process agent with its own runtime, sampling four fake sources that label who sampled them. */
async function monitor(prefix: string, by: string, lease = 1000, interval = 100) {
  const config = parseConfig({ prefix, telemetry: { spanStore: { enabled: false } }, monitor: { interval, lease } });
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {}, instanceSuffix: by });
  let n = 0;
  const sources: Source[] = SOURCES.map((name) => ({
    kind: 'fake',
    name,
    interval: undefined,
    labels: { by },
    sample: async () => [{ series: `fake.${name}.x`, value: ++n }],
    close: async () => undefined,
  }));
  const agent = new MonitorAgent(runtime.deps('monitor'), { sources });
  await agent.start();
  const detail = () => agent.status().detail as { held: string[]; liveMonitors: number };
  return {
    agent,
    runtime,
    held: () => detail().held,
    metrics: () => agent.metrics(),
    async close() {
      await agent.close();
      await runtime.close();
    },
  };
}

describe('several monitors', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('spread the sources 2 and 2, and publish each sample once', async () => {
    const prefix = testPrefix();
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => {
      await cleanupPrefix(prefix);
      await redis.quit();
    });
    const a = await monitor(prefix, 'a');
    cleanups.push(() => a.close());
    expect(a.held()).toEqual(['fake:s1', 'fake:s2', 'fake:s3', 'fake:s4']); // alone, it holds every lease
    await waitFor(async () => (await entries(redis, prefix)).filter((e) => e.by === 'a' && e.series.endsWith('.x')).length >= 8, 'a samples all four');
    const b = await monitor(prefix, 'b');
    cleanups.push(() => b.close());
    await waitFor(() => a.held().length === 2 && b.held().length === 2, 'two sources each', 10_000);
    expect([...a.held(), ...b.held()].sort()).toEqual(['fake:s1', 'fake:s2', 'fake:s3', 'fake:s4']);
    // Run on: each of b's sources published by b a few more times.
    const mark = Date.now();
    await waitFor(async () => {
      const list = await entries(redis, prefix);
      return b.held().every((s) => list.filter((e) => e.source === s && e.by === 'b' && e.at > mark).length >= 5);
    }, 'b samples its sources');
    const list = await entries(redis, prefix);
    expect(duplicates(list)).toEqual([]);
    // Each source went at most once from a to b, and never back and forth.
    for (const s of SOURCES.map((n) => `fake:${n}`)) expect(handovers(list, s), s).toBe(b.held().includes(s) ? 1 : 0);
    // While both ran, the sources b held came only from b.
    for (const s of b.held()) expect(list.filter((e) => e.source === s && e.at > mark && e.by === 'a')).toEqual([]);
    expect(a.metrics()).toMatchObject({ monitor_leases_held: 2, monitor_live_monitors: 2, monitor_lease_takeovers_total: 4, monitor_fenced_publishes_total: 0 });
    expect(b.metrics()).toMatchObject({ monitor_leases_held: 2, monitor_lease_takeovers_total: 2 });

    // A monitor that closes gives its leases back: the other takes all four at its next round.
    await b.close();
    cleanups.pop();
    await waitFor(() => a.held().length === 4, 'a holds all four again', 5000);
  });

  it('refuses a publish once the lease is someone else\'s, and stops sampling that source', async () => {
    const prefix = testPrefix();
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => {
      await cleanupPrefix(prefix);
      await redis.quit();
    });
    const a = await monitor(prefix, 'a', 3000, 50);
    cleanups.push(() => a.close());
    await waitFor(async () => (await entries(redis, prefix)).some((e) => e.source === 'fake:s1'), 'a publishes s1');
    // Another holder takes s1's lease behind a's back (as if a had paused past its lease): its
    // token, and the fence of the metrics stream's slot raised to its newer epoch, at once.
    const k = makeKeys(prefix);
    const lease = k.monitorLease('fake:s1');
    const [, , [, last]] = (await redis.multi().set(lease, 'other:token', 'PX', 60_000).hset(k.fence(k.stream('metrics')), lease, String(Number.MAX_SAFE_INTEGER)).xrevrange(k.stream('metrics'), '+', '-', 'COUNT', 1).exec()) as [unknown, unknown, [null, [string, string[]][]]];
    const lastId = last[0]?.[0] as string;
    await waitFor(() => (a.metrics().monitor_fenced_publishes_total as number) >= 1, 'a publish refused');
    await waitFor(() => !a.held().includes('fake:s1'), 'a gives s1 up at its next renewal', 5000);
    expect(a.metrics().monitor_leases_lost_total).toBe(1);
    // The other sources go on; s1 never again from a (it is someone else's lease).
    const mark = Date.now();
    await waitFor(async () => (await entries(redis, prefix)).filter((e) => e.source === 'fake:s2' && e.at > mark).length >= 3, 'a samples s2 on');
    const after = (await redis.xrange(makeKeys(prefix).stream('metrics'), `(${lastId}`, '+')).map(([, f]) => JSON.parse(f[1] as string) as { source: string });
    expect(after.filter((m) => m.source === 'fake:s1')).toEqual([]);
    expect(a.held()).toEqual(['fake:s2', 'fake:s3', 'fake:s4']);
  });
});

/** `awo monitor` in a child process. */
class MonitorProcess {
  readonly child: ChildProcess;
  output = '';
  constructor(configFile: string) {
    this.child = spawn(process.execPath, [AWO, 'monitor', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => void (this.output.length < 100_000 && (this.output += chunk.toString()));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
  }
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }
}

describe('monitor processes', () => {
  it('after a SIGKILL, the survivor takes the dead one\'s sources within the lease + one interval, and no sample is published twice', async () => {
    const prefix = testPrefix();
    const lease = 1000;
    const interval = 250;
    const dir = mkdtempSync(join(tmpdir(), 'awo-monitors-'));
    const configFile = join(dir, 'awo.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        prefix,
        redis: { url: REDIS_URL },
        log: { level: 'info' },
        telemetry: { spanStore: { enabled: false } },
        monitor: { interval: `${interval}ms`, lease: `${lease}ms`, sources: SOURCES.map((name) => ({ kind: 'system', name })) },
      }),
    );
    const redis = new Redis(REDIS_URL);
    const procs = [new MonitorProcess(configFile), new MonitorProcess(configFile)];
    try {
      const keys = makeKeys(prefix);
      const holders = async () => {
        const tokens = await redis.mget(SOURCES.map((s) => keys.monitorLease(`system:${s}`)));
        // A token is `monitor-<pid>-…:<member>:<uuid>`.
        return tokens.map((t) => Number(/^monitor-(\d+)/.exec(t ?? '')?.[1] ?? 0));
      };
      const pids = procs.map((p) => p.child.pid as number);
      await waitFor(async () => {
        const h = await holders();
        return pids.every((pid) => h.filter((x) => x === pid).length === 2);
      }, 'two sources each', 60_000, 50);
      const victim = 0;
      const h = await holders();
      const theirs = SOURCES.map((s) => `system:${s}`).filter((_, i) => h[i] === pids[victim]);
      const survivor = pids[1 - victim] as number;
      // Let both sample a while, then kill one without warning.
      await waitFor(async () => (await entries(redis, prefix)).filter((e) => theirs.includes(e.source) && e.series.endsWith('.up')).length >= 6, 'the victim samples');
      const killedAt = Date.now();
      await procs[victim]?.kill('SIGKILL');
      await waitFor(async () => {
        const list = await entries(redis, prefix);
        return theirs.every((s) => list.some((e) => e.source === s && e.at > killedAt));
      }, 'the survivor samples the dead one\'s sources', 20_000, 20);
      const list = await entries(redis, prefix);
      const takeoverMs = Math.max(...theirs.map((s) => (list.find((e) => e.source === s && e.at > killedAt)?.at as number) - killedAt));
      console.log(JSON.stringify({ monitorTakeoverMs: takeoverMs, lease, interval }));
      expect((await holders()).every((x) => x === survivor)).toBe(true);
      expect(takeoverMs).toBeLessThanOrEqual(lease + interval);
      expect(duplicates(list)).toEqual([]);
    } finally {
      for (const p of procs) await p.kill('SIGTERM');
      await redis.quit();
      await cleanupPrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
