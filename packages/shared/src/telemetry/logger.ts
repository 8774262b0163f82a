import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Fields that never reach a log line, wherever they sit. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'redis.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'signingKey',
  '*.signingKey',
  'signing.key',
  '*.signing.key',
];

const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)([^:@/\s]*):([^@/\s]+)@/gi;

/** Removes passwords from URLs inside any string. */
export function scrubUrls(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1$2:***@');
}

/**
 * The log fields with URL passwords removed from their strings, a few levels deep, e.g. a
 * `config.redis.url` of `rediss://user:pass@host`. The same object when nothing changes; a
 * copy (never the caller's object changed) when something does.
 */
export function scrubFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.includes('@') ? scrubUrls(value) : value;
  if (depth >= 5 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) {
    const items = value.map((v) => scrubFields(v, depth + 1));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const scrubbed = scrubFields(v, depth + 1);
    if (scrubbed !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = scrubbed;
  }
  return out ?? value;
}

export interface LoggerSettings {
  level?: string;
  /** Bound on every line, e.g. `{ agent: 'planner' }`. */
  base?: Record<string, unknown>;
  destination?: DestinationStream;
}

/**
 * One pino logger per process. Every line written while a span is active carries `trace_id`
 * and `span_id`; secrets are redacted; URL credentials are scrubbed from messages.
 */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { pid: process.pid, ...settings.base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }), log: (fields) => scrubFields(fields) as Record<string, unknown> },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const sc = span.spanContext();
      return { trace_id: sc.traceId, span_id: sc.spanId };
    },
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = scrubUrls(args[i] as string);
        method.apply(this, args as Parameters<typeof method>);
      },
    },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

export type { Logger };
