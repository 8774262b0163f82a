import type { AppsV1Api, ConfigurationOptions, KubeConfig, ObservableMiddleware } from '@kubernetes/client-node';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { KubeconfigConfig, KubeTarget } from '../config/kube.js';
import { AwoError, errorMessage } from '../errors.js';
import { KeepAliveAgents } from './agents.js';
import { kubeError, pluralOf, type KubeOp } from './errors.js';

/** What the scale subresource of a workload says (autoscaling/v1 `Scale`). */
export interface ScaleState {
  /** `spec.replicas`: what is asked for (absent in the JSON means 0). */
  replicas: number;
  /** `status.replicas`: what runs. */
  statusReplicas: number;
  resourceVersion: string;
}

/** What the workload object itself says (apps/v1 Deployment or StatefulSet). */
export interface WorkloadState {
  specReplicas: number;
  statusReplicas: number;
  /** `status.readyReplicas` (absent in the JSON means 0). */
  readyReplicas: number;
}

const replicas = z.number().int().min(0).max(1_000_000);

/** The Scale the server answered, checked: it must be the object asked for. */
const scaleSchema = z.object({
  kind: z.literal('Scale').optional(),
  metadata: z.object({ name: z.string(), namespace: z.string().optional(), resourceVersion: z.string().min(1).max(64) }),
  spec: z.object({ replicas: replicas.optional() }).optional(),
  status: z.object({ replicas: replicas.optional(), selector: z.string().max(4096).optional() }).optional(),
});

const workloadSchema = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string().optional() }),
  spec: z.object({ replicas: replicas.optional() }).optional(),
  status: z.object({ replicas: replicas.optional(), readyReplicas: replicas.optional() }).optional(),
});

/**
 * A middleware (the client's observable kind) that hands the request an abort signal and a
 * kept keep-alive agent (it runs after the client has set the request's credentials and agent).
 */
function requestMiddleware(k8s: typeof import('@kubernetes/client-node'), signal: AbortSignal, agents: KeepAliveAgents): ObservableMiddleware {
  return {
    pre: (ctx) => {
      ctx.setSignal(signal);
      const agent = agents.reuse(ctx.getAgent());
      if (agent) ctx.setAgent(agent);
      return new k8s.Observable(Promise.resolve(ctx));
    },
    post: (res) => new k8s.Observable(Promise.resolve(res)),
  };
}

/**
 * The apps/v1 calls awo makes, through `@kubernetes/client-node`: read and merge-patch the
 * scale subresource, read a workload. Each call is bounded by `timeout`, honours its signal,
 * checks the answer (zod) and turns failures into coded errors (see `kubeError`). Retrying is
 * the caller's (`withKubeRetries`).
 */
export class KubeClient {
  readonly #agents = new KeepAliveAgents();

  private constructor(
    private readonly k8s: typeof import('@kubernetes/client-node'),
    private readonly apps: AppsV1Api,
    /** Where the credentials come from, for messages. */
    readonly credentials: string,
    /** The API server's URL. */
    readonly server: string,
  ) {}

