import { SpanKind } from '@opentelemetry/api';
import { ATTR, AwoError, describeTarget, inSpan, KubeClient, spanName, withKubeRetries, type ActionConfig, type KubernetesScaleActionConfig, type Logger } from '@awo/shared';
import { AWO_ATTR } from '../semconv.js';
import type { ActionConfigOf, ActionHandler } from '../types.js';

/**
 * One client per action config (its credentials), loaded once. Keyed by the config object, which
 * the parsed, frozen config keeps for the executor's life; a load that failed is forgotten, so
 * the next use tries again.
 */
const clients = new WeakMap<KubernetesScaleActionConfig, Promise<KubeClient>>();

function clientFor(config: KubernetesScaleActionConfig, field: string): Promise<KubeClient> {
  let client = clients.get(config);
  if (!client) {
    client = KubeClient.load(config.kubeconfig, field);
    clients.set(config, client);
    client.catch(() => clients.delete(config));
  }
  return client;
}

/**
 * Loads the credentials of every `kubernetes-scale` action (at executor start): a kubeconfig
 * that cannot be read, a context it lacks, or in-cluster credentials outside a pod are refused
 * with `AWO_CONFIG_INVALID` naming the field. Nothing is sent to the API server.
 */
export async function checkKubernetesActions(actions: Readonly<Record<string, ActionConfig>>): Promise<void> {
  for (const [name, config] of Object.entries(actions)) {
    if (config.kind === 'kubernetes-scale') await clientFor(config, `executor.actions.${name}`);
  }
}

function spanAttributes(config: KubernetesScaleActionConfig, server?: string): Record<string, string | number> {
  const { target } = config;
  const url = server ? new URL(server) : undefined;
  return {
    [AWO_ATTR.K8S_NAMESPACE]: target.namespace,
    [target.kind === 'Deployment' ? AWO_ATTR.K8S_DEPLOYMENT : AWO_ATTR.K8S_STATEFULSET]: target.name,
    ...(url ? { [ATTR.SERVER_ADDRESS]: url.hostname, [ATTR.SERVER_PORT]: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) } : {}),
  };
}

/**
 * `kubernetes-scale`: sets `spec.replicas` of the Deployment or StatefulSet the CONFIG names
 * (never one from the action) through its scale subresource. It reads the Scale, and when the
 * replicas differ, sends a JSON merge patch (`application/merge-patch+json`) of `spec.replicas`
 * with the `resourceVersion` it read, so a concurrent writer makes it read again (409) instead
 * of being overwritten blindly. 409, 429, 5xx, timeouts and network errors are retried up to
 * `retries` times with backoff, within the job's abort signal; 401, 403, 404 and invalid
 * answers fail at once with a message that says what to fix.
 */
export const kubernetesScaleHandler: ActionHandler<ActionConfigOf<'kubernetes-scale'>> = (action, config, ctx) => {
  const { target } = config;
  const what = describeTarget(target);
  return inSpan(ctx.tracer, spanName('scale', what), { kind: SpanKind.CLIENT, attributes: spanAttributes(config) }, async (span) => {
    const n = action.value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < config.min || n > config.max) {
      throw new AwoError('AWO_ACTION_NOT_ALLOWED', `scale ${what}: expected an integer from ${config.min} to ${config.max} (executor.actions.${action.action}), got ${JSON.stringify(n)}`);
    }
    const client = await clientFor(config, `executor.actions.${action.action}`);
    span.setAttributes(spanAttributes(config, client.server));
    let before: number | undefined;
    const { value: after, retries } = await withKubeRetries(
      async () => {
        const scale = await client.getScale(target, ctx.signal, config.timeout);
        before = scale.replicas;
        return scale.replicas === n ? { ...scale, patched: false } : { ...(await client.patchReplicas(target, n, scale.resourceVersion, ctx.signal, config.timeout)), patched: true };
      },
      { retries: config.retries, backoff: config.backoff, maxBackoff: config.maxBackoff, signal: ctx.signal, onRetry: retryLogger(ctx.log, what) },
    );
    span.setAttribute(AWO_ATTR.KUBE_RETRIES, retries);
    if (after.replicas !== n) throw new AwoError('AWO_KUBE_REJECTED', `PATCH of ${what}'s scale answered spec.replicas ${after.replicas}, not ${n}`);
    const tries = retries > 0 ? `; ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
    const how = after.patched ? `${before} -> ${n} replicas` : `already ${n} replicas`;
    return { output: `${what}: ${how} (status.replicas ${after.statusReplicas}, resourceVersion ${after.resourceVersion}${tries})` };
  });
};

function retryLogger(log: Logger, what: string) {
  return (err: AwoError, retry: number, waitMs: number) => log.warn({ target: what, retry, waitMs: Math.round(waitMs), code: err.code, status: err.details?.status, err: err.message }, 'kubernetes-scale: retrying');
}

/**
 * What `observe()` reads back for a `kubernetes-scale` action: the Scale's `spec.replicas`, so
 * that drift checks compare the world with the plan. One GET, bounded by the action's timeout and
 * not retried: a failure throws, and the caller treats the value as unknown until the next check.
 */
export async function observeKubernetesScale(config: KubernetesScaleActionConfig, signal: AbortSignal | undefined): Promise<number> {
  const client = await clientFor(config, `executor.actions (${describeTarget(config.target)})`);
  const scale = await client.getScale(config.target, signal ?? new AbortController().signal, config.timeout);
  return scale.replicas;
}
