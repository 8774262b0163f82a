import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { AnalyzerAgent } from '@awo/analyzer';
import { ExecutorAgent } from '@awo/executor';
import { MonitorAgent } from '@awo/monitor';
import { PlannerAgent } from '@awo/planner';
import { decode, jobData, mulberry32, parseConfig, PlanStore, QUEUES, Runtime, signRevision, verifyRevision, type Agent, type Plan, type PlanRevision } from '@awo/shared';
import { Ledger } from '@awo/testkit';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

/**
 * Outsiders who can write Redis but hold no signing key write TOTAL random, schema-valid forged
 * items to every surface they can reach, while the four real agents run with signing on: the
 * actions queue, every field of the plan hash, the revisions stream, insights, metrics stamped in
 * the future, and the workflow's queue. Every side effect (a call of the http action) must equal
 * the value of a valid signed revision of its own version; the planner must refuse to build on a
 * tampered plan, and count it.
 */

const KEY = 'forgery-test-signing-key-0123456789';
const OTHER_KEY = 'an-outsiders-key-0123456789abcdef';
const TOTAL = Number(process.env.AWO_TEST_FORGERY_TOTAL ?? 10_000);
const ARRIVAL = 'forge.arrival';

function config(prefix: string, hook: string) {
  return parseConfig(
    {
      prefix,
      bus: { block: 100, ackInterval: 5, claimInterval: 200 },
      telemetry: { spanStore: { enabled: false } },
      workflow: {
        steps: {
          work: { params: { concurrency: 2 }, apply: { concurrency: 'hook' } },
          ingest: { handler: 'pass', attempts: 1 },
          store: { handler: 'sink', after: ['ingest'] },
        },
      },
      planner: {
        evaluateInterval: '100ms',
        goals: [
          {
            kind: 'autoscale', name: 'forge', step: 'work', metric: 'forge.wait', target: 1000,
            arrivalSeries: ARRIVAL, completionSeries: 'forge.done', activeSeries: 'forge.active', backlogSeries: 'forge.waiting',
            min: 1, max: 20, initialThroughput: 10, targetUtilization: 1, cooldown: '50ms', scaleDownStabilization: 0, maxStep: 20, tolerance: 0, staleAfter: '1h', fallback: 'hold',
          },
        ],
      },
      executor: { attempts: 1, concurrency: 8, actions: { hook: { kind: 'http', url: `${hook}/hook`, timeout: '5s' } } },
    },
    { AWO_SIGNING_KEY: KEY },
  );
}

/** A forecast of `value` jobs/s (the goal sizes the step for value ÷ 10 workers). */
const forecast = (value: number, id: string, ts = Date.now()) => ({ v: 1 as const, id, kind: 'forecast' as const, series: ARRIVAL, ts, metricIds: [], model: 'naive', value, lower: value, upper: value, horizonMs: 1000, observed: value });

