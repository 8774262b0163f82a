import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@awo/shared';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleRoutes, goalViews } from './routes.js';

const dirs: string[] = [];
function built(): string {
  const dir = mkdtempSync(join(tmpdir(), 'awo-console-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>awo console</title>');
  writeFileSync(join(dir, 'assets/index-abc.js'), 'console.log(1)');
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const config = parseConfig({
  workflow: { steps: { work: { queue: 'work', params: { concurrency: 1 } }, check: { handler: 'pass', variants: { strict: 'pass' } } } },
  planner: {
    goals: [
      { kind: 'autoscale', name: 'wait', step: 'work', metric: 'bullmq.work.wait_p95_ms', target: 1000, arrivalSeries: 'a', completionSeries: 'c', activeSeries: 'act', backlogSeries: 'b', min: 1, max: 9 },
      { kind: 'quality', name: 'clean', limits: { 'records.orders.null_rate': 0.02 }, reroute: { switch: 'check', variant: 'strict' } },
    ],
  },
});

async function app(dir?: string) {
  // As on the API's server, whose zod compilers check the goals route's answer.
  const a = Fastify();
  a.setValidatorCompiler(validatorCompiler);
  a.setSerializerCompiler(serializerCompiler);
  await consoleRoutes(a, { config }, { dir: dir ?? join(tmpdir(), 'awo-console-missing-build') });
  return a;
}

describe('consoleRoutes', () => {
  it('serves the built page and its assets, and answers 304 to a known ETag', async () => {
    const a = await app(built());
    const page = await a.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.body).toContain('awo console');
    const again = await a.inject({ url: '/', headers: { 'if-none-match': page.headers.etag as string } });
    expect(again.statusCode).toBe(304);
    const js = await a.inject({ url: '/assets/index-abc.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await a.inject({ url: '/assets/../index.html' })).statusCode).not.toBe(500);
    expect((await a.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    await a.close();
  });

  it('answers 503 with what to do when the console is not built', async () => {
    const a = await app();
    const res = await a.inject({ url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    await a.close();
  });

  it("lists the config's goals for the page: what each sets and reads", async () => {
    const a = await app(built());
    const res = await a.inject({ url: '/api/v1/goals' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ goals: goalViews(config) });
    expect(goalViews(config)).toEqual([
      { kind: 'autoscale', name: 'wait', mode: 'apply', step: 'work', param: 'concurrency', metric: 'bullmq.work.wait_p95_ms', target: 1000, min: 1, max: 9, arrivalSeries: 'a', activeSeries: 'act', backlogSeries: 'b' },
      { kind: 'quality', name: 'clean', mode: 'apply', limits: { 'records.orders.null_rate': 0.02 } },
    ]);
    await a.close();
  });
});
