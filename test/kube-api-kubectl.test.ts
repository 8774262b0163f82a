import { execFile, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCluster } from './kube.js';

/**
 * Is the fake Kubernetes API of @awo/testkit faithful? kubectl — a client that was not written
 * against it — reads its scale subresource with `kubectl get --raw`, over HTTPS with the CA and
 * the bearer token of the generated kubeconfig, and turns its error `Status` objects into its own
 * messages ("Error from server (NotFound): …"), which it does only for a well-formed Status.
 */

const KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!KUBECTL) console.warn('kube-api-kubectl.test: kubectl is not on PATH (Debian package `kubernetes-client`); checking the fake API server with kubectl is SKIPPED');

function kubectl(kubeconfig: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, '--context', 'fake', ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!KUBECTL)('the fake Kubernetes API, read by kubectl', () => {
  let cluster: Awaited<ReturnType<typeof fakeCluster>>;
  beforeAll(async () => {
    cluster = await fakeCluster();
    cluster.api.add({ kind: 'Deployment', namespace: 'shop', name: 'api', replicas: 3, statusReplicas: 2 });
    cluster.api.add({ kind: 'StatefulSet', namespace: 'shop', name: 'db', replicas: 0 });
  });
  afterAll(() => cluster?.[Symbol.asyncDispose]());

  it('kubectl get --raw reads the scale subresource of a Deployment and a StatefulSet', async () => {
    const dep = await kubectl(cluster.kubeconfig, 'get', '--raw', '/apis/apps/v1/namespaces/shop/deployments/api/scale');
    expect({ code: dep.code, stderr: dep.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(dep.stdout)).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'api', namespace: 'shop', resourceVersion: expect.stringMatching(/^\d+$/) }, spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=api' } });
    const sts = await kubectl(cluster.kubeconfig, 'get', '--raw', '/apis/apps/v1/namespaces/shop/statefulsets/db/scale');
    // Zero replicas are left out, as the API server's omitempty does.
    expect(JSON.parse(sts.stdout)).toMatchObject({ kind: 'Scale', metadata: { name: 'db' }, spec: {}, status: { selector: 'app=db' } });
  });

  it('kubectl reads the fake server\'s Status objects as errors from the server', async () => {
    const missing = await kubectl(cluster.kubeconfig, 'get', '--raw', '/apis/apps/v1/namespaces/shop/deployments/nope/scale');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('Error from server (NotFound): deployments.apps "nope" not found');
    cluster.api.inject({ status: 403, method: 'GET', path: '/deployments/api/scale' });
    const forbidden = await kubectl(cluster.kubeconfig, 'get', '--raw', '/apis/apps/v1/namespaces/shop/deployments/api/scale');
    expect(forbidden.stderr).toContain('Error from server (Forbidden): deployments.apps "api" is forbidden: User "system:serviceaccount:awo:awo-executor" cannot get resource "deployments/scale" in API group "apps" in the namespace "shop"');
  });
});
