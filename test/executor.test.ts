import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { applyChanges, decode, paramOf, parseConfig, parseTraceparent, PlanStore, Runtime, signRevision, type ActionResult, type Change, type ParamValue } from '@awo/shared';
import { ExecutorAgent } from '@awo/executor';
import { sleepProcessor } from '@awo/sim';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

/** A plan epoch, as `PlanStore` makes them. */
const EPOCH = /^[0-9a-f]{12}$/;
/** http and command actions run only on signed plans: the tests sign as the planner does. */
const SIGNING_KEY = 'executor-test-signing-key-0123456789';

/** The id of the action on a `work` parameter at a plan version, whatever the epoch. */
const idOf = (version: number, key: string) => expect.stringMatching(new RegExp(`^e[0-9a-f]{12}\\.v${version}\\.${key.replace('.', '\\.')}$`));

/** A local HTTP endpoint that records requests; `hold` keeps answers back until `release()`. */
async function ledger(status: (n: number) => number = () => 200) {
  const requests: { headers: IncomingMessage['headers']; body: unknown }[] = [];
  let held: (() => void)[] = [];
  let hold = false;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(body) });
      const answer = () => res.writeHead(status(requests.length)).end('noted');
      if (hold) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    hold: () => void (hold = true),
    release: () => {
      hold = false;
      held.forEach((a) => a());
      held = [];
    },
    [Symbol.asyncDispose]: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** An executor on the real Redis under a fresh prefix, with the config the tests share. */
function harness(hookUrl: string, extra: { closeGrace?: number; startupDelay?: number } = {}) {
  const prefix = testPrefix();
  const config = parseConfig({
    prefix,
    bus: { block: 200, ackInterval: 5, claimInterval: 100, closeGrace: extra.closeGrace ?? 10_000 },
    workflow: {
      steps: {
        work: {
          queue: 'work',
          params: { concurrency: 2, mode: 'fast', label: 'none', target: 'a', batch: 10 },
          apply: { concurrency: 'scale-work', mode: 'notify', label: 'echo', target: 'set-route' },
        },
      },
    },
    executor: {
      closeGrace: extra.closeGrace ?? 10_000,
      concurrency: 4,
      attempts: 3,
      pools: { work: { queue: 'work', processor: 'sleep', initial: 2, max: 10, startupDelay: extra.startupDelay ?? 400 } },
      actions: {
        'scale-work': { kind: 'scale-bullmq-workers', pool: 'work' },
        notify: { kind: 'http', url: hookUrl, headers: { authorization: 'Bearer test-token' }, timeout: '5s' },
        echo: { kind: 'command', executable: '/usr/bin/printf', args: ['%s|', '{{value}}', '{{step}}', '{{version}}'], timeout: '5s' },
        'set-route': { kind: 'redis-set', key: 'route:{{step}}:{{param}}', ttl: '1m' },
      },
    },
  }, { AWO_SIGNING_KEY: SIGNING_KEY });
  const spans = new InMemorySpanExporter();
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {}, processors: () => [new SimpleSpanProcessor(spans)] });
  const deps = runtime.deps('executor');
  const agent = new ExecutorAgent(deps, { processors: { sleep: sleepProcessor(20) } });
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  const redis = runtime.redis;
  return {
    prefix,
    deps,
    agent,
    store,
    redis,
    spans,
    pool: agent.pools.get('work') as NonNullable<ReturnType<typeof agent.pools.get>>,
    /** Commits the next revision, setting `work.<param>` values. */
    async commit(set: Record<string, ParamValue>): Promise<string> {
      const current = await store.current();
      const changes: Change[] = Object.entries(set).map(([param, to]) => ({ op: 'set', step: 'work', param, from: paramOf(current, 'work', param) ?? null, to }));
      const version = current.version + 1;
      return store.commit(signRevision({ v: 1, version, parentVersion: current.version, plan: applyChanges(current, changes, version), changes, goal: 'test', reason: 'test', insightIds: [], at: Date.now(), leader: 'test' }, SIGNING_KEY));
    },
    async results(): Promise<(ActionResult & { traceparent?: string })[]> {
      const entries = (await redis.xrange(deps.keys.stream('results'), '-', '+')) as [string, string[]][];
      return entries.flatMap(([, fields]) => {
        const d = decode('results', fields);
        return d.ok ? [{ ...d.message, traceparent: d.headers.traceparent }] : [];
      });
    },
    metric: (name: string) => agent.metrics()[`executor_${name}`] ?? 0,
    async [Symbol.asyncDispose]() {
      await agent.close();
      await runtime.close();
      await cleanupPrefix(prefix);
    },
  };
}