  /**
   * Loads the credentials: a kubeconfig file (and context), or in-cluster when `kubeconfig` is
   * absent. `field` is the config path of the owner (`executor.actions.scale-api`), for a
   * refusal that names the bad field.
   */
  static async load(kubeconfig: KubeconfigConfig | undefined, field: string): Promise<KubeClient> {
    const k8s = await import('@kubernetes/client-node');
    const kc: KubeConfig = new k8s.KubeConfig();
    let credentials: string;
    if (kubeconfig) {
      const path = resolve(kubeconfig.path);
      try {
        kc.loadFromFile(path);
      } catch (err) {
        throw new AwoError('AWO_CONFIG_INVALID', `${field}.kubeconfig.path: cannot load the kubeconfig ${path}: ${errorMessage(err)}`, { cause: err });
      }
      if (kubeconfig.context !== undefined) {
        if (!kc.getContextObject(kubeconfig.context)) {
          throw new AwoError('AWO_CONFIG_INVALID', `${field}.kubeconfig.context: ${path} has no context "${kubeconfig.context}" (it has: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
        }
        kc.setCurrentContext(kubeconfig.context);
      }
      credentials = `kubeconfig ${path} (context ${kc.getCurrentContext() || 'none'})`;
    } else {
      kc.loadFromCluster();
      credentials = "the pod's service account (in-cluster)";
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster || !/^https?:\/\/[^/]+/.test(cluster.server) || /\/\/undefined:/.test(cluster.server)) {
      const where = kubeconfig ? `${field}.kubeconfig: the current context of ${kubeconfig.path} names no cluster with a server URL` : `${field}.kubeconfig: not running in a Kubernetes pod (no KUBERNETES_SERVICE_HOST); set kubeconfig.path for credentials from a file`;
      throw new AwoError('AWO_CONFIG_INVALID', where);
    }
    if (!kc.getCurrentUser()) throw new AwoError('AWO_CONFIG_INVALID', `${field}.kubeconfig: the current context of ${kubeconfig?.path ?? 'the in-cluster config'} names no user`);
    return new KubeClient(k8s, kc.makeApiClient(k8s.AppsV1Api), credentials, cluster.server);
  }

  /** Closes the connections it keeps open. The client can be used again after (it reconnects). */
  close(): void {
    this.#agents.destroy();
  }

  /** GET the scale subresource. */
  getScale(target: KubeTarget, signal: AbortSignal, timeout: number): Promise<ScaleState> {
    const op = this.#op('get', target, true);
    return this.#call(op, signal, timeout, undefined, async (options) => {
      const params = { name: target.name, namespace: target.namespace };
      const answer = target.kind === 'Deployment' ? await this.apps.readNamespacedDeploymentScale(params, options) : await this.apps.readNamespacedStatefulSetScale(params, options);
      return this.#scale(op, answer);
    });
  }

  /**
   * PATCH the scale subresource with a JSON merge patch (`application/merge-patch+json`) of
   * `spec.replicas`, with `metadata.resourceVersion` as a precondition when given (the server
   * answers 409 if the object changed since it was read).
   */
  patchReplicas(target: KubeTarget, replicas: number, resourceVersion: string | undefined, signal: AbortSignal, timeout: number): Promise<ScaleState> {
    const op = this.#op('patch', target, true);
    const body = { ...(resourceVersion !== undefined ? { metadata: { resourceVersion } } : {}), spec: { replicas } };
    return this.#call(op, signal, timeout, this.k8s.PatchStrategy.MergePatch, async (options) => {
      const params = { name: target.name, namespace: target.namespace, body };
      const answer = target.kind === 'Deployment' ? await this.apps.patchNamespacedDeploymentScale(params, options) : await this.apps.patchNamespacedStatefulSetScale(params, options);
      return this.#scale(op, answer);
    });
  }

  /** GET the Deployment or StatefulSet itself (its status has `readyReplicas`; the Scale has not). */
  getWorkload(target: KubeTarget, signal: AbortSignal, timeout: number): Promise<WorkloadState> {
    const op = this.#op('get', target, false);
    return this.#call(op, signal, timeout, undefined, async (options) => {
      const params = { name: target.name, namespace: target.namespace };
      const answer: unknown = target.kind === 'Deployment' ? await this.apps.readNamespacedDeployment(params, options) : await this.apps.readNamespacedStatefulSet(params, options);
      const parsed = workloadSchema.safeParse(answer);
      if (!parsed.success) throw new AwoError('AWO_KUBE_REJECTED', `GET ${op.path} answered a body that is not a ${target.kind}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      this.#same(op, parsed.data.metadata);
      const { spec, status } = parsed.data;
      // The API server defaults spec.replicas to 1, and leaves zero-valued status fields out.
      return { specReplicas: spec?.replicas ?? 1, statusReplicas: status?.replicas ?? 0, readyReplicas: status?.readyReplicas ?? 0 };
    });
  }

  #op(verb: 'get' | 'patch', target: KubeTarget, scale: boolean): KubeOp {
    const plural = pluralOf(target);
    const path = `/apis/apps/v1/namespaces/${target.namespace}/${plural}/${target.name}${scale ? '/scale' : ''}`;
    return { verb, resource: scale ? `${plural}/scale` : plural, target, path, credentials: this.credentials };
  }

  #scale(op: KubeOp, answer: unknown): ScaleState {
    const parsed = scaleSchema.safeParse(answer);
    if (!parsed.success) throw new AwoError('AWO_KUBE_REJECTED', `${op.verb.toUpperCase()} ${op.path} answered a body that is not a Scale: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    this.#same(op, parsed.data.metadata);
    // Scale's replicas are omitempty: absent means 0.
    return { replicas: parsed.data.spec?.replicas ?? 0, statusReplicas: parsed.data.status?.replicas ?? 0, resourceVersion: parsed.data.metadata.resourceVersion };
  }

  #same(op: KubeOp, metadata: { name: string; namespace?: string | undefined }): void {
    if (metadata.name !== op.target.name || (metadata.namespace !== undefined && metadata.namespace !== op.target.namespace)) {
      throw new AwoError('AWO_KUBE_REJECTED', `${op.path} answered the object ${metadata.namespace ?? '?'}/${metadata.name}, not the one asked for`);
    }
  }

  async #call<T>(op: KubeOp, signal: AbortSignal, timeout: number, contentType: string | undefined, run: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
    const timer = AbortSignal.timeout(timeout);
    const both = AbortSignal.any([signal, timer]);
    const base: ConfigurationOptions = { middleware: [requestMiddleware(this.k8s, both, this.#agents)], middlewareMergeStrategy: 'append' };
    const options = contentType ? this.k8s.setHeaderOptions('Content-Type', contentType, base) : base;
    try {
      return await run(options);
    } catch (err) {
      throw kubeError(err, op, timer.aborted && !signal.aborted);
    }
  }
}
