import { trace } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkKubernetesActions, kubernetesScaleHandler, observe, type ActionContext } from '@awo/executor';
import { keys, kubernetesScaleActionSchema, type Action, type KubernetesScaleActionConfig } from '@awo/shared';
import { KubeApiServer } from '@awo/testkit';
import { quietLogger, REDIS_URL } from './helpers.js';
import { fakeCluster } from './kube.js';

/**
 * The kubernetes-scale action against the fake API server of @awo/testkit (HTTPS, bearer token,
 * a kubeconfig with two contexts): no cluster runs here, the server answers the scale subresource
 * as the Kubernetes API reference defines it.
 */

type Cluster = Awaited<ReturnType<typeof fakeCluster>>;
let cluster: Cluster;
// Never connected: the kubernetes-scale handler does not use Redis, the context type asks for it.
const redis = new Redis(REDIS_URL, { lazyConnect: true });

beforeAll(async () => {
  cluster = await fakeCluster();
});
afterAll(async () => {
  await cluster[Symbol.asyncDispose]();
  redis.disconnect();
});

function config(more: Record<string, unknown> = {}): KubernetesScaleActionConfig {
  return kubernetesScaleActionSchema.parse({ kind: 'kubernetes-scale', target: { kind: 'Deployment', namespace: 'shop', name: 'api' }, kubeconfig: cluster.credentials, max: 50, backoff: '20ms', maxBackoff: '200ms', ...more });
}

function action(value: unknown, name = 'scale-api'): Action {
  return { v: 1, id: `e000000000000.v1.work.replicas`, epoch: 'e000000000000', version: 1, action: name, kind: 'kubernetes-scale', step: 'work', param: 'replicas', value, at: Date.now() } as Action;
}

function ctx(signal = new AbortController().signal): ActionContext {
  return { signal, log: quietLogger(), tracer: trace.getTracer('test'), redis, keys: keys('test'), pools: new Map() };
}

/** A fresh workload on the fake server, under a unique name. */
let n = 0;
function workload(replicas: number, kind: 'Deployment' | 'StatefulSet' = 'Deployment') {
  const name = `api-${++n}`;
  cluster.api.add({ kind, namespace: 'shop', name, replicas });
  const before = cluster.api.requests.length;
  return { name, target: { kind, namespace: 'shop', name }, since: () => cluster.api.requests.slice(before) };
}