describe('ExecutorAgent', () => {
  it('scales a real pool when a revision raises work.concurrency; new workers are ready only after startupDelay', async () => {
    await using hook = await ledger();
    await using t = harness(hook.url, { startupDelay: 400 });
    await t.agent.start();
    expect([t.pool.size(), t.pool.ready()]).toEqual([2, 2]);
    const committed = Date.now();
    await t.commit({ concurrency: 5 });
    await waitFor(() => t.pool.starting() === 3, 'three starting workers');
    expect([t.pool.size(), t.pool.ready()]).toEqual([5, 2]);
    let readyAt = 0;
    await waitFor(() => (t.pool.ready() === 5 ? (readyAt = Date.now()) > 0 : false), 'five ready workers');
    expect(readyAt - committed).toBeGreaterThanOrEqual(400);
    await waitFor(async () => (await t.results()).length === 1, 'one result');
    const [result] = await t.results();
    expect(result).toMatchObject({ id: idOf(1, 'work.concurrency'), version: 1, action: 'scale-work', step: 'work', param: 'concurrency', value: 5, ok: true, attempts: 1 });
    expect(result?.output).toMatch(/2 -> 5 workers/);
    expect(JSON.parse((await t.redis.hget(t.deps.keys.applied, 'work\u0000concurrency')) ?? '{}')).toEqual({ value: 5, version: 1, epoch: expect.stringMatching(EPOCH) });
    // The audit stream holds the action once.
    expect(await t.redis.xlen(t.deps.keys.stream('actions'))).toBe(1);
  });

  it('runs an action once when the same revision is delivered twice, before and after it ran', async () => {
    await using hook = await ledger();
    await using t = harness(hook.url);
    await t.agent.start();
    hook.hold();
    const id = await t.commit({ mode: 'slow' });
    const stream = t.deps.keys.stream('revisions');
    const [[, fields] = ['', []]] = (await t.redis.xrange(stream, id, id)) as [string, string[]][];
    // A copy while the job is still running: the same job id, so BullMQ ignores the add.
    await waitFor(() => hook.requests.length === 1, 'the first request');
    await t.redis.xadd(stream, '*', ...fields);
    await waitFor(() => t.metric('revisions_total') === 2, 'both deliveries reconciled');
    expect(t.metric('actions_duplicate_total')).toBe(1);
    hook.release();
    await waitFor(async () => (await t.results()).length === 1, 'one result');
    // A copy after it ran: the applied state already holds the value, so there is nothing to do.
    await t.redis.xadd(stream, '*', ...fields);
    await waitFor(() => t.metric('revisions_total') === 3, 'the third delivery reconciled');
    expect(hook.requests).toHaveLength(1);
    expect(t.metric('actions_run_total')).toBe(1);
    expect(t.metric('actions_enqueued_total')).toBe(1);
    expect((await t.results()).map((r) => [r.id, r.ok])).toEqual([[idOf(1, 'work.mode'), true]]);
    const [request] = hook.requests;
    expect(request?.headers['idempotency-key']).toEqual(idOf(1, 'work.mode'));
    expect(request?.headers.authorization).toBe('Bearer test-token');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(request?.body).toMatchObject({ id: idOf(1, 'work.mode'), action: 'notify', kind: 'http', step: 'work', param: 'mode', value: 'slow', from: 'fast', version: 1 });
  });

  it('gives no action for a parameter without an apply entry, and reconciles toward the newest plan', async () => {
    await using hook = await ledger();
    await using t = harness(hook.url);
    await t.commit({ mode: 'one' });
    await t.commit({ batch: 50 });
    await t.commit({ mode: 'three' });
    // Started late: its revisions group starts at `$`, and the start resync reconciles toward version 3.
    await t.agent.start();
    expect(t.metric('resyncs_total')).toBe(1);
    expect(t.metric('revisions_total')).toBe(0);
    await waitFor(async () => (await t.results()).length === 1, 'one result');
    expect(hook.requests.map((r) => (r.body as { value: string }).value)).toEqual(['three']);
    expect((await t.results())[0]).toMatchObject({ id: idOf(3, 'work.mode'), value: 'three', ok: true });
  });

  it('runs a command without a shell: a value with spaces and ";" stays one argument', async () => {
    await using hook = await ledger();
    await using t = harness(hook.url);
    await t.agent.start();
    await t.commit({ label: 'hello world; echo pwned $(id)' });
    await waitFor(async () => (await t.results()).length === 1, 'one result');
    expect((await t.results())[0]).toMatchObject({ id: idOf(1, 'work.label'), action: 'echo', ok: true, output: 'hello world; echo pwned $(id)|work|1|' });
  });

  it('sets a Redis key under the prefix with its ttl', async () => {
    await using hook = await ledger();
    await using t = harness(hook.url);
    await t.agent.start();
    await t.commit({ target: 'b' });
    await waitFor(async () => (await t.results()).length === 1, 'one result');
    const key = `${t.prefix}:route:work:target`;
    expect(await t.redis.get(key)).toBe('b');
    expect(await t.redis.pttl(key)).toBeGreaterThan(50_000);
    expect((await t.results())[0]).toMatchObject({ ok: true, output: `SET ${key}` });
  });

  it('retries a failed action with backoff and reports the attempts', async () => {
    await using hook = await ledger((n) => (n === 1 ? 503 : 200));
    await using t = harness(hook.url);
    await t.agent.start();
    await t.commit({ mode: 'flaky' });
    await waitFor(async () => (await t.results()).length === 1, 'one result after a retry', 15_000);
    expect(hook.requests).toHaveLength(2);
    expect((await t.results())[0]).toMatchObject({ ok: true, attempts: 2 });
    expect(t.metric('actions_retried_total')).toBe(1);
  });

  it('carries one trace from the revision to the action and its result', async () => {
    await using hook = await ledger();
    await using t = harness(hook.url);
    await t.agent.start();
    const planner = t.deps.tracer.startSpan('planner commit');
    await context.with(trace.setSpan(context.active(), planner), () => t.commit({ mode: 'traced' }));
    planner.end();
    await waitFor(async () => (await t.results()).length === 1, 'one result');
    const names = ['process revisions', 'publish actions', 'process actions', `POST ${new URL(hook.url).host}`];
    const byName = (name: string) => t.spans.getFinishedSpans().find((s) => s.name === name);
    // The result is published inside the consumer span, so that span may end a moment later.
    await waitFor(() => names.every(byName), 'the four spans ended');
    const chain = names.map(byName);
    const traceId = planner.spanContext().traceId;
    expect(chain.map((s) => s?.spanContext().traceId)).toEqual([traceId, traceId, traceId, traceId]);
    expect(chain[0]?.parentSpanContext?.spanId).toBe(planner.spanContext().spanId);
    for (let i = 1; i < chain.length; i++) expect(chain[i]?.parentSpanContext?.spanId).toBe(chain[i - 1]?.spanContext().spanId);
    expect(chain.map((s) => s?.kind)).toEqual([4, 3, 4, 2]); // CONSUMER, PRODUCER, CONSUMER, CLIENT
    const result = (await t.results())[0];
    expect(parseTraceparent(result?.traceparent)?.spanId).toBe(chain[2]?.spanContext().spanId);
    expect(parseTraceparent(hook.requests[0]?.headers.traceparent as string)?.spanId).toBe(chain[3]?.spanContext().spanId);
  });

  it('close() lets a running action finish, records it and publishes its result', async () => {
    await using hook = await ledger();
    await using t = harness(hook.url);
    await t.agent.start();
    hook.hold();
    await t.commit({ mode: 'draining' });
    await waitFor(() => hook.requests.length === 1, 'the request in flight');
    let closed = false;
    const closing = t.agent.close().then(() => (closed = true));
    await waitFor(() => t.agent.state === 'draining', 'the agent draining');
    expect(closed).toBe(false);
    hook.release();
    await closing;
    expect(t.agent.state).toBe('closed');
    expect((await t.results()).map((r) => [r.id, r.ok])).toEqual([[idOf(1, 'work.mode'), true]]);
    expect(JSON.parse((await t.redis.hget(t.deps.keys.applied, 'work\u0000mode')) ?? '{}')).toEqual({ value: 'draining', version: 1, epoch: expect.stringMatching(EPOCH) });
  });

  it('close() is bounded: past the grace period it aborts a stuck action', async () => {
    await using hook = await ledger();
    await using t = harness(hook.url, { closeGrace: 200 });
    await t.agent.start();
    hook.hold();
    await t.commit({ mode: 'stuck' });
    await waitFor(() => hook.requests.length === 1, 'the request in flight');
    const started = Date.now();
    await t.agent.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await t.redis.hget(t.deps.keys.applied, 'work\u0000mode')).toBeNull();
    hook.release();
  });
});

