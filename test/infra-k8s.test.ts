import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

  it('has the Secret, the PodDisruptionBudget, the ServiceMonitor, and a Role of exactly get and patch on deployments/scale and statefulsets/scale', () => {
    expect(Object.keys(of('Secret')[0].stringData ?? of('Secret')[0].data).sort()).toEqual(['redis-password', 'signing.key']);
    expect(of('PodDisruptionBudget')[0].spec).toEqual({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'awo', 'app.kubernetes.io/component': 'planner' } } });
    expect(of('ServiceMonitor')[0].spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
    expect(of('Service')[0].spec.ports[0]).toMatchObject({ name: 'metrics', port: 9464 });
    expect(of('Role').map((r) => r.rules)).toEqual([[{ apiGroups: ['apps'], resources: ['deployments/scale', 'statefulsets/scale'], verbs: ['get', 'patch'] }]]);
    const binding = of('RoleBinding')[0];
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'awo-executor', namespace: 'awo' }]);
    // Only the executor runs with that account and a token.
    for (const d of of('Deployment')) {
      const pod = d.spec.template.spec;
      const executor = d.metadata.name === 'awo-executor';
      expect({ name: d.metadata.name, sa: pod.serviceAccountName, token: pod.automountServiceAccountToken }).toEqual({ name: d.metadata.name, sa: executor ? 'awo-executor' : 'awo', token: executor });
    }
  });

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
