import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecutorAgent } from '@awo/executor';
import { jobData, parseConfig, QUEUES, Runtime } from '@awo/shared';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

const GATE = fileURLToPath(new URL('./handlers/gate.ts', import.meta.url));
const g = globalThis as { awoGate?: Promise<void> };
afterEach(() => delete g.awoGate);

/** One step through the gate handler, with tight limits: 1 KiB records, a 300 ms handler timeout, 3 failed jobs kept. */
function setup() {
  const prefix = testPrefix();
  const config = parseConfig({
    prefix,
    bus: { block: 200, ackInterval: 5 },
    workflow: {
      maxRecordBytes: 1024,
      failedRetention: { count: 3 },
      steps: { ingest: { handler: GATE, attempts: 1, timeout: '300ms' }, store: { handler: 'sink', after: ['ingest'] } },
    },
  });
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
  const agent = new ExecutorAgent(runtime.deps('executor'));
  const queue = new Queue(QUEUES.step('ingest'), { connection: runtime.connect('producer'), prefix: runtime.keys.queuePrefix(QUEUES.step('ingest')) });
  return {
    agent,
    queue,
    runtime,
    stored: () => runtime.redis.xlen(runtime.keys.sink('store')),
    async [Symbol.asyncDispose]() {
      await agent.close();
      await queue.close();
      await runtime.close();
      await cleanupPrefix(prefix);
    },
  };
}

describe('workflow limits', () => {
  it('refuses a record larger than workflow.maxRecordBytes, at submit and from a raw producer, and takes the rest', async () => {
    await using t = setup();
    await t.agent.start();
    const big = { id: 'big', blob: 'x'.repeat(2000) };
    await expect(t.agent.workflow.submit([{ id: 'ok-1' }, big])).rejects.toThrow(/record 1 is \d+ bytes of JSON, more than workflow.maxRecordBytes \(1024\); nothing of this batch was added/);
    expect(await t.stored()).toBe(0);
    await t.agent.workflow.submit([{ id: 'ok-2' }]);
    await t.queue.add('ingest', jobData('record', { id: 'raw-big', record: big, trace: {} }, 'raw-big'), { jobId: 'raw-big', attempts: 3 });
    await waitFor(async () => (await t.stored()) === 1 && (await t.queue.getJobCounts('failed')).failed === 1, 'the small record stored, the big raw one failed');
    const [failed] = await t.queue.getJobs(['failed']);
    expect(failed?.failedReason).toMatch(/AWO_MESSAGE_INVALID: record raw-big is \d+ bytes/);
    expect(failed?.attemptsMade).toBe(1);
  });

  it('fails an attempt whose handler outlasts the step timeout, and keeps at most failedRetention.count failed records', async () => {
    await using t = setup();
    await t.agent.start();
    g.awoGate = new Promise<void>(() => undefined); // the handler never returns by itself
    await t.agent.workflow.submit(['a', 'b', 'c', 'd', 'e'].map((id) => ({ id })));
    await waitFor(() => t.agent.workflow.counters.failed === 5, 'five records timed out', 15_000);
    const failed = await t.queue.getJobs(['failed']);
    expect(failed.length).toBeLessThanOrEqual(3);
    for (const job of failed) expect(job.failedReason).toMatch(/AWO_TIMEOUT|took longer than its timeout of 300 ms/);
    expect(Number(await t.runtime.redis.hget(t.runtime.keys.workflowCounts, 'failed'))).toBe(5);
  }, 20_000);
});
