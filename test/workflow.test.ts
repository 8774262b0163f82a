import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { applyChanges, parseConfig, PlanStore, Runtime, type Change, type ConfigInput, type Plan } from '@awo/shared';
import { ExecutorAgent } from '@awo/executor';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

const GATE = fileURLToPath(new URL('./handlers/gate.ts', import.meta.url));
type Gate = { awoGate?: Promise<void>; awoFailOnce?: Set<string>; awoSeen?: string[] };
const g = globalThis as Gate;
afterEach(() => {
  delete g.awoGate;
  delete g.awoFailOnce;
  delete g.awoSeen;
});

/** ingest → validate → (geo ∥ price) → store, with strict-validation + quarantine to insert. */
function workflowConfig(prefix: string): ConfigInput {
  return {
    prefix,
    bus: { block: 200, ackInterval: 5, claimInterval: 100 },
    workflow: {
      schema: { fields: { id: { type: 'string', required: true }, amount: { type: 'number', required: true, min: 0, max: 100 } }, key: 'id' },
      steps: {
        ingest: { handler: GATE, backoff: 10 },
        validate: { handler: 'validate', after: ['ingest'] },
        geo: { handler: 'enrich', after: ['validate'], params: { 'field.region': 'eu' } },
        price: { handler: 'enrich', after: ['validate'], params: { 'field.currency': 'EUR' } },
        store: { handler: 'sink', after: ['geo', 'price'] },
      },
      extraSteps: {
        strict: { handler: 'strict-validation', onFail: 'quarantine' },
        quarantine: { handler: 'sink' },
      },
    },
  };
}

function harness() {
  const prefix = testPrefix();
  const config = parseConfig(workflowConfig(prefix));
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
  const deps = runtime.deps('executor');
  const agent = new ExecutorAgent(deps);
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  const redis = runtime.redis;
  const keys = runtime.keys;
  return {
    agent,
    store,
    redis,
    keys,
    async commit(changes: Change[]): Promise<Plan> {
      const current = await store.current();
      const version = current.version + 1;
      const plan = applyChanges(current, changes, version);
      await store.commit({ v: 1, version, parentVersion: current.version, plan, changes, goal: 'test', reason: 'test', insightIds: [], at: Date.now(), leader: 'test' });
      return plan;
    },
    counts: async () => Object.fromEntries(Object.entries(await redis.hgetall(keys.workflowCounts)).map(([k, v]) => [k, Number(v)])),
    async sink(step: string): Promise<{ id: string; version: number; record: Record<string, unknown>; reason?: string }[]> {
      const entries = (await redis.xrange(keys.sink(step), '-', '+')) as [string, string[]][];
      return entries.map(([, f]) => {
        const m = new Map<string, string>();
        for (let i = 0; i < f.length; i += 2) m.set(f[i]!, f[i + 1]!);
        return { id: m.get('id')!, version: Number(m.get('version')), record: JSON.parse(m.get('record')!), ...(m.has('reason') ? { reason: m.get('reason')! } : {}) };
      });
    },
    async [Symbol.asyncDispose]() {
      await agent.close();
      await runtime.close();
      await cleanupPrefix(prefix);
    },
  };
}

const reroute: Change[] = [
  { op: 'add-step', step: 'strict', after: ['validate'] },
  { op: 'link', step: 'geo', from: ['validate'], to: ['strict'] },
  { op: 'link', step: 'price', from: ['validate'], to: ['strict'] },
  { op: 'add-step', step: 'quarantine', after: ['strict'] },
];
const good = (i: number) => ({ id: `g${i}`, amount: i % 100 });
const bad = (i: number) => ({ id: `b${i}`, amount: i % 2 === 0 ? null : 1000 });

