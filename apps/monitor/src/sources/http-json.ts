import { redactUrl, type HttpJsonSourceConfig } from '@awo/shared';
import { seriesName } from '../series.js';
import type { Sample, Source, SourceDeps } from '../types.js';
import { httpGet } from './http.js';
import { pickNumber } from './path.js';

/**
 * `http-json`: GETs `url`, parses the body as JSON and publishes the number at the dotted
 * `path` as `http-json.<name>.<metric>` (metric defaults to `value`).
 *
 * A non-2xx answer, a body that is not JSON, a missing path or a value that is not a number
 * fails the sample with a message that says which.
 */
export function httpJsonSource(config: HttpJsonSourceConfig, _deps: SourceDeps): Source {
  const series = seriesName('http-json', config.name, config.metric);
  return {
    kind: 'http-json',
    name: config.name,
    interval: config.interval,
    labels: config.labels,
    async sample(signal: AbortSignal): Promise<Sample[]> {
      const text = await httpGet(config.url, { signal, timeout: config.timeout, accept: 'application/json' });
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw new Error(`GET ${redactUrl(config.url)} did not answer JSON: ${(err as Error).message}`);
      }
      return [{ series, value: pickNumber(body, config.path) }];
    },
    async close(): Promise<void> {},
  };
}
