import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { trace } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesScaleHandler } from '@awo/executor';
import { kubernetesSource } from '@awo/monitor';
import { keys, kubernetesScaleActionSchema, kubernetesSourceSchema, type Action } from '@awo/shared';
import type { KubeRule } from '@awo/testkit';
import { quietLogger, REDIS_URL } from './helpers.js';
import { fakeCluster } from './kube.js';

/**
 * infra/k8s: `kubectl kustomize infra/k8s/overlays/example` renders, and each Deployment has
 * probes on /healthz and /readyz, resources and a non-root securityContext. No cluster runs
 * here: what is checked is the rendered YAML (and the config in its ConfigMap, by
 * `awo config validate`).
 */

const ROOT = new URL('..', import.meta.url).pathname;
const AWO = join(ROOT, 'packages/cli/bin/awo.js');
const KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!KUBECTL) console.warn('infra-k8s.test: kubectl is not on PATH (Debian package `kubernetes-client`); rendering infra/k8s is SKIPPED');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered Kubernetes objects, checked field by field below
type K8s = any;

describe.skipIf(!KUBECTL)('infra/k8s/overlays/example, rendered by kubectl kustomize', () => {
  let objects: K8s[] = [];
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const dir = mkdtempSync(join(tmpdir(), 'awo-k8s-'));

  beforeAll(() => {
    const r = spawnSync('kubectl', ['kustomize', join(ROOT, 'infra/k8s/overlays/example')], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as K8s);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has a Deployment per agent and one for `awo api`, the planner with two replicas', () => {
    const deployments: Record<string, K8s> = Object.fromEntries(of('Deployment').map((d) => [d.metadata.name, d]));
    expect(Object.keys(deployments).sort()).toEqual(['awo-analyzer', 'awo-api', 'awo-executor', 'awo-monitor', 'awo-planner']);
    expect(deployments['awo-planner'].spec.replicas).toBe(2);
    for (const [name, d] of Object.entries(deployments)) {
      const c = d.spec.template.spec.containers[0];
      expect({ name, args: c.args }).toEqual({ name, args: [name.slice('awo-'.length), '--config', '/etc/awo/awo.yaml'] });
      expect(c.image).toBe('registry.example.com/awo:0.1.0');
      expect(d.metadata.namespace).toBe('awo');
    }
  });

  it('gives each Deployment probes on /healthz and /readyz, resources and a non-root securityContext', () => {
    for (const d of of('Deployment')) {
      const name = d.metadata.name as string;
      const pod = d.spec.template.spec;
      expect({ name, runAsNonRoot: pod.securityContext?.runAsNonRoot, uid: pod.securityContext?.runAsUser > 0 }).toEqual({ name, runAsNonRoot: true, uid: true });
      for (const c of pod.containers) {
        expect({ name, liveness: c.livenessProbe?.httpGet?.path, readiness: c.readinessProbe?.httpGet?.path }).toEqual({ name, liveness: '/healthz', readiness: '/readyz' });
        const port = c.ports.find((p: K8s) => p.name === c.livenessProbe.httpGet.port);
        expect({ name, probePort: port?.containerPort }).toEqual({ name, probePort: 9464 });
        for (const kind of ['requests', 'limits']) expect({ name, kind, cpu: Boolean(c.resources?.[kind]?.cpu), memory: Boolean(c.resources?.[kind]?.memory) }).toEqual({ name, kind, cpu: true, memory: true });
        expect({ name, sc: c.securityContext }).toMatchObject({ name, sc: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } });
        expect({ name, password: c.env?.find((e: K8s) => e.name === 'AWO_REDIS_PASSWORD')?.valueFrom?.secretKeyRef }).toEqual({ name, password: { name: 'awo-secrets', key: 'redis-password' } });
      }
      // The ConfigMap's generated name (with its hash) is what the pod mounts.
      const config = pod.volumes.find((v: K8s) => v.name === 'config').configMap.name;
      expect(of('ConfigMap').map((m) => m.metadata.name)).toContain(config);
    }
  });

  it('has the Secret, the PodDisruptionBudget, the ServiceMonitor, a Role of exactly get and patch on deployments/scale and statefulsets/scale for the executor, and one of exactly get on deployments and statefulsets for the monitor', () => {
    expect(Object.keys(of('Secret')[0].stringData ?? of('Secret')[0].data).sort()).toEqual(['redis-password', 'signing.key']);
    expect(of('PodDisruptionBudget')[0].spec).toEqual({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'awo', 'app.kubernetes.io/component': 'planner' } } });
    expect(of('ServiceMonitor')[0].spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
    expect(of('Service')[0].spec.ports[0]).toMatchObject({ name: 'metrics', port: 9464 });
    const roles: Record<string, K8s> = Object.fromEntries(of('Role').map((r) => [r.metadata.name, r.rules]));
    expect(roles).toEqual({
      // The executor: exactly get and patch on the scale subresources, not the workloads.
      'awo-executor-scale': [{ apiGroups: ['apps'], resources: ['deployments/scale', 'statefulsets/scale'], verbs: ['get', 'patch'] }],
      // The monitor: exactly get on the workloads (readyReplicas is only in their status); no list, watch or write.
      'awo-monitor-read': [{ apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get'] }],
    });
    for (const r of of('Role')) expect({ name: r.metadata.name, namespace: r.metadata.namespace }).toEqual({ name: r.metadata.name, namespace: 'awo' });
    expect(of('ClusterRole')).toEqual([]);
    expect(of('ClusterRoleBinding')).toEqual([]);
    const bindings: Record<string, K8s> = Object.fromEntries(of('RoleBinding').map((b) => [b.metadata.name, { role: b.roleRef, subjects: b.subjects }]));
    expect(bindings).toEqual({
      'awo-executor-scale': { role: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'awo-executor-scale' }, subjects: [{ kind: 'ServiceAccount', name: 'awo-executor', namespace: 'awo' }] },
      'awo-monitor-read': { role: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'awo-monitor-read' }, subjects: [{ kind: 'ServiceAccount', name: 'awo-monitor', namespace: 'awo' }] },
    });
    expect(of('ServiceAccount').map((a) => a.metadata.name).sort()).toEqual(['awo', 'awo-executor', 'awo-monitor']);
    // Only the executor and the monitor run with those accounts and a token.
    const accounts: Record<string, string> = { 'awo-executor': 'awo-executor', 'awo-monitor': 'awo-monitor' };
    for (const d of of('Deployment')) {
      const pod = d.spec.template.spec;
      const sa = accounts[d.metadata.name as string];
      expect({ name: d.metadata.name, sa: pod.serviceAccountName, token: pod.automountServiceAccountToken }).toEqual({ name: d.metadata.name, sa: sa ?? 'awo', token: sa !== undefined });
    }
  });

  it('its Roles grant what the kubernetes-scale action and the kubernetes source use, and each verb is needed (on the fake API server enforcing them)', async () => {
    const rulesOf = (name: string): KubeRule[] => of('Role').find((r) => r.metadata.name === name).rules;
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    await using c = await fakeCluster();
    c.api.add({ kind: 'StatefulSet', namespace: 'shop', name: 'db', replicas: 2 });
    const scale = async (rules: KubeRule[]) => {
      c.api.setRules(rules);
      c.api.add({ kind: 'Deployment', namespace: 'shop', name: 'api', replicas: 1 });
      const config = kubernetesScaleActionSchema.parse({ kind: 'kubernetes-scale', target: { kind: 'Deployment', namespace: 'shop', name: 'api' }, kubeconfig: c.credentials, max: 10, retries: 0 });
      const action = { v: 1, id: 'e0.v1.web.replicas', version: 1, action: 'scale-api', kind: 'kubernetes-scale', step: 'web', param: 'replicas', value: 3, at: Date.now() } as Action;
      const ctx = { signal: new AbortController().signal, log: quietLogger(), tracer: trace.getTracer('test'), redis, keys: keys('test'), pools: new Map() };
      return await kubernetesScaleHandler(action, config, ctx).then((o) => o.output ?? '', (e: Error & { code?: string }) => `${e.code}: ${e.message}`);
    };
    const read = async (rules: KubeRule[]) => {
      c.api.setRules(rules);
      const source = kubernetesSource(kubernetesSourceSchema.parse({ kind: 'kubernetes', name: 'k8s', kubeconfig: c.credentials, targets: [{ kind: 'StatefulSet', namespace: 'shop', name: 'db' }] }), { connect: () => redis, log: quietLogger(), now: Date.now });
      await source.start?.();
      return await source.sample(new AbortController().signal).then((samples) => samples.map((x) => `${x.series}=${x.value}`).join(' '), (e: Error) => e.message);
    };
    const without = (rules: KubeRule[], verb: string) => rules.map((r) => ({ ...r, verbs: r.verbs.filter((v) => v !== verb) }));
    const executor = rulesOf('awo-executor-scale');
    const monitor = rulesOf('awo-monitor-read');
    try {
      expect(await scale(executor)).toMatch(/^Deployment shop\/api: 1 -> 3 replicas/);
      expect(await scale(without(executor, 'patch'))).toMatch(/^AWO_KUBE_FORBIDDEN: PATCH .* lack RBAC verb "patch" on resource "deployments\/scale"/);
      expect(await scale(without(executor, 'get'))).toMatch(/^AWO_KUBE_FORBIDDEN: GET .* lack RBAC verb "get" on resource "deployments\/scale"/);
      expect(await scale(monitor)).toMatch(/^AWO_KUBE_FORBIDDEN: GET /);
      expect(await read(monitor)).toBe('kubernetes.k8s.db.spec_replicas=2 kubernetes.k8s.db.status_replicas=2 kubernetes.k8s.db.ready_replicas=2');
      expect(await read(without(monitor, 'get'))).toMatch(/AWO_KUBE_FORBIDDEN: .*lack RBAC verb "get" on resource "statefulsets"/);
      // The executor's Role cannot read the workloads themselves, only their scale.
      expect(await read(executor)).toMatch(/AWO_KUBE_FORBIDDEN/);
    } finally {
      redis.disconnect();
    }
  }, 30_000);

  it("holds a config that `awo config validate` accepts (its key file pointed at a test key)", () => {
    const text = of('ConfigMap')[0].data['awo.yaml'] as string;
    expect(text).toContain('keyFile: /var/run/awo/signing.key');
    const key = join(dir, 'signing.key');
    expect(spawnSync(process.execPath, [AWO, 'keys', 'init', '--file', key], { encoding: 'utf8' }).status).toBe(0);
    writeFileSync(join(dir, 'awo.yaml'), text.replace('/var/run/awo/signing.key', key));
    const r = spawnSync(process.execPath, [AWO, 'config', 'validate', join(dir, 'awo.yaml')], { encoding: 'utf8', cwd: ROOT });
    expect({ status: r.status, out: r.stdout + r.stderr }).toMatchObject({ status: 0 });
  }, 30_000);
});
