import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '@awo/testkit';
import { cleanup, REDIS_URL, testPrefix, waitFor } from './helpers.js';
import { Redis } from 'ioredis';

const AWO = new URL('../packages/cli/bin/awo.js', import.meta.url).pathname;
const TOKEN = 'cli-test-operator-token-0123456789';

describe('`awo api`', () => {
  it('serves the API on api.host:api.port with the AWO_API_TOKEN operator token and health beside it, and drains on SIGTERM', async () => {
    const prefix = testPrefix();
    const [apiPort, healthPort] = [await freePort(), await freePort()];
    const file = join(mkdtempSync(join(tmpdir(), 'awo-api-')), 'awo.yaml');
    writeFileSync(file, `prefix: ${prefix}\nredis: { url: "${REDIS_URL}" }\nhealth: { port: ${healthPort} }\napi: { host: 127.0.0.1, port: ${apiPort} }\n`);
    const child = spawn(process.execPath, [AWO, 'api', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWO_LOG_LEVEL: 'info', AWO_API_TOKEN: TOKEN } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const redis = new Redis(REDIS_URL);
    try {
      await waitFor(() => output.includes('"msg":"awo is running"'), 'awo api to start', 30_000, 50);
      expect(output).toContain(`"api":"http://127.0.0.1:${apiPort}"`);
      const plan = await fetch(`http://127.0.0.1:${apiPort}/api/v1/plan`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(plan.status).toBe(200);
      expect(((await plan.json()) as { plan: { version: number } }).plan.version).toBe(0);
      expect((await fetch(`http://127.0.0.1:${apiPort}/api/v1/plan`)).status).toBe(401);
      const health = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      expect(((await health.json()) as { agents: { name: string }[] }).agents.map((a) => a.name)).toEqual(['api']);
      const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
      expect(metrics).toMatch(/awo_api_requests_total\{agent="api",method="GET",route="\/api\/v1\/plan",status="401"\} 1/);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
      expect(output).not.toContain(TOKEN);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await cleanup(redis, prefix);
      await redis.quit();
    }
  }, 60_000);
});