describe('kubernetes-scale', () => {
  it('patches spec.replicas of a Deployment through its scale subresource, with a merge patch carrying the resourceVersion it read', async () => {
    const w = workload(2);
    const rv = cluster.api.get('Deployment', 'shop', w.name)?.resourceVersion;
    const out = await kubernetesScaleHandler(action(5), config({ target: w.target }), ctx());
    expect(cluster.api.get('Deployment', 'shop', w.name)?.replicas).toBe(5);
    expect(out.output).toMatch(new RegExp(`^Deployment shop/${w.name}: 2 -> 5 replicas \\(status.replicas 2, resourceVersion \\d+\\)$`));
    const seen = w.since();
    expect(seen.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', `/apis/apps/v1/namespaces/shop/deployments/${w.name}/scale`, 200],
      ['PATCH', `/apis/apps/v1/namespaces/shop/deployments/${w.name}/scale`, 200],
    ]);
    expect(seen[1]?.contentType).toBe('application/merge-patch+json');
    expect(seen[1]?.body).toEqual({ metadata: { resourceVersion: rv }, spec: { replicas: 5 } });
  });

  it('scales a StatefulSet, down to 0, and sends no PATCH when the replicas are already right', async () => {
    const w = workload(3, 'StatefulSet');
    await kubernetesScaleHandler(action(0), config({ target: w.target }), ctx());
    expect(cluster.api.get('StatefulSet', 'shop', w.name)?.replicas).toBe(0);
    const again = await kubernetesScaleHandler(action(0), config({ target: w.target }), ctx());
    expect(again.output).toMatch(/already 0 replicas/);
    expect(w.since().map((r) => `${r.method} ${r.path.split('/').slice(-3).join('/')}`)).toEqual([`GET statefulsets/${w.name}/scale`, `PATCH statefulsets/${w.name}/scale`, `GET statefulsets/${w.name}/scale`]);
  });

  it('reuses its connections: ten actions (twenty requests) over one or two TLS connections, not twenty', async () => {
    const w = workload(1);
    const c = config({ target: w.target });
    await kubernetesScaleHandler(action(2), c, ctx());
    const before = cluster.api.connections;
    for (let i = 0; i < 10; i++) await kubernetesScaleHandler(action(3 + (i % 2)), c, ctx());
    expect(w.since().filter((r) => r.method === 'PATCH').length).toBe(11);
    expect(cluster.api.connections - before).toBeLessThanOrEqual(2);
  });

  it('observe() reads spec.replicas back from the scale subresource', async () => {
    const w = workload(4);
    const octx = { pools: new Map(), redis, keys: keys('test'), log: quietLogger() };
    expect(await observe(config({ target: w.target }), octx)).toBe(4);
    cluster.api.setReplicas('Deployment', 'shop', w.name, 7);
    expect(await observe(config({ target: w.target }), octx)).toBe(7);
  });

  it('403: says which RBAC verb on which resource is missing, and does not retry', async () => {
    const w = workload(1);
    cluster.api.inject({ status: 403, method: 'PATCH', path: w.name });
    const err = await kubernetesScaleHandler(action(3), config({ target: w.target }), ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWO_KUBE_FORBIDDEN', retryable: false });
    expect((err as Error).message).toContain(`lack RBAC verb "patch" on resource "deployments/scale" in API group "apps" in namespace "shop"`);
    expect((err as Error).message).toContain(`The server said: deployments.apps "${w.name}" is forbidden`);
    expect(w.since().map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'PATCH 403']);
    // Reading is a verb of its own.
    cluster.api.inject({ status: 403, method: 'GET', path: w.name });
    await expect(kubernetesScaleHandler(action(3), config({ target: w.target }), ctx())).rejects.toThrow(/lack RBAC verb "get" on resource "deployments\/scale"/);
    expect(cluster.api.get('Deployment', 'shop', w.name)?.replicas).toBe(1);
  });

  it('404: names the object that does not exist, and does not retry', async () => {
    const before = cluster.api.requests.length;
    const err = await kubernetesScaleHandler(action(3), config({ target: { kind: 'StatefulSet', namespace: 'shop', name: 'nope' } }), ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWO_KUBE_NOT_FOUND', retryable: false });
    expect((err as Error).message).toBe('GET /apis/apps/v1/namespaces/shop/statefulsets/nope/scale answered 404 Not Found: StatefulSet shop/nope (apps/v1) does not exist, or its namespace does not. The server said: statefulsets.apps "nope" not found');
    expect(cluster.api.requests.length - before).toBe(1);
  });

  it('401: says the credentials were refused, and does not retry', async () => {
    await using wrong = await fakeCluster({ token: 'not-the-token' });
    wrong.api.add({ kind: 'Deployment', namespace: 'shop', name: 'api', replicas: 1 });
    const err = await kubernetesScaleHandler(action(3), config({ kubeconfig: wrong.credentials }), ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWO_KUBE_UNAUTHORIZED', retryable: false });
    expect((err as Error).message).toContain(`did not accept the credentials from kubeconfig ${wrong.kubeconfig} (context fake)`);
    expect(wrong.api.requests.map((r) => r.status)).toEqual([401]);
  });

  it('409: reads again and retries, then succeeds', async () => {
    const w = workload(2);
    cluster.api.inject({ status: 409, method: 'PATCH', path: w.name, times: 2 });
    const out = await kubernetesScaleHandler(action(6), config({ target: w.target }), ctx());
    expect(out.output).toMatch(/2 -> 6 replicas .*; 2 retries\)$/);
    expect(w.since().map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'PATCH 409', 'GET 200', 'PATCH 409', 'GET 200', 'PATCH 200']);
    expect(cluster.api.get('Deployment', 'shop', w.name)?.replicas).toBe(6);
  });

  it('409 for real: a patch carrying a resourceVersion that another writer has since changed is refused by the server', async () => {
    await using plain = await KubeApiServer.start();
    plain.add({ kind: 'Deployment', namespace: 'shop', name: 'api', replicas: 2 });
    const stale = plain.get('Deployment', 'shop', 'api')?.resourceVersion;
    plain.setReplicas('Deployment', 'shop', 'api', 3);
    const patch = (rv: string | undefined) => fetch(`${plain.url}/apis/apps/v1/namespaces/shop/deployments/api/scale`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { resourceVersion: rv }, spec: { replicas: 9 } }) });
    const refused = await patch(stale);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    const fresh = await patch(plain.get('Deployment', 'shop', 'api')?.resourceVersion);
    expect([fresh.status, plain.get('Deployment', 'shop', 'api')?.replicas]).toEqual([200, 9]);
  });

  it('429 and 5xx: retried with backoff (a Retry-After honoured), then succeed', async () => {
    const w = workload(1);
    cluster.api.inject({ status: 500, method: 'GET', path: w.name });
    cluster.api.inject({ status: 503, method: 'PATCH', path: w.name });
    cluster.api.inject({ status: 429, method: 'PATCH', path: w.name, retryAfter: 1 });
    const started = performance.now();
    const out = await kubernetesScaleHandler(action(4), config({ target: w.target, maxBackoff: '5s' }), ctx());
    const took = performance.now() - started;
    expect(out.output).toMatch(/1 -> 4 replicas .*; 3 retries\)$/);
    expect(w.since().map((r) => `${r.method} ${r.status}`)).toEqual(['GET 500', 'GET 200', 'PATCH 503', 'GET 200', 'PATCH 429', 'GET 200', 'PATCH 200']);
    expect(took).toBeGreaterThanOrEqual(1000);
  });

  it('gives up after `retries` retries with the last error, retryable for BullMQ', async () => {
    const w = workload(1);
    cluster.api.inject({ status: 500, path: w.name, times: 3 });
    const err = await kubernetesScaleHandler(action(2), config({ target: w.target, retries: 2 }), ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWO_KUBE_UNAVAILABLE', retryable: true });
    expect((err as Error).message).toMatch(/answered 500: the API server is overloaded or failing; awo retries with backoff\. The server said: Internal error occurred: etcdserver: request timed out \(gave up after 3 tries\)$/);
    expect(w.since().length).toBe(3);
    expect(cluster.api.faultsLeft()).toBe(0);
  });

  it('stops waiting when its abort signal fires', async () => {
    const w = workload(1);
    cluster.api.inject({ status: 503, path: w.name, times: 10 });
    const ctl = new AbortController();
    const started = performance.now();
    const running = kubernetesScaleHandler(action(2), config({ target: w.target, retries: 10, backoff: '5s', maxBackoff: '5s' }), ctx(ctl.signal)).catch((e: unknown) => e);
    setTimeout(() => ctl.abort(new Error('executor closing')), 100);
    const err = await running;
    expect(err).toMatchObject({ code: 'AWO_TIMEOUT' });
    expect((err as Error).message).toContain('executor closing');
    expect(performance.now() - started).toBeLessThan(2000);
    cluster.api.clearFaults();
  });

  it('a server that does not answer: each request is cut at `timeout` (and retried), and an abort cuts the one in flight', async () => {
    const w = workload(1);
    cluster.api.inject({ status: 500, path: w.name, times: 2, delayMs: 10_000 });
    let started = performance.now();
    const err = await kubernetesScaleHandler(action(2), config({ target: w.target, timeout: '150ms', retries: 1 }), ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWO_KUBE_UNAVAILABLE', message: expect.stringMatching(/^GET \S+ timed out: the API server did not answer in time \(gave up after 2 tries\)$/) });
    expect(performance.now() - started).toBeLessThan(5000);
    cluster.api.inject({ status: 500, path: w.name, delayMs: 10_000 });
    const ctl = new AbortController();
    started = performance.now();
    const running = kubernetesScaleHandler(action(2), config({ target: w.target, timeout: '30s' }), ctx(ctl.signal)).catch((e: unknown) => e);
    setTimeout(() => ctl.abort(new Error('job cancelled')), 100);
    expect(await running).toMatchObject({ code: 'AWO_TIMEOUT', message: expect.stringContaining('job cancelled') });
    expect(performance.now() - started).toBeLessThan(5000);
    cluster.api.clearFaults();
  });

  it('an unreachable server: retried, then AWO_KUBE_UNAVAILABLE naming the cause', async () => {
    await using gone = await fakeCluster();
    await gone.api.close();
    const err = await kubernetesScaleHandler(action(2), config({ kubeconfig: gone.credentials, retries: 1 }), ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWO_KUBE_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/could not be reached: .*ECONNREFUSED.*\(gave up after 2 tries\)/);
  });

  it('refuses a value outside [min, max] without a request', async () => {
    const before = cluster.api.requests.length;
    await expect(kubernetesScaleHandler(action(51), config(), ctx())).rejects.toMatchObject({ code: 'AWO_ACTION_NOT_ALLOWED', message: expect.stringContaining('expected an integer from 0 to 50 (executor.actions.scale-api), got 51') });
    await expect(kubernetesScaleHandler(action('3'), config(), ctx())).rejects.toMatchObject({ code: 'AWO_ACTION_NOT_ALLOWED' });
    expect(cluster.api.requests.length).toBe(before);
  });

  it('refuses credentials it cannot load, naming the field', async () => {
    await expect(checkKubernetesActions({ a: config({ kubeconfig: { path: '/nonexistent/kubeconfig' } }) })).rejects.toMatchObject({ code: 'AWO_CONFIG_INVALID', message: expect.stringContaining('executor.actions.a.kubeconfig.path: cannot load the kubeconfig /nonexistent/kubeconfig') });
    await expect(checkKubernetesActions({ b: config({ kubeconfig: { path: cluster.kubeconfig, context: 'prod' } }) })).rejects.toThrow(`executor.actions.b.kubeconfig.context: ${cluster.kubeconfig} has no context "prod" (it has: fake, other)`);
    // In-cluster credentials outside a pod: refused, saying how to give a kubeconfig instead.
    if (process.env.KUBERNETES_SERVICE_HOST === undefined) {
      const inCluster = kubernetesScaleActionSchema.parse({ kind: 'kubernetes-scale', target: { kind: 'Deployment', namespace: 'shop', name: 'api' }, max: 5 });
      await expect(checkKubernetesActions({ c: inCluster })).rejects.toThrow('executor.actions.c.kubeconfig: not running in a Kubernetes pod (no KUBERNETES_SERVICE_HOST); set kubeconfig.path for credentials from a file');
    }
    // Its current context points at a closed port: without `context: fake` the action cannot reach the server.
    await expect(kubernetesScaleHandler(action(2), config({ kubeconfig: { path: cluster.kubeconfig }, retries: 0 }), ctx())).rejects.toMatchObject({ code: 'AWO_KUBE_UNAVAILABLE', message: expect.stringContaining('https://127.0.0.1:1') });
  });
});
