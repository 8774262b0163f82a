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
    formatters: { level: (label) => ({ level: label }) },
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