describe('the workflow runner', () => {
  it('runs records through parallel steps and their join, and stores each once', async () => {
    await using t = harness();
    await t.agent.start();
    const ids = await t.agent.workflow.submit(Array.from({ length: 50 }, (_, i) => good(i)));
    expect(ids).toHaveLength(50);
    // The same records again are not a second entry.
    await t.agent.workflow.submit([good(0), good(1)]);
    // Any producer may add a record to an entry step's queue; it enters on the current plan.
    const queue = new Queue('wf.ingest', { connection: t.redis, prefix: t.keys.queuePrefix('wf.ingest') });
    await queue.add('ingest', { id: 'raw-1', record: { id: 'raw-1', amount: 5 } });
    await queue.close();
    await waitFor(async () => (await t.counts())['out:store'] === 51, '51 stored records');
    const stored = await t.sink('store');
    expect(new Set(stored.map((s) => s.id)).size).toBe(51);
    expect(stored.length).toBe(51);
    expect(stored.find((s) => s.id === 'raw-1')).toMatchObject({ version: 0, record: { id: 'raw-1', amount: 5, region: 'eu' } });
    // The join merged what both parallel steps added.
    expect(stored[0]?.record).toMatchObject({ region: 'eu', currency: 'EUR' });
    expect(await t.counts()).toEqual({ in: 51, 'out:store': 51 });
  });

  it('retries a step that throws and still stores the record once', async () => {
    await using t = harness();
    g.awoFailOnce = new Set(['g1', 'g2']);
    g.awoSeen = [];
    await t.agent.start();
    await t.agent.workflow.submit([good(1), good(2), good(3)]);
    await waitFor(async () => (await t.counts())['out:store'] === 3, '3 stored records');
    expect(g.awoSeen.filter((s) => s === 'g1@ingest')).toHaveLength(2);
    expect((await t.sink('store')).map((s) => s.id).sort()).toEqual(['g1', 'g2', 'g3']);
  });

  it('switches the route atomically by plan version: nothing lost, nothing twice, old records finish on their route', async () => {
    await using t = harness();
    let open: () => void = () => undefined;
    g.awoGate = new Promise<void>((r) => (open = r));
    g.awoSeen = [];
    await t.agent.start();
    // 40 records enter on v0 (20 bad) and wait at ingest while the plan changes.
    await t.agent.workflow.submit([...Array.from({ length: 20 }, (_, i) => good(i)), ...Array.from({ length: 20 }, (_, i) => bad(i))]);
    await waitFor(() => g.awoSeen!.length >= 8, 'records held at ingest');
    await t.commit(reroute);
    // 40 more enter on v1 (20 bad).
    await t.agent.workflow.submit([...Array.from({ length: 20 }, (_, i) => good(100 + i)), ...Array.from({ length: 20 }, (_, i) => bad(100 + i))]);
    open();
    delete g.awoGate;
    await waitFor(async () => {
      const c = await t.counts();
      return (c['out:store'] ?? 0) + (c['out:quarantine'] ?? 0) === 80;
    }, 'all 80 records at a sink');
    const stored = await t.sink('store');
    const quarantined = await t.sink('quarantine');
    expect(new Set([...stored, ...quarantined].map((r) => r.id)).size).toBe(80);
    // v0 records went the old way (bad ones included); v1's bad ones were quarantined, with why.
    expect(stored.filter((s) => s.version === 0)).toHaveLength(40);
    expect(stored.filter((s) => s.version === 1).map((s) => s.id).every((id) => id.startsWith('g'))).toBe(true);
    expect(quarantined).toHaveLength(20);
    expect(quarantined.every((q) => q.version === 1 && q.id.startsWith('b'))).toBe(true);
    expect(quarantined[0]?.reason).toMatch(/^strict: amount (is missing|is out of range)$/);
    expect(await t.counts()).toEqual({ in: 80, 'out:store': 60, 'out:quarantine': 20 });
    // Each record passed ingest once.
    expect(new Set(g.awoSeen).size).toBe(g.awoSeen.length);
  });

  it('refuses to run records on a plan that names a step the config does not have', async () => {
    await using t = harness();
    await t.agent.start();
    await t.commit([{ op: 'add-step', step: 'evil', after: ['validate'] }]);
    await expect(t.agent.workflow.submit([good(1)])).rejects.toThrow(/refusing plan v1: steps evil are not in the config/);
    // A job written straight to the queue on that version fails for good, and is kept as failed.
    const queue = new Queue('wf.ingest', { connection: t.redis, prefix: t.keys.queuePrefix('wf.ingest') });
    await queue.add('ingest', { id: 'x1', record: good(1), version: 1 }, { jobId: 'r.x1.ingest', attempts: 3 });
    await waitFor(async () => (await t.counts()).failed === 1, 'the record counted as failed');
    expect(await queue.getJobCounts('failed', 'completed')).toEqual({ failed: 1, completed: 0 });
    expect((await t.counts())['out:store']).toBeUndefined();
    await queue.close();
  });

  it('fails malformed record jobs for good, keeps them, and goes on with good records', async () => {
    await using t = harness();
    await t.agent.start();
    const queue = new Queue('wf.validate', { connection: t.redis, prefix: t.keys.queuePrefix('wf.validate') });
    const junk: unknown[] = [null, 42, 'text', { record: {} }, { id: '', record: {} }, { id: 'x'.repeat(300), record: {} }, { id: 'v', record: {}, version: -1 }, { id: 'w', record: {}, version: 1.5 }, { id: 'u', record: {}, extra: true }, { id: 'p', record: {}, trace: { traceparent: 'x'.repeat(500) } }, { id: 'f', record: {}, version: 99 }];
    await queue.addBulk(junk.map((data, i) => ({ name: 'validate', data, opts: { jobId: `junk-${i}`, attempts: 3 } })));
    await waitFor(async () => (await queue.getJobCounts('failed')).failed === junk.length, 'every junk job failed');
    // Failed for good on the first attempt (no retries for what can never parse), kept for inspection.
    const failed = await queue.getFailed();
    expect(failed.every((j) => j.attemptsMade === 1 && /not a workflow record job|plan v99 does not exist/.test(j.failedReason))).toBe(true);
    await t.agent.workflow.submit([good(7)]);
    await waitFor(async () => (await t.counts())['out:store'] === 1, 'the good record stored');
    expect(t.agent.state).toBe('running');
    await queue.close();
  });
});
