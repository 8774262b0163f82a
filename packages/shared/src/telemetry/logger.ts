import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Names of fields whose values never reach a log line, at any depth, in any letter case, with
 * `-` and `_` ignored (`Authorization`, `x-api-key`, `headers.X_Api_Key`, `signing.key` …).
 */
const SECRET_NAMES = new Set(
  ['password', 'passwd', 'secret', 'token', 'authorization', 'proxyauthorization', 'cookie', 'setcookie', 'xapikey', 'apikey', 'accesstoken', 'refreshtoken', 'clientsecret', 'privatekey', 'signingkey', 'xauthtoken', 'bearer'].map(normalName),
);
/** Field names that are secret only under a parent of this name: `signing.key`. */
const SECRET_UNDER: Record<string, string> = { key: 'signing', keys: 'signing' };

function normalName(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/** Whether a field of this name (under a parent of `parent`) holds a secret. */
export function isSecretField(name: string, parent?: string): boolean {
  const n = normalName(name);
  if (SECRET_NAMES.has(n)) return true;
  const under = SECRET_UNDER[n];
  return under !== undefined && parent !== undefined && normalName(parent) === under;
}

const CENSOR = '[redacted]';
/** How deep fields are searched for secrets and URL passwords. */
const MAX_DEPTH = 8;

const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)([^:@/\s]*):([^@/\s]+)@/gi;

/** Removes passwords from URLs inside any string. */
export function scrubUrls(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1$2:***@');
}

/**
 * The log fields with secrets censored (by field name, see `isSecretField`) and URL passwords
 * removed from their strings, up to 8 levels deep, e.g. a `config.redis.url` of
 * `rediss://user:pass@host` or a nested `headers.Authorization`. The same object when nothing
 * changes; a copy (never the caller's object changed) when something does.
 */
export function scrubFields(value: unknown, depth = 0, parent?: string): unknown {
  if (typeof value === 'string') return value.includes('@') ? scrubUrls(value) : value;
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) {
    const items = value.map((v) => scrubFields(v, depth + 1, parent));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const scrubbed = isSecretField(k, parent) && v !== undefined && v !== null ? CENSOR : scrubFields(v, depth + 1, k);
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
 * and `span_id`; secret fields are censored at any depth and URL credentials are scrubbed from
 * fields and messages.
 */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { pid: process.pid, ...settings.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (fields) => scrubFields(fields) as Record<string, unknown>,
      bindings: (bindings) => scrubFields(bindings) as Record<string, unknown>,
    },
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
  const logger = settings.destination ? pino(options, settings.destination) : pino(options);
  // pino does not pass a child's bindings through `formatters.bindings`; children are made with
  // Object.create(parent), so this one override scrubs the bindings of every descendant too.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, scrubFields(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}

export type { Logger };
