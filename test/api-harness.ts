import { Writable } from 'node:stream';
import { ApiServer } from '@awo/api';
import { ExecutorAgent } from '@awo/executor';
import { applyChanges, createLogger, deletePrefix, parseConfig, PlanStore, Runtime, type Change, type ConfigInput, type Plan } from '@awo/shared';
import { REDIS_URL, testPrefix } from './helpers.js';

/** An answer's JSON: its shape is what the assertions check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read freely and checked by the assertions
export type Json = any;

export const TOKENS = { operator: 'op-token-0123456789abcdef', viewer: 'viewer-token-0123456789abc', burst: 'burst-token-0123456789abcd' } as const;

/** A workflow ingest → validate → store (key `id`) beside a parameter step `knob` whose `level` a `redis-set` action applies. */
export function apiConfig(prefix: string, api: Record<string, unknown> = {}): ConfigInput {
  return {
    prefix,
    bus: { block: 200, ackInterval: 5, claimInterval: 100 },
    workflow: {
      name: 'orders',
      schema: { fields: { id: { type: 'string', required: true }, amount: { type: 'number', required: true, min: 0, max: 100 } }, key: 'id' },
      steps: {
        knob: { params: { level: 1 }, apply: { level: 'set-level' } },
        ingest: { handler: 'pass', backoff: 10 },
        validate: { handler: 'validate', after: ['ingest'] },
        store: { handler: 'sink', after: ['validate'] },
      },
      runs: { maxCount: 1000 },
    },
    executor: { actions: { 'set-level': { kind: 'redis-set', key: 'level:{{step}}' } } },
    api: {
      host: '127.0.0.1',
      port: 0,
      tokens: [
        { name: 'viewer', role: 'viewer', tokenEnv: 'T_VIEWER' },
        { name: 'burst', role: 'operator', tokenEnv: 'T_BURST' },
      ],
      rateLimit: { max: 10, window: '1m' },
      pageSize: 20,
      events: { heartbeat: '200ms', maxClients: 2 },
      ...api,
    },
  };
}

/**
 * A real executor (it runs the workflow and the actions) and the API on a fresh prefix of the
 * test Redis (or of `redis`, e.g. `{ cluster: seeds }`); every log line of the API kept in
 * `lines` (to check what it never logs).
 */
export async function startApi(api: Record<string, unknown> = {}, redis?: Record<string, unknown>) {
  const prefix = testPrefix();
  const env = { AWO_API_TOKEN: TOKENS.operator, T_VIEWER: TOKENS.viewer, T_BURST: TOKENS.burst };
  const config = parseConfig({ ...apiConfig(prefix, api), ...(redis ? { redis } : {}) }, env);
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ level: 'debug', destination });
  const runtime = new Runtime({ config, redisUrl: redis ? '' : REDIS_URL, log, env: {} });
  const executor = new ExecutorAgent(runtime.deps('executor'));
  const server = new ApiServer({ config, redis: runtime.redis, connect: (n, o) => runtime.connect(`api:${n}`, o), keys: runtime.keys, log: log.child({ agent: 'api' }), metrics: runtime.metrics.agent('api') });
  await executor.start();
  await server.start();
  const base = `http://127.0.0.1:${server.port}`;
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  return {
    prefix,
    config,
    runtime,
    server,
    executor,
    store,
    lines,
    base,
    /** A request with the token of `as` (none when undefined); the JSON answer. */
    async call(method: string, path: string, as?: keyof typeof TOKENS | string, body?: unknown): Promise<{ status: number; json: Json; headers: Headers }> {
      const token = as === undefined ? undefined : (TOKENS[as as keyof typeof TOKENS] ?? as);
      const res = await fetch(base + path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, json, headers: res.headers };
    },
    /** Commits a revision as the leading planner would (the executor applies it). */
    async commit(changes: Change[], goal = 'test'): Promise<Plan> {
      const current = await store.current();
      const version = current.version + 1;
      const plan = applyChanges(current, changes, version);
      await store.commit({ v: 1, version, parentVersion: current.version, plan, changes, goal, reason: `test revision ${version}`, insightIds: [], at: Date.now(), leader: 'test-planner' });
      return plan;
    },
    async [Symbol.asyncDispose]() {
      await server.close();
      await executor.close();
      await deletePrefix(runtime.redis, prefix).catch(() => undefined);
      await runtime.close();
    },
  };
}
