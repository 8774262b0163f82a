import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitorAgent } from '@awo/monitor';
import { createLogger, parseConfig, Runtime, type Delivery } from '@awo/shared';
import { cleanupPrefix, REDIS_URL, testPrefix, waitFor } from './helpers.js';
import { fakeCluster } from './kube.js';

/**
 * The `kubernetes` monitor source through the real MonitorAgent and a real Redis: it reads the
 * fake API server's Deployments and StatefulSets and publishes their replicas as metrics; a
 * target it may not read fails the source with a logged, counted error, never the monitor.
 */

type Cluster = Awaited<ReturnType<typeof fakeCluster>>;
let cluster: Cluster;
beforeAll(async () => {
  cluster = await fakeCluster();
});
afterAll(() => cluster[Symbol.asyncDispose]());

function setup(targets: unknown[]) {
  const prefix = testPrefix();
  const config = parseConfig({
    prefix,
    bus: { block: 100, ackInterval: 5 },
    monitor: { interval: 100, maxBackoff: 200, sources: [{ kind: 'kubernetes', name: 'k8s', kubeconfig: cluster.credentials, targets, labels: { team: 'shop' } }] },
  });
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log, env: {} });
  const got: Delivery<'metrics'>[] = [];
  return {
    runtime,
    lines,
    watch: () => runtime.bus.consume('metrics', { group: 'test', consumer: 'w', startId: '0', handler: async (d) => void got.push(d) }),
    last: (series: string) => got.filter((d) => d.message.series === series).at(-1)?.message,
    async [Symbol.asyncDispose]() {
      await runtime.close();
      await cleanupPrefix(prefix);
    },
  };
}

describe('kubernetes source', () => {
  it('publishes spec, status and ready replicas of each Deployment and StatefulSet, and follows their changes', async () => {
    cluster.api.add({ kind: 'Deployment', namespace: 'shop', name: 'web', replicas: 3, statusReplicas: 3, readyReplicas: 2 });
    cluster.api.add({ kind: 'StatefulSet', namespace: 'shop', name: 'db.primary', replicas: 1, statusReplicas: 0, readyReplicas: 0 });
    await using t = setup([{ kind: 'Deployment', namespace: 'shop', name: 'web' }, { kind: 'StatefulSet', namespace: 'shop', name: 'db.primary', as: 'db' }]);
    const watcher = await t.watch();
    await using agent = new MonitorAgent(t.runtime.deps('monitor'));
    await agent.start();
    await waitFor(() => t.last('kubernetes.k8s.db.ready_replicas') !== undefined && t.last('kubernetes.k8s.web.ready_replicas') !== undefined, 'replicas of both targets');
    const value = (s: string) => t.last(`kubernetes.k8s.${s}`)?.value;
    expect(['web.spec_replicas', 'web.status_replicas', 'web.ready_replicas', 'db.spec_replicas', 'db.status_replicas', 'db.ready_replicas', 'up'].map(value)).toEqual([3, 3, 2, 1, 0, 0, 1]);
    expect(t.last('kubernetes.k8s.web.ready_replicas')).toMatchObject({ source: 'kubernetes:k8s', unit: 'replicas', labels: { team: 'shop', namespace: 'shop', workload: 'web', workload_kind: 'Deployment' } });
    // A rollout goes on: the controller reports more pods, then all ready.
    cluster.api.setReplicas('Deployment', 'shop', 'web', 5);
    cluster.api.setStatus('Deployment', 'shop', 'web', { replicas: 5, readyReplicas: 4 });
    await waitFor(() => value('web.spec_replicas') === 5 && value('web.status_replicas') === 5 && value('web.ready_replicas') === 4, 'the new replicas published');
    await agent.close();
    await watcher.close();
  });

  it('a target it may not read (403) fails the source with a logged, counted error; the monitor keeps running and recovers', async () => {
    cluster.api.add({ kind: 'Deployment', namespace: 'shop', name: 'locked', replicas: 2 });
    cluster.api.inject({ status: 403, method: 'GET', path: '/deployments/locked', times: 1_000_000 });
    await using t = setup([{ kind: 'Deployment', namespace: 'shop', name: 'locked' }]);
    const watcher = await t.watch();
    await using agent = new MonitorAgent(t.runtime.deps('monitor'));
    await agent.start();
    await waitFor(() => (agent.metrics().monitor_source_failures_total ?? 0) >= 2 && t.last('kubernetes.k8s.up')?.value === 0, 'the source failing, counted, up = 0');
    expect(agent.state).toBe('running');
    const failed = t.lines.find((l) => l.msg === 'source failed');
    expect(failed).toMatchObject({ level: 'warn', source: 'kubernetes:k8s' });
    expect(failed?.err).toContain('kubernetes:k8s could not read 1 of 1 targets (retrying cannot help until the cluster or the config changes): Deployment shop/locked: AWO_KUBE_FORBIDDEN');
    expect(failed?.err).toContain('lack RBAC verb "get" on resource "deployments" in API group "apps" in namespace "shop"');
    const scrape = await t.runtime.metrics.text();
    expect(scrape).toMatch(/awo_monitor_source_failures_total\{[^}]*source="kubernetes:k8s"[^}]*\} [1-9]/);
    // Granted: the next try reads it.
    cluster.api.clearFaults();
    await waitFor(() => t.last('kubernetes.k8s.up')?.value === 1 && t.last('kubernetes.k8s.locked.spec_replicas')?.value === 2, 'the source back up');
    await agent.close();
    await watcher.close();
  });

  it('a target that does not exist (404) is named in the error', async () => {
    await using t = setup([{ kind: 'StatefulSet', namespace: 'shop', name: 'ghost' }]);
    await using agent = new MonitorAgent(t.runtime.deps('monitor'));
    await agent.start();
    await waitFor(() => t.lines.some((l) => l.msg === 'source failed'), 'the failure logged');
    expect(t.lines.find((l) => l.msg === 'source failed')?.err).toContain('StatefulSet shop/ghost: AWO_KUBE_NOT_FOUND: GET /apis/apps/v1/namespaces/shop/statefulsets/ghost answered 404 Not Found');
    expect(agent.state).toBe('running');
  });
});
