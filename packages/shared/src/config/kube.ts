import { z } from 'zod';

/** A DNS-1123 name, as Kubernetes requires for namespaces and for Deployments and StatefulSets. */
const dns1123 = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'expected a Kubernetes name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit');

/** The workload a Kubernetes action or source acts on or reads: always named in the config, never in a message. */
export const kubeTargetSchema = z.strictObject({
  /** An apps/v1 workload with a scale subresource. */
  kind: z.enum(['Deployment', 'StatefulSet']),
  namespace: dns1123.max(63),
  name: dns1123,
});

/**
 * Where the Kubernetes credentials come from. Absent: in-cluster (the pod's service account
 * token and CA, `KUBERNETES_SERVICE_HOST`). Present: a kubeconfig file, with an optional context
 * (else the file's current context).
 */
export const kubeconfigSchema = z.strictObject({
  /** Path of the kubeconfig file (relative paths are resolved against the working directory). */
  path: z.string().min(1),
  context: z.string().min(1).optional(),
});

export type KubeTarget = z.infer<typeof kubeTargetSchema>;
export type KubeconfigConfig = z.infer<typeof kubeconfigSchema>;
