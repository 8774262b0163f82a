import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseConfig, parseConfigText } from './load.js';

const example = readFileSync(new URL('../../../../infra/config/awo.example.yaml', import.meta.url), 'utf8');

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('loads the example file with defaults applied and durations in ms', () => {
    const cfg = parseConfigText(example);
    expect(cfg.prefix).toBe('awo');
    expect(cfg.planner.lease).toBe(10_000);
    expect(cfg.bus.claimMinIdle).toBe(30_000);
    expect(cfg.bus.readCount).toBe(500);
    expect(cfg.monitor.sources[0]).toMatchObject({ kind: 'bullmq', queue: 'work', waitSample: 1000 });
    expect(cfg.planner.goals[0]).toMatchObject({ kind: 'autoscale', startupDelay: 3000, cooldown: 2000 });
    expect(Object.isFrozen(cfg.planner.goals)).toBe(true);
  });

  it('an empty document is a valid config of defaults', () => {
    const cfg = parseConfig({});
    expect(cfg.bus.maxLen).toBe(100_000);
    expect(cfg.redis.url).toBeUndefined();
  });

  it('reports every bad field with its path and what was expected', () => {
    const issues = issuesOf(() =>
      parseConfig({ bus: { maxLen: 'big', block: '3 parsecs' }, log: { level: 'loud' }, planner: { goals: [{ kind: 'autoscale', name: 'g' }] } }),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toContain('bus.maxLen');
    expect(paths).toContain('bus.block');
    expect(paths).toContain('log.level');
    expect(paths).toContain('planner.goals[0].metric');
    expect(issues.find((i) => i.path === 'bus.maxLen')?.message).toMatch(/expected number/);
    expect(issues.find((i) => i.path === 'bus.block')?.message).toMatch(/not a duration/);
  });

  it('refuses unknown fields (a typo is not silently ignored)', () => {
    const issues = issuesOf(() => parseConfig({ bus: { maxlen: 10 } }));
    expect(issues[0]?.path).toBe('bus');
    expect(issues[0]?.message).toMatch(/maxlen/);
  });

  it('refuses references to things that are not declared', () => {
    const issues = issuesOf(() =>
      parseConfig({
        workflow: { steps: { a: { after: ['ghost'], apply: { concurrency: 'nope' } } } },
        executor: { actions: { s: { kind: 'scale-bullmq-workers', pool: 'missing' } } },
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(['workflow.steps.a.after', 'workflow.steps.a.apply.concurrency', 'executor.actions.s.pool']);
  });

  it('refuses a command that is not an absolute path, and bad URLs', () => {
    const issues = issuesOf(() => parseConfig({ executor: { actions: { c: { kind: 'command', executable: 'rm' }, h: { kind: 'http', url: 'not a url' } } } }, { AWO_SIGNING_KEY: 'a-key-of-sixteen-chars' }));
    expect(issues.map((i) => i.path).sort()).toEqual(['executor.actions.c.executable', 'executor.actions.h.url']);
  });

  it('applies environment overrides, named and by path', () => {
    const cfg = parseConfig({}, { AWO_REDIS_URL: 'redis://10.0.0.1:6380', AWO__planner__lease: '15s', AWO__bus__maxLen: '5000', AWO_LOG_LEVEL: 'debug' });
    expect(cfg.redis.url).toBe('redis://10.0.0.1:6380');
    expect(cfg.planner.lease).toBe(15_000);
    expect(cfg.bus.maxLen).toBe(5000);
    expect(cfg.log.level).toBe('debug');
  });

  it('takes an override of a text field as text, even when it looks like a number', () => {
    const cfg = parseConfig({}, { AWO__redis__password: '12345', AWO__redis__username: 'true', AWO__bus__maxLen: '5000' });
    expect(cfg.redis.password).toBe('12345');
    expect(cfg.redis.username).toBe('true');
    expect(cfg.bus.maxLen).toBe(5000);
  });

  it('refuses overrides that would turn signing off, add an action or change code that runs, naming the variable', () => {
    const doc = { signing: { required: true }, workflow: { steps: { a: { handler: 'pass' } } }, executor: { actions: {} } };
    const env = {
      AWO_SIGNING_KEY: 'a-key-of-sixteen-chars',
      AWO__signing__required: 'false',
      AWO__executor__actions__x: '{"kind":"command","executable":"/bin/sh"}',
      AWO__workflow__steps__a__handler: '/tmp/evil.mjs',
      AWO__executor__pools__p__processor: '/tmp/evil.mjs',
    };
    const issues = issuesOf(() => parseConfig(doc, env));
    expect(issues.map((i) => i.path).sort()).toEqual(['AWO__executor__actions__x', 'AWO__executor__pools__p__processor', 'AWO__signing__required', 'AWO__workflow__steps__a__handler']);
    expect(parseConfig({}, { AWO_SIGNING_KEY: 'a-key-of-sixteen-chars', AWO__signing__required: 'true' }).signing.required).toBe(true);
  });

  it('reports YAML syntax errors with line and column', () => {
    const issues = issuesOf(() => parseConfigText('bus:\n  maxLen: [1, 2\n'));
    expect(issues[0]?.path).toMatch(/^line \d+, column \d+$/);
  });

  it('refuses a top level that is not a mapping', () => {
    expect(issuesOf(() => parseConfigText('- a\n- b\n'))[0]?.message).toMatch(/mapping/);
  });
});

describe('signing key', () => {
  it('is required when a command or http action is configured, and the message says how to make one', () => {
    const issues = issuesOf(() => parseConfig({ executor: { actions: { hook: { kind: 'http', url: 'http://127.0.0.1:1/x' } } } }));
    expect(issues).toEqual([{ path: 'signing', message: expect.stringMatching(/executor.actions.hook is a http action.*npx awo keys init/) }]);
    expect(parseConfig({ executor: { actions: { set: { kind: 'redis-set', key: 'k' } } } }).signing.key).toBeUndefined();
  });

  it('reads a key file: the first key signs, a second one is the previous key; more are refused', async () => {
    const { mkdtempSync, writeFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { initKeyFile, rotateKeyFile } = await import('../plan/keys.js');
    const dir = mkdtempSync(join(tmpdir(), 'awo-keys-'));
    const file = join(dir, 'signing.key');
    await initKeyFile(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const first = parseConfig({ signing: { keyFile: file } }).signing;
    expect(first.key).toMatch(/^[0-9a-f]{64}$/);
    expect(first.previousKey).toBeUndefined();
    await expect(initKeyFile(file)).rejects.toThrow(/exists: pass --force/);
    await rotateKeyFile(file);
    const rotated = parseConfig({ signing: { keyFile: file } }).signing;
    expect(rotated.previousKey).toBe(first.key);
    expect(rotated.key).not.toBe(first.key);
    writeFileSync(file, 'a'.repeat(32) + '\n' + 'b'.repeat(32) + '\n' + 'c'.repeat(32) + '\n');
    expect(issuesOf(() => parseConfig({ signing: { keyFile: file } }))[0]).toMatchObject({ path: 'signing.keyFile', message: expect.stringMatching(/at most two keys/) });
    expect(parseConfig({}, { AWO_SIGNING_KEY: 'n'.repeat(20), AWO_SIGNING_KEY_PREVIOUS: 'o'.repeat(20) }).signing).toMatchObject({ key: 'n'.repeat(20), previousKey: 'o'.repeat(20) });
    expect(issuesOf(() => parseConfig({}, { AWO_SIGNING_KEY_PREVIOUS: 'o'.repeat(20) }))[0]?.path).toBe('signing');
  });

  it('comes from AWO_SIGNING_KEY (or signing.keyEnv), never from the file', () => {
    expect(parseConfig({}, { AWO_SIGNING_KEY: 'a-key-of-sixteen-chars' }).signing.key).toBe('a-key-of-sixteen-chars');
    expect(parseConfig({ signing: { keyEnv: 'MY_KEY' } }, { MY_KEY: 'another-long-enough-key' }).signing.key).toBe('another-long-enough-key');
    expect(issuesOf(() => parseConfig({ signing: { key: 'in-the-file-is-wrong' } }))[0]?.path).toBe('signing.key');
  });
  it('is required when signing.required is true', () => {
    expect(issuesOf(() => parseConfig({ signing: { required: true } }, {}))[0]).toMatchObject({ path: 'signing', message: expect.stringMatching(/AWO_SIGNING_KEY/) });
    expect(issuesOf(() => parseConfig({ signing: { keyFile: '/nonexistent/key' } }))[0]?.path).toBe('signing.keyFile');
  });

  it('refuses a workflow and quality goal that name what does not exist, with each path', () => {
    const issues = issuesOf(() =>
      parseConfig({
        workflow: {
          steps: { validate: { handler: 'validate', onFail: 'nowhere', variants: { strict: 'strict-validation' } }, store: { handler: 'sink', after: ['validate'] }, knobs: { variants: { a: 'pass' } } },
          extraSteps: { strict: { handler: 'strict-validation', after: ['ghost'] }, store: { handler: 'pass' } },
        },
        monitor: { sources: [{ kind: 'records', name: 'orders', step: 'knobs' }] },
        planner: {
          goals: [
            { kind: 'quality', name: 'q1', limits: { 'records.orders.null_rate': 0.02 }, reroute: { insert: 'validate', between: ['validate', 'nope'] } },
            { kind: 'quality', name: 'q2', limits: { x: 1 }, reroute: { switch: 'validate', variant: 'lenient' } },
            { kind: 'quality', name: 'q3', limits: {}, reroute: { switch: 'validate', variant: 'strict' } },
          ],
        },
      }),
    );
    const byPath: Record<string, string> = {};
    for (const i of issues) byPath[i.path] = [byPath[i.path], i.message].filter(Boolean).join(' | ');
    expect(byPath['workflow.steps.validate.onFail']).toMatch(/expected a step of workflow.steps or workflow.extraSteps, got "nowhere"/);
    expect(byPath['workflow.steps.knobs.handler']).toMatch(/expected a handler/);
    expect(byPath['workflow.extraSteps.strict.after']).toMatch(/unknown step "ghost"/);
    expect(byPath['workflow.extraSteps.store']).toMatch(/not used in workflow.steps/);
    expect(byPath['workflow.schema']).toMatch(/expected a record schema/);
    expect(byPath['monitor.sources[0].step']).toMatch(/expected a workflow step with a handler, got "knobs"/);
    expect(byPath['planner.goals[0].reroute.insert']).toMatch(/expected a step from workflow.extraSteps, got "validate"/);
    expect(byPath['planner.goals[0].reroute.between[1]']).toMatch(/got "nope"/);
    expect(byPath['planner.goals[1].reroute.variant']).toMatch(/expected a variant of step "validate" \(strict\), got "lenient"/);
    expect(byPath['planner.goals[2].limits']).toMatch(/at least one limit/);
  });

  it('refuses a handler that is neither built in nor an absolute module path', () => {
    const issues = issuesOf(() => parseConfig({ workflow: { steps: { a: { handler: 'rm -rf' } } } }));
    expect(issues[0]?.path).toBe('workflow.steps.a.handler');
  });

  it('bounds the series of every analyzer rule by default, and refuses bad bounds with their path', () => {
    const cfg = parseConfig({ analyzer: { forecast: [{ series: 'a', horizon: '10s' }], anomaly: [{ series: 'b', labels: ['host'], maxSeries: 50 }], drift: [{ series: 'c' }] } });
    expect(cfg.analyzer).toMatchObject({ maxSeries: 10_000, idleExpiry: 3_600_000 });
    expect(cfg.analyzer.forecast[0]).toMatchObject({ maxSeries: 1000, labels: [] });
    expect(cfg.analyzer.anomaly[0]).toMatchObject({ maxSeries: 50, labels: ['host'] });
    expect(cfg.analyzer.drift[0]).toMatchObject({ maxSeries: 1000, labels: [] });
    const issues = issuesOf(() => parseConfig({ analyzer: { idleExpiry: '5s', forecast: [{ series: 'a', horizon: '10s', maxSeries: 0 }], anomaly: [{ series: 'b', labels: [''] }] } }));
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['analyzer.forecast[0].maxSeries', 'analyzer.anomaly[0].labels[0]']));
    expect(issuesOf(() => parseConfig({ analyzer: { idleExpiry: '5s', forecast: [{ series: 'a', horizon: '10s' }] } }))).toEqual([
      { path: 'analyzer.idleExpiry', message: expect.stringMatching(/longer than the horizon of forecast\[0\]/) },
    ]);
  });
});

describe('redis.cluster', () => {
  it('takes seed nodes as a list or as one comma-separated string (AWO_REDIS_CLUSTER)', () => {
    expect(parseConfig({ redis: { cluster: ['127.0.0.1:7000', 'redis://10.0.0.2:7001'] } }).redis.cluster).toEqual(['127.0.0.1:7000', 'redis://10.0.0.2:7001']);
    expect(parseConfig({}, { AWO_REDIS_CLUSTER: '127.0.0.1:7000, 127.0.0.1:7001' }).redis.cluster).toEqual(['127.0.0.1:7000', '127.0.0.1:7001']);
    expect(parseConfig({}).redis.cluster).toBeUndefined();
  });

  it('refuses a seed that is not host:port, and a BullMQ queue prefix without a hash tag, with their paths', () => {
    const seeds = issuesOf(() => parseConfig({ redis: { cluster: ['127.0.0.1', '127.0.0.1:7000'] } }));
    expect(seeds.map((i) => i.path)).toEqual(['redis.cluster[0]']);
    expect(seeds[0]?.message).toMatch(/host:port/);
    const issues = issuesOf(() =>
      parseConfig({
        redis: { cluster: ['127.0.0.1:7000'] },
        monitor: { sources: [{ kind: 'bullmq', name: 'q', queue: 'orders' }, { kind: 'bullmq', name: 'ok', queue: 'orders', queuePrefix: '{shop}' }] },
        executor: { actions: { scale: { kind: 'scale-bullmq-workers', pool: 'p' } }, pools: { p: { queue: 'jobs', queuePrefix: 'shop', processor: 'sleep' } } },
      }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['executor.pools.p.queuePrefix', 'monitor.sources[0].queuePrefix']);
    expect(issues.find((i) => i.path === 'monitor.sources[0].queuePrefix')?.message).toMatch(/hash tag, such as "\{bull\}"/);
    // The same queues on one Redis are fine.
    expect(() => parseConfig({ monitor: { sources: [{ kind: 'bullmq', name: 'q', queue: 'orders' }] } })).not.toThrow();
  });
});
