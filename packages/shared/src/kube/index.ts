export { KubeClient, type ScaleState, type WorkloadState } from './client.js';
export { describeTarget, kubeError, pluralOf, type KubeOp } from './errors.js';
export { kubeRetryable, withKubeRetries, type KubeRetryOptions } from './retry.js';
