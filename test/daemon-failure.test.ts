import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { freePort } from '@awo/testkit';
import { keys } from '@awo/shared';
import { cleanup, REDIS_URL, testPrefix, waitFor } from './helpers.js';

/** `awo analyzer`'s own process wiring plus an agent that fails on SIGUSR2 (see the fixture). */
const FIXTURE = new URL('./fixtures/failing-agent.ts', import.meta.url).pathname;

function start(config: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--conditions', 'development', '--import', 'tsx', FIXTURE, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWO_LOG_LEVEL: 'info', ...env } });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output, exited: once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]> };
}

async function status(port: number, path: '/readyz' | '/healthz'): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}${path}`)).status;
  } catch {
    return 0;
  }
}

function writeConfig(prefix: string, port: number, extra = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), 'awo-failure-')), 'awo.yaml');
  writeFileSync(file, `prefix: ${prefix}\nredis: { url: "${REDIS_URL}" }\nbus: { block: 200, closeGrace: 5s }\nanalyzer: { health: { port: ${port} }, forecast: [{ series: "load.*", horizon: 5s }] }\n${extra}`);
  return file;
}

async function withDaemon(extra: string, env: Record<string, string>, body: (d: ReturnType<typeof start> & { port: number; prefix: string; redis: Redis }) => Promise<void>) {
  const prefix = testPrefix();
  const port = await freePort();
  const redis = new Redis(REDIS_URL);
  const daemon = start(writeConfig(prefix, port, extra), env);
  try {
    await waitFor(async () => (await status(port, '/readyz')) === 200, '/readyz of the daemon', 20_000, 50);
    await body({ ...daemon, port, prefix, redis });
  } finally {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
    await cleanup(redis, prefix);
    await redis.quit();
  }
}

describe('a daemon whose agent fails, or that is told to stop', () => {
  it('exits 1 after draining the other agents when an agent fails (exitOnFailure, the default)', async () => {
    await withDaemon('', {}, async ({ child, output, exited, prefix, redis }) => {
      // Work in flight for the analyzer when the other agent fails.
      const k = keys(prefix);
      const p = redis.pipeline();
      for (let i = 0; i < 500; i++) p.xadd(k.stream('metrics'), '*', 'data', JSON.stringify({ v: 1, series: 'load.web', value: i, ts: Date.now(), source: 'test', labels: {} }));
      await p.exec();
      child.kill('SIGUSR2');
      const [code] = await exited;
      expect(code).toBe(1);
      expect(output()).toMatch(/"failed":"failing".*an agent failed: draining the others and exiting 1/);
      expect(output()).toMatch(/"clean":true.*"msg":"stopped"|"msg":"stopped".*"clean":true/);
      const pending = (await redis.xpending(k.stream('metrics'), 'analyzer')) as [number];
      expect(pending[0]).toBe(0);
    });
  }, 40_000);

  it('with exitOnFailure: false keeps running, /healthz at 503, until SIGTERM', async () => {
    await withDaemon('exitOnFailure: false\n', {}, async ({ child, output, exited, port }) => {
      child.kill('SIGUSR2');
      await waitFor(async () => (await status(port, '/healthz')) === 503, '/healthz at 503', 10_000, 50);
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(output()).not.toMatch(/an agent failed/);
    });
  }, 40_000);

  it('on SIGTERM gives up draining after shutdownTimeout and exits 1', async () => {
    await withDaemon('shutdownTimeout: 1s\n', { AWO_TEST_HANG_ON_CLOSE: '1' }, async ({ child, output, exited }) => {
      const t0 = Date.now();
      child.kill('SIGTERM');
      const [code] = await exited;
      const took = Date.now() - t0;
      expect(code).toBe(1);
      expect(output()).toMatch(/"boundMs":1000.*agents did not stop in time/);
      expect(took).toBeGreaterThanOrEqual(1000);
      expect(took).toBeLessThan(15_000);
    });
  }, 40_000);
});
