import { z } from 'zod';
import type { KubeTarget } from '../config/kube.js';
import { AwoError, errorMessage, isAwoError } from '../errors.js';

/** What a request to the API server was doing, for its error messages. */
export interface KubeOp {
  verb: 'get' | 'patch';
  /** The RBAC resource: `deployments/scale`, `statefulsets/scale`, `deployments`, `statefulsets`. */
  resource: string;
  target: KubeTarget;
  /** The request path, e.g. `/apis/apps/v1/namespaces/shop/deployments/api/scale`. */
  path: string;
  /** Where the credentials came from, e.g. `kubeconfig /etc/kube.yaml (context prod)`. */
  credentials: string;
}

/** A Kubernetes `Status` object (the body of every error answer); only what the messages use. */
const statusSchema = z.object({
  kind: z.literal('Status'),
  message: z.string().max(4096).optional(),
  reason: z.string().max(200).optional(),
  code: z.number().int().optional(),
});

/** The plural resource of an apps/v1 workload kind (`Deployment` → `deployments`). */
export function pluralOf(target: KubeTarget): 'deployments' | 'statefulsets' {
  return target.kind === 'Deployment' ? 'deployments' : 'statefulsets';
}

/** `Deployment shop/api`. */
export function describeTarget(target: KubeTarget): string {
  return `${target.kind} ${target.namespace}/${target.name}`;
}

/** The server's own words from a Status body, if the body is one. */
function serverSays(body: unknown): { message?: string; reason?: string } {
  if (typeof body !== 'string' || body.length === 0) return {};
  try {
    const parsed = statusSchema.safeParse(JSON.parse(body.slice(0, 16_384)));
    return parsed.success ? { ...(parsed.data.message ? { message: parsed.data.message } : {}), ...(parsed.data.reason ? { reason: parsed.data.reason } : {}) } : {};
  } catch {
    return {};
  }
}

/** Seconds of a `Retry-After` header (429, 503), in ms; undefined when absent or not seconds. */
function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const value = headers?.['retry-after'];
  if (value === undefined || !/^\d{1,5}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

interface ApiExceptionLike {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function isApiException(err: unknown): err is ApiExceptionLike {
  return err instanceof Error && err.constructor.name === 'ApiException' && typeof (err as { code?: unknown }).code === 'number';
}

/**
 * Turns what a request to the API server threw into an AwoError whose message says what to do:
 * 401 → AWO_KUBE_UNAUTHORIZED, 403 → AWO_KUBE_FORBIDDEN (naming the RBAC verb and resource),
 * 404 → AWO_KUBE_NOT_FOUND (naming the object), 409 → AWO_KUBE_CONFLICT, 429/5xx/network/timeout
 * → AWO_KUBE_UNAVAILABLE (both retryable), anything else → AWO_KUBE_REJECTED. `details` carries
 * `status` and, from a Retry-After header, `retryAfterMs`.
 */
export function kubeError(err: unknown, op: KubeOp, timedOut = false): AwoError {
  if (isAwoError(err)) return err;
  const what = `${op.verb.toUpperCase()} ${op.path}`;
  const obj = describeTarget(op.target);
  if (isApiException(err)) {
    const status = err.code;
    const says = serverSays(err.body);
    const tail = says.message ? ` The server said: ${says.message}` : '';
    const details = { status, ...(says.reason ? { reason: says.reason } : {}), ...(retryAfterMs(err.headers) !== undefined ? { retryAfterMs: retryAfterMs(err.headers) } : {}) };
    if (status === 401) return new AwoError('AWO_KUBE_UNAUTHORIZED', `${what} answered 401 Unauthorized: the API server did not accept the credentials from ${op.credentials} (missing, expired or wrong token or client certificate).${tail}`, { details });
    if (status === 403) {
      return new AwoError(
        'AWO_KUBE_FORBIDDEN',
        `${what} answered 403 Forbidden: the credentials from ${op.credentials} lack RBAC verb "${op.verb}" on resource "${op.resource}" in API group "apps" in namespace "${op.target.namespace}"; grant it with a Role bound to that account (infra/k8s/base/rbac.yaml).${tail}`,
        { details },
      );
    }
    if (status === 404) return new AwoError('AWO_KUBE_NOT_FOUND', `${what} answered 404 Not Found: ${obj} (apps/v1) does not exist, or its namespace does not.${tail}`, { details });
    if (status === 409) return new AwoError('AWO_KUBE_CONFLICT', `${what} answered 409 Conflict: ${obj} changed while awo scaled it (another writer, e.g. an HPA); awo reads it again and retries.${tail}`, { details });
    if (status === 429 || status >= 500) return new AwoError('AWO_KUBE_UNAVAILABLE', `${what} answered ${status}${status === 429 ? ' Too Many Requests' : ''}: the API server is overloaded or failing; awo retries with backoff.${tail}`, { details });
    return new AwoError('AWO_KUBE_REJECTED', `${what} answered ${status}${says.reason ? ` ${says.reason}` : ''}: the API server refused the request for ${obj}.${tail}`, { details });
  }
  if (timedOut) return new AwoError('AWO_KUBE_UNAVAILABLE', `${what} timed out: the API server did not answer in time`, { cause: err, details: { status: 0 } });
  if (err instanceof Error && (err.name === 'FetchError' || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|socket hang up/.test(err.message))) {
    return new AwoError('AWO_KUBE_UNAVAILABLE', `${what} failed: the API server could not be reached: ${errorMessage(err)}`, { cause: err, details: { status: 0 } });
  }
  return new AwoError('AWO_KUBE_REJECTED', `${what} failed for ${obj}: ${errorMessage(err)}`, { cause: err });
}
