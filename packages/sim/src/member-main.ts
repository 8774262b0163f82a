// One `@awo/worker` member of the workers demo, run as its own process by `spawnMember`.
// Env: AWO_DEMO_CONFIG (the demo's config as JSON, without its key), AWO_SIGNING_KEY,
// AWO_MEMBER_ID, AWO_MEMBER_TTL / _HEARTBEAT / _RECHECK (ms), AWO_LOG_LEVEL.
// Each job sleeps its `data.serviceMs`; when a job starts, its wait is sent to the parent (IPC)
// for the demo's SLO meter. SIGTERM closes the member cleanly.
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, keys, parseConfig, QUEUES } from '@awo/shared';
import { AdaptiveWorker } from '@awo/worker';

const env = process.env;
const config = parseConfig(JSON.parse(env.AWO_DEMO_CONFIG ?? '{}'), { AWO_SIGNING_KEY: env.AWO_SIGNING_KEY });
const ms = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const worker = new AdaptiveWorker({
  config,
  step: 'work',
  queue: QUEUES.demo,
  queuePrefix: keys(config.prefix).queuePrefix(QUEUES.demo),
  ...(env.AWO_MEMBER_ID ? { id: env.AWO_MEMBER_ID } : {}),
  ttl: ms('AWO_MEMBER_TTL', 3000),
  heartbeat: ms('AWO_MEMBER_HEARTBEAT', 500),
  recheck: ms('AWO_MEMBER_RECHECK', 2000),
  // A killed member's jobs go back to the queue within seconds, not BullMQ's default 30 s.
  workerOptions: { lockDuration: 5000, stalledInterval: 2500 },
  log: createLogger({ level: env.AWO_LOG_LEVEL ?? 'warn', base: { service: 'awo-demo-member' } }),
  processor: async (job, { signal }) => {
    process.send?.({ kind: 'start', waitMs: (job.processedOn ?? Date.now()) - job.timestamp, at: job.processedOn ?? Date.now() });
    const asked = (job.data as { serviceMs?: unknown } | null)?.serviceMs;
    await sleep(typeof asked === 'number' && asked >= 0 ? asked : 100, undefined, signal ? { signal } : undefined);
  },
});
// Closed (SIGTERM, or the parent went away): the process ends once nothing is left open.
const leave = () => {
  if (process.connected) process.disconnect();
};
const stop = () =>
  void worker.close().then(leave, () => {
    process.exitCode = 1;
    leave();
  });
process.once('SIGTERM', stop);
process.once('disconnect', stop);
await worker.start();
process.send?.({ kind: 'started' });
