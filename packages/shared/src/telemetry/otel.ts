import { context, propagation, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config/schema.js';

let globalsInstalled = false;

/**
 * Installs, once per process, what every tracer shares: the async-local-storage context manager
 * and the W3C trace-context + baggage propagator.
 */
export function installTelemetryGlobals(): void {
  if (globalsInstalled) return;
  globalsInstalled = true;
  const manager = new AsyncLocalStorageContextManager();
  manager.enable();
  context.setGlobalContextManager(manager);
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
}

export interface TelemetryOptions {
  /** `service.name` of this agent, e.g. `awo-planner`. */
  serviceName: string;
  config: Config['telemetry'];
  /** The environment, for the standard OTEL_* variables. */
  env: Record<string, string | undefined>;
  /** More processors, e.g. the Redis span store or an in-memory exporter in tests. */
  processors?: SpanProcessor[];
}

export interface Telemetry {
  tracer: Tracer;
  provider: BasicTracerProvider;
  /** Where spans go: `otlp http/protobuf http://…`, `console`, or `none`. */
  exporter: string;
  shutdown(): Promise<void>;
}

/** Chooses the exporter from the config, then the standard OTEL_* variables. */
export function chooseExporter(cfg: Config['telemetry'], env: Record<string, string | undefined>): { exporter?: SpanExporter; describe: string } {
  const kind = cfg.traces.exporter ?? (env.OTEL_TRACES_EXPORTER?.split(',')[0]?.trim() as 'otlp' | 'console' | 'none' | undefined) ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'otlp' : 'none');
  if (kind === 'console') return { exporter: new ConsoleSpanExporter(), describe: 'console' };
  if (kind !== 'otlp') return { describe: 'none' };
  const protocol = cfg.traces.protocol ?? env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  // The exporters read OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout) themselves; a config
  // endpoint is the base URL, to which the traces path is added as the spec says.
  const url = cfg.traces.endpoint ? `${cfg.traces.endpoint.replace(/\/$/, '')}/v1/traces` : undefined;
  const exporter = protocol === 'http/json' ? new OTLPHttpJsonExporter(url ? { url } : {}) : new OTLPProtoExporter(url ? { url } : {});
  return { exporter, describe: `otlp ${protocol} ${url ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318/v1/traces'}` };
}

/** Parses OTEL_RESOURCE_ATTRIBUTES (`k=v,k2=v2`). */
export function resourceAttributes(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i > 0) out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
  }
  return out;
}

/**
 * A tracer provider for one agent. Each agent is its own `service.name`, even when `awo up`
 * runs all four in one process, so providers are kept per agent and not registered globally.
 */
export function createTelemetry(options: TelemetryOptions): Telemetry {
  installTelemetryGlobals();
  const { exporter, describe } = chooseExporter(options.config, options.env);
  const processors: SpanProcessor[] = [...(options.processors ?? [])];
  if (exporter) processors.push(new BatchSpanProcessor(exporter));
  const ratio = options.config.traces.sampleRatio;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ ...resourceAttributes(options.env), 'service.name': options.serviceName, 'service.namespace': 'awo' }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: processors,
  });
  let shut: Promise<void> | undefined;
  return {
    tracer: provider.getTracer('awo'),
    provider,
    exporter: describe,
    shutdown: () => (shut ??= provider.shutdown().catch(() => undefined)),
  };
}
