import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupPrefix, freePort, REDIS_URL, testPrefix, waitFor } from '@awo/testkit';

/**
 * infra/prometheus and infra/grafana: the alert rules pass `promtool check rules` and their unit
 * tests (`promtool test rules`); every metric the rules and the dashboard name is one `awo up`
 * serves; and a real Prometheus (Debian's `prometheus`) scrapes `awo up` on the example config
 * until every agent is up and the plan has a version.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const AWO = join(ROOT, 'packages/cli/bin/awo.js');
const EXAMPLE = join(ROOT, 'infra/config/awo.example.yaml');
const RULES = join(ROOT, 'infra/prometheus/rules.yaml');
const RULES_TEST = join(ROOT, 'infra/prometheus/rules.test.yaml');
const DASHBOARD = join(ROOT, 'infra/grafana/dashboards/awo.json');
const AGENTS = ['monitor', 'analyzer', 'planner', 'executor'];

const has = (cmd: string) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
const PROMTOOL = has('promtool');
const PROMETHEUS = has('prometheus');
if (!PROMTOOL) console.warn('infra-prometheus.test: promtool is not on PATH (Debian package `prometheus`); the rule checks are SKIPPED');
if (!PROMETHEUS) console.warn('infra-prometheus.test: prometheus is not on PATH (Debian package `prometheus`); the real scrape is SKIPPED');

/** Metric names in a PromQL expression: awo's, with a histogram's `_bucket`/`_sum`/`_count` taken off. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\bawo_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
}

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);

describe('infra/prometheus/rules.yaml', () => {
  it.skipIf(!PROMTOOL)('passes `promtool check rules`', () => {
    const r = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect({ status: r.status, out: r.stdout + r.stderr }).toMatchObject({ status: 0 });
  });

  it.skipIf(!PROMTOOL)('passes its unit tests (`promtool test rules`)', () => {
    const r = spawnSync('promtool', ['test', 'rules', RULES_TEST], { encoding: 'utf8' });
    expect({ status: r.status, out: r.stdout + r.stderr }).toMatchObject({ status: 0 });
  });

  it('alerts on each thing issue 16 names, and each alert has a unit test that makes it fire', () => {
    const alerts = rules.map((r) => r.alert).sort();
    expect(alerts).toEqual(expect.arrayContaining(['AwoNoPlannerLeader', 'AwoDriftNotCorrected', 'AwoDeadLettersGrowing', 'AwoForecastsStale', 'AwoActionsFailing', 'AwoSigningOff']));
    const tests = (parse(readFileSync(RULES_TEST, 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests.flatMap((t) => t.alert_rule_test);
    for (const alert of alerts) expect({ alert, fires: tests.some((t) => t.alertname === alert && t.exp_alerts.length > 0) }).toEqual({ alert, fires: true });
  });
});

describe('infra/grafana/dashboards/awo.json', () => {
  it('has the panels issue 16 asks for, each with a PromQL expression', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const t of ['Load and its forecast band', 'Workers by pool', 'Plan revisions', 'Action and decision latency', 'Dead letters']) expect(titles).toContain(t);
    for (const p of dashboard.panels) expect(p.targets.length).toBeGreaterThan(0);
  });
});

describe('a real Prometheus scraping `awo up` on the example config', () => {
  const prefix = testPrefix();
  const dir = mkdtempSync(join(tmpdir(), 'awo-prometheus-'));
  let awo: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let awoPort = 0;
  let promPort = 0;
  let output = '';
  const record = (child: ChildProcess, name: string) => {
    const add = (c: Buffer) => (output = (output + `[${name}] ${c.toString()}`).slice(-8000));
    child.stdout?.on('data', add);
    child.stderr?.on('data', add);
  };

  beforeAll(async () => {
    awoPort = await freePort();
    // A key of 32 characters: the example config signs, as production should (AwoSigningOff stays quiet).
    const env = { ...process.env, AWO_PREFIX: prefix, AWO_REDIS_URL: REDIS_URL, AWO__health__port: String(awoPort), AWO_SIGNING_KEY: 'a-test-signing-key-of-32-chars!!', AWO_LOG_LEVEL: 'warn', AWO__api__port: '0' };
    awo = spawn(process.execPath, [AWO, 'up', '--config', EXAMPLE], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
    record(awo, 'awo');
    if (!PROMETHEUS) return;
    promPort = await freePort();
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [RULES],
      scrape_configs: [{ job_name: 'awo', scrape_interval: '1s', scrape_timeout: '1s', static_configs: [{ targets: [`127.0.0.1:${awoPort}`] }] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config)); // JSON is YAML
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    record(prometheus, 'prometheus');
  }, 20_000);

  afterAll(async () => {
    await Promise.all([stop(awo, 15_000), stop(prometheus, 10_000)]);
    await cleanupPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  }, 40_000);

  it('serves every metric that the rules and the dashboard name', async () => {
    let text = '';
    await waitFor(
      async () => {
        text = await fetchText(`http://127.0.0.1:${awoPort}/metrics`);
        return AGENTS.every((a) => text.includes(`awo_agent_up{agent="${a}"} 1`));
      },
      `awo up serving /metrics with every agent up (output: ${output})`,
      60_000,
      250,
    );
    const served = new Set([...text.matchAll(/^# HELP (\S+)/gm)].map((m) => m[1]!));
    const named = [...new Set([...rules.map((r) => r.expr), ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))].flatMap(metricNames))].sort();
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((n) => !served.has(n))).toEqual([]);
  }, 70_000);

  it.skipIf(!PROMETHEUS)('sees every agent up and a plan version above 0 through its HTTP API, with the rules loaded', async () => {
    const api = `http://127.0.0.1:${promPort}/api/v1`;
    const query = async (q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
      try {
        const body = JSON.parse(await fetchText(`${api}/query?query=${encodeURIComponent(q)}`)) as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return body.status === 'success' ? (body.data?.result ?? []) : [];
      } catch {
        return [];
      }
    };
    let seen = '';
    await waitFor(
      async () => {
        const [up, agents, version] = await Promise.all([query('up{job="awo"}'), query('awo_agent_up == 1'), query('max(awo_plan_version)')]);
        seen = JSON.stringify({ up, agents: agents.map((r) => r.metric.agent), version });
        return up.length === 1 && up[0]!.value[1] === '1' && AGENTS.every((a) => agents.some((r) => r.metric.agent === a)) && Number(version[0]?.value[1] ?? 0) > 0;
      },
      `Prometheus to see up == 1, awo_agent_up == 1 for ${AGENTS.join(', ')} and awo_plan_version > 0 (last: ${seen}; output: ${output})`,
      90_000,
      500,
    );
    const groups = JSON.parse(await fetchText(`${api}/rules`)) as { data: { groups: { name: string; rules: { name: string; health: string }[] }[] } };
    const loaded = groups.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual(rules.map((r) => r.alert).sort());
  }, 100_000);
});

async function fetchText(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return await res.text();
  } catch {
    return '';
  }
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
async function stop(child: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}