describe('forgery: nothing but a signed plan moves the world', () => {
  it(`${TOTAL} forged items on every surface: every side effect is a value of a valid signed revision`, async () => {
    const prefix = testPrefix();
    const ledger = new Ledger();
    const hook = await ledger.start();
    const cfg = config(prefix, hook);
    const runtime = new Runtime({ config: cfg, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
    const executor = new ExecutorAgent(runtime.deps('executor'));
    const planner = new PlannerAgent(runtime.deps('planner'));
    const agents: Agent[] = [executor, planner, new AnalyzerAgent(runtime.deps('analyzer')), new MonitorAgent(runtime.deps('monitor'))];
    const store = new PlanStore(runtime.redis, runtime.keys, cfg);
    const actions = new Queue(QUEUES.actions, { connection: runtime.connect('forger-actions'), prefix: runtime.keys.queuePrefix(QUEUES.actions) });
    const records = new Queue(QUEUES.step('ingest'), { connection: runtime.connect('forger-records'), prefix: runtime.keys.queuePrefix(QUEUES.step('ingest')) });
    const rng = mulberry32(20261130);
    const int = (n: number) => Math.floor(rng() * n);
    const redis = runtime.redis;
    let forged = 0;
    try {
      for (const agent of agents) await agent.start();
      await waitFor(() => planner.isLeader, 'a leading planner');
      // The honest world: a forecast that needs 6 workers, signed and applied.
      await runtime.bus.publish('insights', forecast(60, 'honest-1'));
      await waitFor(() => ledger.total >= 1, 'the first honest side effect', 15_000);
      const signed = async () => (await store.history(10_000)).map((h) => h.revision).filter((r) => verifyRevision(r, KEY));
      const old = (await signed())[0] as PlanRevision;
      const share = Math.floor(TOTAL / 8);

      // 1. The actions queue: random versions and values, and ids the next signed actions will want.
      const current = await store.current();
      const epoch = current.epoch ?? '';
      const jobs = Array.from({ length: share * 2 }, (_, i) => {
        const version = i % 5 === 0 ? current.version + 1 + (i % 7) : 1 + int(1_000_000);
        const id = `e${epoch}.v${version}.work.concurrency`;
        const action = { v: 1 as const, id, key: 'work.concurrency', epoch, version, action: 'hook', kind: 'http', step: 'work', param: 'concurrency', value: int(1000), from: null, at: Date.now() };
        return { name: 'hook', data: jobData('action', { action, trace: {} }, id), opts: { jobId: `${id}${i % 5 === 0 ? '' : `.${i}`}` } };
      });
      // A job's id must be its action's: give the squatters (every 5th) exactly the id, the rest their own.
      for (const job of jobs) job.data.action.id = job.opts.jobId;
      for (let i = 0; i < jobs.length; i += 500) await actions.addBulk(jobs.slice(i, i + 500));
      forged += jobs.length;
      const pending = async () => Object.values(await actions.getJobCounts('active', 'waiting', 'delayed', 'prioritized')).reduce((a, b) => a + b, 0);
      await waitFor(async () => (await pending()) === 0, 'the forged action jobs handled', 60_000);
      // Squatters share a few ids (BullMQ keeps the first add of an id): every distinct job failed for good.
      expect((await actions.getJobCounts('failed')).failed).toBe(new Set(jobs.map((j) => j.opts.jobId)).size);

      // 2. The revisions stream: unsigned, signed with another key, and replays of an old valid one.
      const fakePlan = (v: number): Plan => ({ version: v, epoch, steps: { ...current.steps, work: { after: [], params: { concurrency: 1 + int(1000) } } } });
      const revision = (v: number): PlanRevision => ({ v: 1, version: v, parentVersion: v - 1, plan: fakePlan(v), changes: [], goal: 'forge', reason: 'forged', insightIds: [], at: Date.now(), leader: 'outsider' });
      const pipe = redis.pipeline();
      for (let i = 0; i < share; i++) {
        const v = 1 + int(1000);
        const entry = i % 3 === 0 ? revision(v) : i % 3 === 1 ? signRevision(revision(v), OTHER_KEY) : old;
        pipe.xadd(runtime.keys.stream('revisions'), '*', 'data', JSON.stringify(entry));
      }
      // 3. Metrics stamped an hour ahead (they would pin the planner's view if taken).
      for (let i = 0; i < share; i++) pipe.xadd(runtime.keys.stream('metrics'), '*', 'data', JSON.stringify({ v: 1, series: i % 2 ? ARRIVAL : 'forge.wait', value: int(10_000), ts: Date.now() + 3_600_000, source: 'outsider', labels: {} }));
      await pipe.exec();
      forged += share * 2;

      // 4. Workflow record jobs on plan versions that do not exist (or are not signed).
      const recordJobs = Array.from({ length: share }, (_, i) => ({ name: 'ingest', data: jobData('record', { id: `r${i}`, record: { id: `r${i}` }, version: 2 + int(1_000_000), trace: {} }, `r${i}`), opts: { jobId: `forged-${i}`, attempts: 1 } }));
      for (let i = 0; i < recordJobs.length; i += 500) await records.addBulk(recordJobs.slice(i, i + 500));
      forged += recordJobs.length;

      // 5. Insights: forged forecasts are data; what the planner decides from them is signed. In ten
      //    rounds, each waited on, so that several decisions (and side effects) come of them.
      for (let round = 0; round < 10; round++) {
        const count = Math.floor(share / 10) + (round === 9 ? share % 10 : 0);
        const calls = ledger.total;
        await runtime.bus.publish('insights', Array.from({ length: count }, (_, i) => forecast(int(400), `forged-${round}-${i}`)));
        forged += count;
        // A round whose last forecast asks for the size the step has changes nothing: no wait then.
        await waitFor(() => ledger.total > calls, `a side effect of forged round ${round}`, 5000).catch(() => undefined);
      }

      // 6. Every field of the plan hash, one edit at a time (the planner and executor must refuse
      //    what they read), then the operator restores the newest signed revision.
      const before = await redis.hgetall(runtime.keys.plan);
      const newest = JSON.parse(before.revision as string) as PlanRevision;
      const edits = TOTAL - forged;
      for (let i = 0; i < edits; i++) {
        const field = ['plan', 'revision', 'version', 'epoch'][i % 4] as string;
        const value =
          field === 'plan' ? JSON.stringify({ ...newest.plan, steps: { ...newest.plan.steps, work: { after: [], params: { concurrency: 1 + int(1000) } } } })
          : field === 'revision' ? JSON.stringify(i % 8 === 1 ? old : signRevision({ ...newest, plan: fakePlan(newest.version) }, OTHER_KEY))
          : field === 'version' ? String(newest.version + 1 + int(100))
          : 'ffffffffffff';
        await redis.hset(runtime.keys.plan, field, value);
        if (i % 50 === 0) {
          // Wake both: a revision entry for the executor, a forecast for the planner.
          await redis.xadd(runtime.keys.stream('revisions'), '*', 'data', JSON.stringify(revision(newest.version)));
          await runtime.bus.publish('insights', forecast(int(400), `during-tamper-${i}`));
        }
        forged++;
      }
      await waitFor(() => (planner.metrics().planner_tamper_refusals_total ?? 0) > 0, 'the planner refusing the tampered plan', 10_000);
      await redis.hset(runtime.keys.plan, before);
      // After the restore, an honest forecast is acted on again.
      const calls = ledger.total;
      await runtime.bus.publish('insights', forecast(150, 'honest-2'));
      await waitFor(() => ledger.total > calls, 'an honest side effect after the restore', 15_000);
      await waitFor(async () => (await pending()) === 0, 'the actions queue drained', 30_000);

      // Every side effect must be the value of a valid signed revision of its own (epoch, version).
      const valid = new Map((await signed()).map((r) => [`${r.plan.epoch ?? ''}.${r.version}`, r.plan.steps.work?.params.concurrency]));
      let sideEffects = 0;
      let foreign = 0;
      for (const [id, values] of ledger.requests) {
        const m = /^e([0-9a-f]*)\.v(\d+)\.work\.concurrency/.exec(id);
        for (const value of values) {
          sideEffects++;
          if (!m || valid.get(`${m[1]}.${m[2]}`) !== value) foreign++;
        }
      }
      const tamperRefusals = planner.metrics().planner_tamper_refusals_total ?? 0;
      console.log(`forgery figures: ${JSON.stringify({ forged, sideEffects, foreign, tamperRefusals })}`);
      const m = executor.metrics();
      console.log(`forgery detail: ${JSON.stringify({ signedRevisions: valid.size, untrustedRevisions: m.executor_revisions_untrusted_total, actionsRefused: m.executor_actions_refused_total, squatted: m.executor_actions_squatted_total, actionsRun: m.executor_actions_run_total, skipped: m.executor_actions_skipped_total })}`);
      expect(forged).toBe(TOTAL);
      expect(sideEffects).toBeGreaterThanOrEqual(2);
      expect(foreign).toBe(0);
      expect(tamperRefusals).toBeGreaterThan(0);
      // The last side effect is the newest signed revision's value.
      const newestSigned = (await signed())[0] as PlanRevision;
      const last = [...ledger.requests].at(-1)?.[1]?.at(-1);
      expect(last).toBe(newestSigned.plan.steps.work?.params.concurrency);
      // Forged future metrics were dead-lettered for their clock; forged records failed for good.
      const letters = (await redis.xrange(runtime.keys.stream('deadletter'), '-', '+', 'COUNT', 100_000)).map(([, f]) => decode('deadletter', f));
      expect(letters.filter((l) => l.ok && l.message.code === 'AWO_CLOCK_SKEW').length).toBeGreaterThanOrEqual(share * 0.9);
      expect(await runtime.redis.xlen(runtime.keys.sink('store'))).toBe(0);
    } finally {
      for (const agent of [...agents].reverse()) await agent.close().catch(() => undefined);
      await actions.close();
      await records.close();
      await runtime.close();
      await ledger.close();
      await cleanupPrefix(prefix);
    }
  }, 180_000);
});
