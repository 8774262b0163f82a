import type { PrometheusSourceConfig } from '@awo/shared';
import { seriesName } from '../series.js';
import type { Sample, Source, SourceDeps } from '../types.js';
import { httpGet } from './http.js';
import { parsePrometheusText, type PromSample } from './prometheus-text.js';

const ACCEPT = 'text/plain;version=0.0.4;q=0.9,*/*;q=0.1';

/**
 * `prometheus`: GETs a text exposition and publishes each configured series as
 * `prometheus.<name>.<as ?? metric>`, one sample per matching line, with that line's labels.
 * A line matches when its metric name is `metric` and it has every label of `labels` with the
 * same value. Exposition timestamps, when present, become the metric's `ts`.
 *
 * A configured series that matches nothing is not an error (a labelled counter may not exist
 * yet); it is logged once as a warning so that a misspelt name is noticed.
 */
export function prometheusSource(config: PrometheusSourceConfig, deps: SourceDeps): Source {
  const warned = new Set<string>();
  return {
    kind: 'prometheus',
    name: config.name,
    interval: config.interval,
    labels: config.labels,
    async sample(signal: AbortSignal): Promise<Sample[]> {
      const text = await httpGet(config.url, { signal, timeout: config.timeout, accept: ACCEPT });
      const { samples } = parsePrometheusText(text);
      const out: Sample[] = [];
      for (const wanted of config.series) {
        const series = seriesName('prometheus', config.name, wanted.as ?? wanted.metric);
        const found = samples.filter((s) => matches(s, wanted.metric, wanted.labels));
        for (const s of found) out.push({ series, value: s.value, labels: s.labels, ...(s.timestamp !== undefined ? { ts: s.timestamp } : {}) });
        const key = `${wanted.metric}${JSON.stringify(wanted.labels)}`;
        if (found.length === 0 && !warned.has(key)) {
          warned.add(key);
          deps.log.warn({ metric: wanted.metric, labels: wanted.labels }, 'no line of the exposition matches a configured series');
        }
      }
      return out;
    },
    async close(): Promise<void> {},
  };
}

/** True when a sample has the metric name and every wanted label with the same value. */
export function matches(sample: PromSample, metric: string, labels: Readonly<Record<string, string>>): boolean {
  if (sample.name !== metric) return false;
  for (const [k, v] of Object.entries(labels)) if (sample.labels[k] !== v) return false;
  return true;
}
