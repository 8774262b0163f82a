import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/**
 * infra/compose.yaml. No container engine runs where awo is tested, so this checks what can be
 * checked without one: the file parses (with its `<<` merges), names every service of the stack,
 * runs each agent as its own service, and every file it mounts exists; the Prometheus config it
 * mounts passes `promtool check config`.
 */

const INFRA = new URL('../infra/', import.meta.url).pathname;
const PROMTOOL = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
if (!PROMTOOL) console.warn('infra-compose.test: promtool is not on PATH (Debian package `prometheus`); `promtool check config` is SKIPPED');

interface Service {
  image?: string;
  command?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
}
const compose = parse(readFileSync(join(INFRA, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

describe('infra/compose.yaml', () => {
  it('names every service of the stack', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['analyzer', 'api', 'executor', 'grafana', 'jaeger', 'monitor', 'nats', 'otel-collector', 'planner', 'prometheus', 'redis'].sort());
  });

  it('runs each agent as its own service on the awo image, serving health on 0.0.0.0:9464, with Redis and a signing key', () => {
    for (const agent of ['monitor', 'analyzer', 'planner', 'executor']) {
      const s = compose.services[agent]!;
      expect({ agent, command: s.command }).toEqual({ agent, command: [agent, '--config', '/etc/awo/awo.yaml'] });
      expect(s.image).toContain('awo');
      expect(s.environment).toMatchObject({ AWO_REDIS_URL: 'redis://redis:6379', [`AWO__${agent}__health__host`]: '0.0.0.0', [`AWO__${agent}__health__port`]: '9464' });
      expect(s.environment?.AWO_SIGNING_KEY).toMatch(/^\$\{AWO_SIGNING_KEY:\?/);
    }
    expect(compose.services.api!.command?.[0]).toBe('api');
  });

  it('mounts only files that exist: the config, the collector, the Prometheus config and rules, the Grafana provisioning and dashboard', () => {
    const mounted = Object.values(compose.services).flatMap((s) => (s.volumes ?? []).map((v) => v.split(':')[0]!).filter((p) => p.startsWith('./')));
    for (const p of ['./config/awo.example.yaml', './prometheus/rules.yaml', './prometheus/prometheus.yaml', './grafana/provisioning', './grafana/dashboards']) expect(mounted).toContain(p);
    for (const p of mounted) expect({ p, exists: existsSync(join(INFRA, p)) }).toEqual({ p, exists: true });
    const targets = (parse(readFileSync(join(INFRA, 'prometheus/prometheus.yaml'), 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] }).scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets.sort()).toEqual(['analyzer:9464', 'executor:9464', 'monitor:9464', 'planner:9464']);
  });

  it.skipIf(!PROMTOOL)('mounts a Prometheus config that passes `promtool check config`', () => {
    const r = spawnSync('promtool', ['check', 'config', join(INFRA, 'prometheus/prometheus.yaml')], { encoding: 'utf8' });
    expect({ status: r.status, out: r.stdout + r.stderr }).toMatchObject({ status: 0 });
  });
});
