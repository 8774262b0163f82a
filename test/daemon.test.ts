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

const AWO = new URL('../packages/cli/bin/awo.js', import.meta.url).pathname;
/** The example config's pool processor (a pool names its processor; there is no default). */
const PROCESSOR = new URL('../infra/processors/work.mjs', import.meta.url).pathname;

/** Runs `awo <args>` as a real child process, collecting its output. */
function awo(args: string[]) {
  const child = spawn(process.execPath, [AWO, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWO_LOG_LEVEL: 'info' } });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

function writeConfig(prefix: string, port: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'awo-daemon-'));
  const file = join(dir, 'awo.yaml');
  writeFileSync(
    file,
    `prefix: ${prefix}
redis: { url: "${REDIS_URL}" }
bus: { block: 200, closeGrace: 5s }
health: { port: ${port} }
analyzer: { health: { port: ${port} }, forecast: [{ series: "load.*", horizon: 5s }] }
monitor: { interval: 200ms, sources: [{ kind: system, name: host }] }
workflow: { steps: { work: { queue: work, params: { concurrency: 1 }, apply: { concurrency: scale } } } }
executor: { actions: { scale: { kind: scale-bullmq-workers, pool: work } }, pools: { work: { queue: work, processor: ${PROCESSOR}, initial: 1, max: 4 } } }
`,
  );
  return file;
}

describe('agents as daemons', () => {
  it.each([['up'], ['analyzer']])('`awo %s` serves /readyz, and on SIGTERM drains, acks and exits 0', async (mode) => {
    const prefix = testPrefix();
    const port = await freePort();
    const redis = new Redis(REDIS_URL);
    const proc = awo([mode, '--config', writeConfig(prefix, port)]);
    try {
      await waitFor(() => ready(port), `/readyz of awo ${mode}`, 20_000, 50);
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { ok: boolean; agents: { name: string; state: string }[] };
      expect(health.ok).toBe(true);
      expect(health.agents.map((a) => a.name).sort()).toEqual(mode === 'up' ? ['analyzer', 'api', 'executor', 'monitor', 'planner'] : ['analyzer']);
      expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/awo_agent_up\{agent="analyzer"\} 1/);
      // Work in flight when the signal comes: a stream of metrics for the analyzer.
      const k = keys(prefix);
      const p = redis.pipeline();
      for (let i = 0; i < 500; i++) p.xadd(k.stream('metrics'), '*', 'data', JSON.stringify({ v: 1, series: 'load.web', value: i, ts: Date.now(), source: 'test', labels: {} }));
      await p.exec();
      const exited = once(proc.child, 'exit');
      const t0 = Date.now();
      proc.child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(proc.output()).toMatch(/"msg":"stopped"/);
      expect(proc.output()).toMatch(/"clean":true/);
      const pending = (await redis.xpending(k.stream('metrics'), 'analyzer')) as [number];
      expect(pending[0]).toBe(0);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await cleanup(redis, prefix);
      await redis.quit();
    }
  }, 40_000);
});