describe('ExecutorAgent refuses what the config does not allow', () => {
  it('refuses jobs naming an unknown action, the wrong kind, an unmapped parameter, a foreign id or no action at all', async () => {
    await using hook = await ledger();
    await using t = harness(hook.url);
    await t.agent.start();
    const queue = new Queue('actions', { connection: t.deps.connect('forger', { blocking: true }), prefix: t.deps.keys.queuePrefix('actions') });
    const base = { v: 1, key: 'work.mode', version: 1, step: 'work', param: 'mode', value: 'evil', from: null, at: Date.now() };
    const forged = [
      { id: 'v1.unknown', action: 'nope', kind: 'http' },
      { id: 'v1.kind', action: 'notify', kind: 'command' },
      { id: 'v1.unmapped', action: 'notify', kind: 'http', param: 'concurrency' },
      { id: 'v1.scale', action: 'scale-work', kind: 'scale-bullmq-workers', param: 'mode', value: 9 },
    ];
    for (const f of forged) await queue.add(f.action, { action: { ...base, ...f }, trace: {} }, { jobId: f.id, attempts: 3 });
    await queue.add('notify', { action: { ...base, id: 'v1.other', action: 'notify', kind: 'http' }, trace: {} }, { jobId: 'v1.foreign', attempts: 3 });
    const garbage = await queue.add('notify', { action: { url: 'http://evil.example' } }, { jobId: 'v1.garbage', attempts: 3 });
    await waitFor(async () => (await queue.getFailedCount()) === 6, 'six failed jobs');
    for (const job of await queue.getFailed()) expect(job.attemptsMade).toBe(1);
    expect((await queue.getJob(garbage.id as string))?.failedReason).toMatch(/AWO_MESSAGE_INVALID/);
    const results = await t.results();
    expect(results.map((r) => [r.id, r.ok]).sort()).toEqual([['v1.kind', false], ['v1.other', false], ['v1.scale', false], ['v1.unknown', false], ['v1.unmapped', false]]);
    for (const r of results) expect(r.error).toMatch(/^AWO_ACTION_NOT_ALLOWED: /);
    expect(results.find((r) => r.id === 'v1.unknown')?.error).toMatch(/"nope" is not in executor.actions/);
    expect(results.find((r) => r.id === 'v1.kind')?.error).toMatch(/is a http action in the config, not command/);
    expect(hook.requests).toHaveLength(0);
    expect(t.pool.size()).toBe(2);
    expect(t.metric('actions_refused_total')).toBe(6);
    expect(t.metric('actions_run_total')).toBe(0);
    await queue.close();
  });

  it('refuses a scale value beyond the pool max without retrying', async () => {
    await using hook = await ledger();
    await using t = harness(hook.url);
    await t.agent.start();
    await t.commit({ concurrency: 11 });
    await waitFor(async () => (await t.results()).length === 1, 'one result');
    expect((await t.results())[0]).toMatchObject({ id: idOf(1, 'work.concurrency'), ok: false, attempts: 1 });
    expect((await t.results())[0]?.error).toMatch(/AWO_ACTION_NOT_ALLOWED: .*from 0 to 10, got 11/);
    expect(t.pool.size()).toBe(2);
  });
});
