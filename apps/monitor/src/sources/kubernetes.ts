import { AwoError, describeTarget, errorMessage, isAwoError, KubeClient, type KubernetesSourceConfig } from '@awo/shared';
import { seriesName } from '../series.js';
import type { Sample, Source, SourceDeps } from '../types.js';

/**
 * `kubernetes`: reads each target Deployment or StatefulSet (apps/v1, one GET of the object,
 * bounded by `timeout`) and publishes
 * `kubernetes.<name>.<target>.spec_replicas` (what is asked for), `.status_replicas` (pods that
 * run) and `.ready_replicas` (pods that are ready), `<target>` being the target's `as`, else its
 * name. At most 100 targets, read in order, one at a time.
 *
 * A target that cannot be read (401, 403, 404, the server unreachable) fails the whole sample,
 * with an error that names every target that failed and why: the monitor logs it, counts it
 * (`awo_monitor_source_failures_total{source="kubernetes:<name>"}`), publishes `up` = 0 and
 * retries with backoff. Give workloads that fail independently sources of their own.
 */
export function kubernetesSource(config: KubernetesSourceConfig, deps: SourceDeps): Source {
  let client: KubeClient | undefined;
  return {
    kind: 'kubernetes',
    name: config.name,
    interval: config.interval,
    labels: config.labels,
    async start(): Promise<void> {
      client ??= await KubeClient.load(config.kubeconfig, `monitor.sources (kubernetes ${config.name})`);
      deps.log.info({ server: client.server, credentials: client.credentials, targets: config.targets.length }, 'kubernetes source ready');
    },
    async sample(signal: AbortSignal): Promise<Sample[]> {
      if (!client) throw new AwoError('AWO_SOURCE_FAILED', `kubernetes:${config.name} sampled before it started`);
      const samples: Sample[] = [];
      const failures: string[] = [];
      let retryable = false;
      for (const target of config.targets) {
        if (signal.aborted) break;
        const id = target.as ?? target.name;
        try {
          const w = await client.getWorkload(target, signal, config.timeout);
          const labels = { namespace: target.namespace, workload: target.name, workload_kind: target.kind };
          samples.push(
            { series: seriesName('kubernetes', config.name, `${id}.spec_replicas`), value: w.specReplicas, unit: 'replicas', labels },
            { series: seriesName('kubernetes', config.name, `${id}.status_replicas`), value: w.statusReplicas, unit: 'replicas', labels },
            { series: seriesName('kubernetes', config.name, `${id}.ready_replicas`), value: w.readyReplicas, unit: 'replicas', labels },
          );
        } catch (err) {
          retryable ||= !isAwoError(err) || err.retryable;
          failures.push(`${describeTarget(target)}: ${isAwoError(err) ? `${err.code}: ` : ''}${errorMessage(err)}`);
        }
      }
      if (failures.length > 0) {
        throw new AwoError('AWO_SOURCE_FAILED', `kubernetes:${config.name} could not read ${failures.length} of ${config.targets.length} targets${retryable ? '' : ' (retrying cannot help until the cluster or the config changes)'}: ${failures.join(' | ')}`);
      }
      return samples;
    },
    async close(): Promise<void> {
      client?.close();
      client = undefined;
    },
  };
}
