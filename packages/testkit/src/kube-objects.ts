/**
 * The objects the fake Kubernetes API answers, shaped as the Kubernetes API reference defines
 * them: `Scale` (autoscaling/v1), `Deployment` / `StatefulSet` (apps/v1) and `Status` (v1) for
 * every error. Zero-valued `omitempty` fields are left out, as the real API server does.
 */

export type WorkloadKind = 'Deployment' | 'StatefulSet';
export type Plural = 'deployments' | 'statefulsets';

/** The state the fake server keeps for one workload. */
export interface Workload {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** spec.replicas */
  replicas: number;
  /** status.replicas */
  statusReplicas: number;
  /** status.readyReplicas */
  readyReplicas: number;
  uid: string;
  resourceVersion: string;
  generation: number;
  creationTimestamp: string;
}

export const PLURAL: Record<WorkloadKind, Plural> = { Deployment: 'deployments', StatefulSet: 'statefulsets' };

/** `{ a: 0, b: 2 }` → `{ b: 2 }`: what `omitempty` does to zero numbers. */
function omitZero(fields: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== 0));
}

function metadata(w: Workload): Record<string, unknown> {
  return { name: w.name, namespace: w.namespace, uid: w.uid, resourceVersion: w.resourceVersion, creationTimestamp: w.creationTimestamp };
}

/** The scale subresource: `GET/PATCH …/{deployments|statefulsets}/{name}/scale`. */
export function scaleOf(w: Workload): Record<string, unknown> {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: metadata(w),
    spec: omitZero({ replicas: w.replicas }),
    status: { ...omitZero({ replicas: w.statusReplicas }), selector: `app=${w.name}` },
  };
}

/** The workload itself: `GET …/{deployments|statefulsets}/{name}`. */
export function workloadOf(w: Workload): Record<string, unknown> {
  const labels = { app: w.name };
  const template = { metadata: { labels }, spec: { containers: [{ name: w.name, image: `registry.example.com/${w.name}:1` }] } };
  return {
    kind: w.kind,
    apiVersion: 'apps/v1',
    metadata: { ...metadata(w), generation: w.generation, labels },
    // spec.replicas is a pointer in apps/v1: present even when 0.
    spec: { replicas: w.replicas, selector: { matchLabels: labels }, template, ...(w.kind === 'StatefulSet' ? { serviceName: w.name } : {}) },
    status: { observedGeneration: w.generation, ...omitZero({ replicas: w.statusReplicas, readyReplicas: w.readyReplicas, availableReplicas: w.readyReplicas, updatedReplicas: w.statusReplicas }) },
  };
}

/** A v1 `Status` (what the API server answers on every error). */
export function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** The API server's own words for each error it answers about a workload (or its scale). */
export function statusFor(code: number, req: { verb: string; plural: Plural; namespace: string; name: string; subresource: boolean; retryAfter?: number }): Record<string, unknown> {
  const ref = `${req.plural}.apps "${req.name}"`;
  const details = { name: req.name, group: 'apps', kind: req.plural };
  switch (code) {
    case 401:
      return status(401, 'Unauthorized', 'Unauthorized');
    case 403:
      return status(403, 'Forbidden', `${ref} is forbidden: User "system:serviceaccount:awo:awo-executor" cannot ${req.verb} resource "${req.plural}${req.subresource ? '/scale' : ''}" in API group "apps" in the namespace "${req.namespace}"`, details);
    case 404:
      return status(404, 'NotFound', `${ref} not found`, details);
    case 409:
      return status(409, 'Conflict', `Operation cannot be fulfilled on ${ref}: the object has been modified; please apply your changes to the latest version and try again`, details);
    case 429:
      return status(429, 'TooManyRequests', 'the server has received too many requests and has asked us to try again later', { ...(req.retryAfter !== undefined ? { retryAfterSeconds: req.retryAfter } : {}) });
    case 503:
      return status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
    default:
      return status(code, 'InternalError', 'Internal error occurred: etcdserver: request timed out', { causes: [{ message: 'etcdserver: request timed out' }] });
  }
}

/** RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}
