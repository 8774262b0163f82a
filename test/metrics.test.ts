import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@awo/testkit';
import { cleanup, REDIS_URL, testPrefix, waitFor } from './helpers.js';

const AWO = new URL('../packages/cli/bin/awo.js', import.meta.url).pathname;
const EXAMPLE = new URL('../infra/config/awo.example.yaml', import.meta.url).pathname;
const PROMTOOL = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

/** Families of a text exposition: name → HELP, TYPE and the sample lines. */
function families(text: string): Map<string, { help?: string; type?: string; samples: string[] }> {
  const out = new Map<string, { help?: string; type?: string; samples: string[] }>();
  const family = (name: string) => out.get(name) ?? out.set(name, { samples: [] }).get(name)!;
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) family(meta[2]!)[meta[1] === 'HELP' ? 'help' : 'type'] = meta[3];
    else if (line && !line.startsWith('#')) {
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
      const base = name.replace(/_(bucket|sum|count)$/, '');
      family(out.get(base)?.type === 'histogram' ? base : name).samples.push(line);
    }
  }
  return out;
}

describe('/metrics of `awo up` on the example config', () => {
  const prefix = testPrefix();
  const redis = new Redis(REDIS_URL);
  let child: ReturnType<typeof spawn>;
  let output = '';
  let scrape = '';

  beforeAll(async () => {
    const port = await freePort();
    const env = { ...process.env, AWO_PREFIX: prefix, AWO_REDIS_URL: REDIS_URL, AWO__health__port: String(port), AWO_SIGNING_KEY: 'a-test-signing-key-of-32-chars!!', AWO_LOG_LEVEL: 'warn', AWO__api__port: '0' };
    child = spawn(process.execPath, [AWO, 'up', '--config', EXAMPLE], { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const text = async () => {
      try {
        return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      } catch {
        return '';
      }
    };
    // Scraped once the monitor finished a round and the analyzer handled a batch: histograms then have samples.
    await waitFor(
      async () => {
        scrape = await text();
        return /awo_batch_duration_seconds_count\{[^}]*agent="monitor"/.test(scrape) && /awo_batch_duration_seconds_count\{[^}]*agent="analyzer"/.test(scrape);
      },
      `a scrape with batches of monitor and analyzer (output: ${output.slice(-2000)})`,
      30_000,
      100,
    );
  }, 40_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await cleanup(redis, prefix);
    await redis.quit();
  }, 30_000);

  it('has HELP and TYPE on every family, counters ending in _total, the agent label on agent metrics, config names as labels', () => {
    const all = families(scrape);
    expect(all.size).toBeGreaterThan(20);
    for (const [name, f] of all) {
      expect({ name, help: Boolean(f.help), type: f.type !== undefined }).toEqual({ name, help: true, type: true });
      expect({ name, counterIffTotal: (f.type === 'counter') === name.endsWith('_total') }).toEqual({ name, counterIffTotal: true });
      expect(name).toMatch(/^awo_[a-z0-9_]+$/);
    }
    for (const name of ['awo_decision_latency_seconds', 'awo_action_latency_seconds', 'awo_batch_duration_seconds']) expect(all.get(name)?.type).toBe('histogram');
    expect(scrape).toMatch(/^awo_signing_enabled 1$/m);
    for (const agent of ['monitor', 'analyzer', 'planner', 'executor']) expect(scrape).toMatch(new RegExp(`^awo_agent_up\\{agent="${agent}"\\} 1$`, 'm'));
    // Pools from the config are a label, never part of a name.
    expect(all.get('awo_pool_size')?.samples.some((s) => /\{agent="executor",pool="[^"]+"\} \d+$/.test(s))).toBe(true);
    expect([...all.keys()].filter((n) => n.startsWith('awo_executor_pool_'))).toEqual([]);
    expect(all.get('awo_planner_leader')?.samples).toEqual(['awo_planner_leader{agent="planner"} 1']);
  });

  it.skipIf(!PROMTOOL)('passes `promtool check metrics` with nothing to say', () => {
    const check = spawnSync('promtool', ['check', 'metrics'], { input: scrape, encoding: 'utf8' });
    expect({ status: check.status, out: check.stdout + check.stderr }).toEqual({ status: 0, out: '' });
  });

  it.runIf(!PROMTOOL)('skips the promtool half: promtool is not on PATH (Debian package `prometheus`)', () => {
    console.warn('metrics.test: promtool is not on PATH; `promtool check metrics` was NOT run');
  });
});
