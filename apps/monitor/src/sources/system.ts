import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { SystemSourceConfig } from '@awo/shared';
import { seriesName } from '../series.js';
import type { Sample, Source, SourceDeps } from '../types.js';

/** Resolution of the event-loop delay histogram, ms; subtracted from what it reports. */
const LOOP_RESOLUTION_MS = 10;

/** Busy and total CPU time of the host, summed over its CPUs (ms). */
export function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    busy += times.user + times.nice + times.sys + times.irq;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { busy, total };
}

/** Share of CPU time that was busy between two readings, 0..1 (undefined when no time passed). */
export function cpuShare(before: { busy: number; total: number }, after: { busy: number; total: number }): number | undefined {
  const total = after.total - before.total;
  if (total <= 0) return undefined;
  return Math.min(1, Math.max(0, (after.busy - before.busy) / total));
}

/**
 * `system`: the host and this process.
 * - `cpu`: share of host CPU time (all CPUs) that was busy since the previous sample, 0..1.
 * - `memory_used_ratio`: 1 − free/total memory of the host.
 * - `load1`: the host's 1-minute load average (0 where the OS has none).
 * - `rss_bytes`, `heap_used_bytes`: this process's resident set and V8 heap in use.
 * - `event_loop_lag_ms`: p99 of how late this process's event loop ran a 10 ms timer since
 *   the previous sample (the histogram is reset on every sample).
 */
export function systemSource(config: SystemSourceConfig, deps: SourceDeps): Source {
  let cpu: { busy: number; total: number } | undefined;
  let loop: IntervalHistogram | undefined;
  let lastReset = 0;
  return {
    kind: 'system',
    name: config.name,
    interval: config.interval,
    labels: config.labels,
    async start(): Promise<void> {
      cpu ??= cpuTimes();
      if (!loop) {
        loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
        loop.enable();
        lastReset = deps.now();
      }
    },
    async sample(): Promise<Sample[]> {
      const name = (metric: string) => seriesName('system', config.name, metric);
      const out: Sample[] = [];
      const now = cpuTimes();
      const share = cpu ? cpuShare(cpu, now) : undefined;
      cpu = now;
      if (share !== undefined) out.push({ series: name('cpu'), value: share, unit: 'ratio' });
      out.push({ series: name('memory_used_ratio'), value: 1 - freemem() / totalmem(), unit: 'ratio' });
      out.push({ series: name('load1'), value: loadavg()[0] ?? 0 });
      const mem = process.memoryUsage();
      out.push({ series: name('rss_bytes'), value: mem.rss, unit: 'bytes' });
      out.push({ series: name('heap_used_bytes'), value: mem.heapUsed, unit: 'bytes' });
      if (loop) {
        const t = deps.now();
        // No tick recorded at all since the reset: the loop was blocked the whole time.
        const p99 = loop.count > 0 ? loop.percentile(99) / 1e6 : t - lastReset;
        out.push({ series: name('event_loop_lag_ms'), value: Math.max(0, p99 - LOOP_RESOLUTION_MS), unit: 'ms' });
        loop.reset();
        lastReset = t;
      }
      return out;
    },
    async close(): Promise<void> {
      loop?.disable();
      loop = undefined;
    },
  };
}
