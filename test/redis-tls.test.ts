import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, makeTestCerts, startRedisServer, which, type RedisServer } from '@awo/testkit';
import { applyChanges, checkRedis, createLogger, parseConfig, PlanStore, prefixPatterns, redactUrl, Runtime, type Delivery } from '@awo/shared';
import { testPrefix, waitFor } from './helpers.js';

/** Whether this redis-server was built with TLS: one without it refuses `--tls-port` at once. */
function redisHasTls(): boolean {
  const bin = which('redis-server');
  if (!bin) return false;
  const probe = spawnSync(bin, ['--port', '0', '--tls-port', '0', '--save', '', '--appendonly', 'no'], { timeout: 1500, encoding: 'utf8' });
  return !/Bad directive|wrong number of arguments|not compiled|TLS support/i.test(`${probe.stdout}${probe.stderr}`);
}

const TLS = redisHasTls();
if (!TLS) console.warn('redis-tls.test: skipped, the installed redis-server was built without TLS (it refuses --tls-port)');

/**
 * awo against a Redis that only speaks TLS and knows one ACL user, limited to awo's key prefix
 * and the command categories awo needs (no `@dangerous` ones, INFO excepted for the ready check).
 */
describe.skipIf(!TLS)('Redis over TLS with an ACL user', () => {
  const dir = mkdtempSync(join(tmpdir(), 'awo-tls-'));
  const prefix = testPrefix();
  const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
  let server: RedisServer;
  let ca = '';
  let url = '';

  beforeAll(async () => {
    const certs = makeTestCerts(dir);
    ca = certs.ca;
    const port = await freePort();
    // `--port 0` after startRedisServer's own `--port`: no plain-text listener at all.
    server = await startRedisServer({
      port,
      dir,
      args: ['--port', '0', '--tls-port', String(port), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no',
        '--user', 'default', 'off',
        '--user', 'awo', 'on', `>${password}`, ...prefixPatterns(prefix).map((p) => `~${p}`), 'resetchannels', '+@read', '+@write', '+@scripting', '+@connection', '+@transaction', '-@dangerous', '+info'],
    });
    url = `rediss://awo:${password}@127.0.0.1:${port}`;
  }, 30_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes, consumes and commits a plan through rediss://user:pass@ with redis.tls.ca; the password is never logged', async () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const log = createLogger({ level: 'debug', destination });
    const config = parseConfig({ prefix, redis: { url, tls: { ca } }, bus: { block: 200, ackInterval: 5 }, telemetry: { spanStore: { enabled: false } }, workflow: { steps: { work: { params: { concurrency: 1 } } } } });
    await checkRedis(config.redis);
    const runtime = new Runtime({ config, redisUrl: url, log, env: {} });
    try {
      log.info({ redis: redactUrl(url), config: { redis: config.redis } }, 'connecting');
      const got: Delivery<'metrics'>[] = [];
      const consumer = await runtime.bus.consume('metrics', { group: 'tls-test', consumer: 'c1', handler: async (d) => void got.push(d) });
      await runtime.bus.publish('metrics', { v: 1, series: 'tls.ok', value: 1, ts: Date.now(), source: 'test' });
      await waitFor(() => got.length === 1, 'the metric back over TLS', 10_000);
      await consumer.close();
      expect(got[0]?.message.series).toBe('tls.ok');

      const store = new PlanStore(runtime.redis, runtime.keys, config);
      const v0 = await store.current();
      const change = { op: 'set' as const, step: 'work', param: 'concurrency', from: 1, to: 3 };
      await store.commit({ v: 1, version: 1, parentVersion: 0, plan: applyChanges(v0, [change], 1), changes: [change], goal: 'tls', reason: 'over TLS', insightIds: [], at: Date.now(), leader: 'test' });
      expect(await store.current()).toMatchObject({ version: 1, steps: { work: { params: { concurrency: 3 } } } });

      // The user is confined to the prefix: a key outside it is refused.
      await expect(runtime.redis.get('elsewhere:key')).rejects.toThrow(/NOPERM/);
    } finally {
      await runtime.close();
    }
    log.flush();
    const output = lines.join('');
    expect(output).toContain('connecting');
    expect(output).not.toContain(password);
  });

  it('refuses a wrong password with AWO_REDIS_AUTH, naming the user but never the password', async () => {
    const wrong = `${password}-wrong`;
    const err = await checkRedis({ url: `rediss://awo:${wrong}@${url.split('@')[1] ?? ''}`, tls: { ca, rejectUnauthorized: true }, connectTimeout: 2000 }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err).toMatchObject({ code: 'AWO_REDIS_AUTH' });
    expect(err?.message).toMatch(/Redis refused awo@127\.0\.0\.1:\d+: WRONGPASS/);
    expect(err?.message).not.toContain(wrong);
  });

  it('refuses a server certificate from a CA it was not given', async () => {
    await expect(checkRedis({ url, connectTimeout: 2000 })).rejects.toMatchObject({ code: 'AWO_REDIS_UNAVAILABLE', message: expect.stringMatching(/self-signed|unable to verify|certificate/i) });
  });
});
