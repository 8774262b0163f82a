import type { Redis } from 'ioredis';
import { keys, parseConfig, type AclAgent, type Config } from '@awo/shared';

export const KEY = 'acl-test-signing-key-0123456789';
export const AGENTS = ['monitor', 'analyzer', 'planner', 'executor', 'reader'] as const satisfies readonly AclAgent[];
export type Name = (typeof AGENTS)[number];

/** One config for every agent; only the Redis user differs (`redis`: another connection, e.g. a cluster; `extra`: top-level sections that replace these). */
export function config(prefix: string, url: string, redis: Record<string, unknown> = { url }, extra: Record<string, unknown> = {}): Config {
  return parseConfig(
    {
      prefix,
      redis,
      bus: { block: 100, ackInterval: 5 },
      signing: { required: true },
      workflow: {
        schema: { fields: { id: { type: 'string', required: true } }, key: 'id' },
        steps: {
          work: { params: { concurrency: 1 }, apply: { concurrency: 'flag' } },
          // Records through a fan-out and a join into a sink: the workflow runner's queues, taps, once-marks, joins and counters.
          ingest: { handler: 'pass' },
          left: { handler: 'pass', after: ['ingest'] },
          right: { handler: 'pass', after: ['ingest'] },
          store: { handler: 'sink', after: ['left', 'right'] },
        },
      },
      monitor: {
        interval: '200ms',
        sources: [
          { kind: 'redis-stream', name: 'raw', stream: `${prefix}:raw` },
          { kind: 'bullmq', name: 'actions', queue: 'actions', queuePrefix: keys(prefix).queuePrefix('actions') },
          { kind: 'records', name: 'in', step: 'ingest' },
        ],
      },
      analyzer: { forecast: [{ series: 'redis-stream.raw.length', horizon: '1s', step: '200ms' }] },
      planner: {
        lease: '2s',
        evaluateInterval: '200ms',
        goals: [
          {
            kind: 'autoscale', name: 'raw', step: 'work', metric: 'redis-stream.raw.wait', target: 1000,
            arrivalSeries: 'redis-stream.raw.length', completionSeries: 'redis-stream.raw.done', activeSeries: 'redis-stream.raw.active', backlogSeries: 'redis-stream.raw.backlog',
            min: 1, max: 20, initialThroughput: 10, cooldown: 0, maxStep: 20,
          },
        ],
      },
      executor: { actions: { flag: { kind: 'redis-set', key: 'flags.{{step}}.{{param}}' } } },
      ...extra,
    },
    { AWO_SIGNING_KEY: KEY },
  );
}

/** Redis's ACL LOG: who was refused what (user, reason, the command or key). */
export async function aclLog(admin: Redis): Promise<string[]> {
  const entries = (await admin.call('ACL', 'LOG', '1000')) as string[][];
  return entries.map((e) => {
    const o = Object.fromEntries(Array.from({ length: e.length / 2 }, (_, i) => [e[2 * i], e[2 * i + 1]]));
    return `${o.username} ${o.reason} ${o.context} ${o.object}`;
  });
}

