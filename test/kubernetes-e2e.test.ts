import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutorAgent } from '@awo/executor';
import { applyChanges, decode, paramOf, parseConfig, PlanStore, Runtime, signRevision, type ActionResult, type Change, type ParamValue } from '@awo/shared';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';
import { fakeCluster } from './kube.js';

/**
 * End to end: a signed plan revision makes a real executor (real Redis, real BullMQ) patch the
 * scale subresource of a Deployment on the fake Kubernetes API; a Deployment someone else scaled
 * away from the plan is read back (observe) and put back by the next reconciliation.
 */

const SIGNING_KEY = 'kubernetes-e2e-signing-key-0123456789';
type Cluster = Awaited<ReturnType<typeof fakeCluster>>;
let cluster: Cluster;
beforeAll(async () => {
  cluster = await fakeCluster();
});
afterAll(() => cluster[Symbol.asyncDispose]());

function harness(name: string, kubeconfig: { path: string; context?: string } = cluster.credentials) {
  const prefix = testPrefix();
  const config = parseConfig(
    {
      prefix,
      bus: { block: 200, ackInterval: 5, claimInterval: 100 },
      workflow: { steps: { web: { queue: 'web', params: { replicas: 2, label: 'a' }, apply: { replicas: 'scale-web' } } } },
      executor: {
        attempts: 3,
        backoff: 100,
        actions: { 'scale-web': { kind: 'kubernetes-scale', target: { kind: 'Deployment', namespace: 'shop', name }, kubeconfig, max: 20, backoff: '20ms' } },
      },
    },
    { AWO_SIGNING_KEY: SIGNING_KEY },
  );
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
  const deps = runtime.deps('executor');
  const agent = new ExecutorAgent(deps);
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  return {
    agent,
    deps,
    /** Commits the next revision, signed as the planner signs, setting `web.<param>` values. */
    async commit(set: Record<string, ParamValue>, signed = true): Promise<void> {
      const current = await store.current();
      const changes: Change[] = Object.entries(set).map(([param, to]) => ({ op: 'set', step: 'web', param, from: paramOf(current, 'web', param) ?? null, to }));
      const version = current.version + 1;
      const revision = { v: 1 as const, version, parentVersion: current.version, plan: applyChanges(current, changes, version), changes, goal: 'test', reason: 'test', insightIds: [], at: Date.now(), leader: 'test' };
      await store.commit(signed ? signRevision(revision, SIGNING_KEY) : revision);
    },
    async results(): Promise<ActionResult[]> {
      const entries = (await runtime.redis.xrange(deps.keys.stream('results'), '-', '+')) as [string, string[]][];
      return entries.flatMap(([, fields]) => {
        const d = decode('results', fields);
        return d.ok ? [d.message] : [];
      });
    },
    async [Symbol.asyncDispose]() {
      await agent.close();
      await runtime.close();
      await cleanupPrefix(prefix);
    },
  };
}

describe('kubernetes-scale end to end', () => {
  it('a signed revision scales the Deployment; drift made by someone else is read back and corrected', async () => {
    cluster.api.add({ kind: 'Deployment', namespace: 'shop', name: 'web-e2e', replicas: 2 });
    await using t = harness('web-e2e');
    await t.agent.start();
    await t.commit({ replicas: 5 });
    await waitFor(() => cluster.api.get('Deployment', 'shop', 'web-e2e')?.replicas === 5, 'the Deployment scaled to 5');
    await waitFor(async () => (await t.results()).some((r) => r.ok), 'a result');
    const [first] = await t.results();
    expect(first).toMatchObject({ action: 'scale-web', step: 'web', param: 'replicas', value: 5, ok: true, attempts: 1 });
    expect(first?.output).toMatch(/^Deployment shop\/web-e2e: 2 -> 5 replicas/);
    const patches = cluster.api.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/web-e2e/scale'));
    expect(patches.map((p) => [p.status, p.contentType, (p.body as { spec: unknown }).spec])).toEqual([[200, 'application/merge-patch+json', { replicas: 5 }]]);

    // Someone scales it by hand; the next reconciliation (any revision) reads the world back.
    cluster.api.setReplicas('Deployment', 'shop', 'web-e2e', 1);
    await t.commit({ label: 'b' });
    await waitFor(() => cluster.api.get('Deployment', 'shop', 'web-e2e')?.replicas === 5, 'the drift corrected back to 5');
    await waitFor(async () => (await t.results()).filter((r) => r.ok).length === 2, 'the correction\'s result');
    const correction = (await t.results())[1];
    expect(correction?.id).toMatch(/\.v2\.web\.replicas\.d[0-9a-z]+$/);
    expect(correction?.output).toMatch(/1 -> 5 replicas/);
  });

  it('an unsigned revision never patches the Deployment', async () => {
    cluster.api.add({ kind: 'Deployment', namespace: 'shop', name: 'web-forged', replicas: 2 });
    await using t = harness('web-forged');
    await t.agent.start();
    await t.commit({ replicas: 9 }, false);
    await waitFor(() => (t.agent.metrics().executor_revisions_untrusted_total ?? 0) >= 1, 'the revision refused');
    expect(cluster.api.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/web-forged/'))).toEqual([]);
    expect(cluster.api.get('Deployment', 'shop', 'web-forged')?.replicas).toBe(2);
  });

  it('the executor does not start when an action\'s kubeconfig cannot be loaded, and says which field', async () => {
    await using t = harness('web-x', { path: '/nonexistent/kubeconfig', context: 'fake' });
    await expect(t.agent.start()).rejects.toMatchObject({ code: 'AWO_CONFIG_INVALID', message: expect.stringContaining('executor.actions.scale-web.kubeconfig.path: cannot load the kubeconfig /nonexistent/kubeconfig') });
  });

  it('a 403 fails the action for good with the RBAC message in its result; BullMQ does not retry it', async () => {
    cluster.api.add({ kind: 'Deployment', namespace: 'shop', name: 'web-denied', replicas: 2 });
    cluster.api.inject({ status: 403, method: 'PATCH', path: '/web-denied/', times: 100 });
    await using t = harness('web-denied');
    await t.agent.start();
    await t.commit({ replicas: 4 });
    await waitFor(async () => (await t.results()).length === 1, 'a result');
    const [result] = await t.results();
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    expect(result?.error).toMatch(/^AWO_KUBE_FORBIDDEN: PATCH \/apis\/apps\/v1\/namespaces\/shop\/deployments\/web-denied\/scale answered 403 Forbidden: .*lack RBAC verb "patch" on resource "deployments\/scale"/);
    expect(cluster.api.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/web-denied/')).length).toBe(1);
    expect(cluster.api.get('Deployment', 'shop', 'web-denied')?.replicas).toBe(2);
    cluster.api.clearFaults();
  });
});
