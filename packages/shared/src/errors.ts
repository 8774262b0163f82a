/**
 * Typed errors with stable codes. Every code is listed in `docs/errors.md`; a test checks that.
 * `retryable` says whether trying the same thing again may help (a lost connection) or not
 * (a config that does not validate).
 */
export const ERROR_CODES = {
  AWO_CONFIG_INVALID: { retryable: false, summary: 'the config file does not validate' },
  AWO_CONFIG_NOT_FOUND: { retryable: false, summary: 'the config file could not be read' },
  AWO_DURATION_INVALID: { retryable: false, summary: 'a duration string such as 30s or 5m could not be parsed' },
  AWO_MESSAGE_INVALID: { retryable: false, summary: 'a stream entry failed its schema' },
  AWO_CLOCK_SKEW: { retryable: false, summary: 'a stream entry is stamped further in the future than bus.maxClockSkew allows' },
  AWO_MESSAGE_DECODE: { retryable: false, summary: 'a stream entry could not be decoded (broken JSON, missing fields)' },
  AWO_MAX_DELIVERIES: { retryable: false, summary: 'a message was delivered more times than allowed and was dead-lettered' },
  AWO_REDIS_UNAVAILABLE: { retryable: true, summary: 'Redis did not answer' },
  AWO_REDIS_AUTH: { retryable: false, summary: 'Redis refused the configured user or password, or the user may not run a command awo needs' },
  AWO_REDIS_NOT_FOUND: { retryable: false, summary: 'no Redis is configured, none answers locally and no redis-server binary is on PATH' },
  AWO_AGENT_STATE: { retryable: false, summary: 'an agent was asked to do something its state does not allow (start twice, start after close)' },
  AWO_PLAN_CONFLICT: { retryable: true, summary: 'the plan version changed under a compare-and-set write' },
  AWO_NOT_LEADER: { retryable: true, summary: 'this planner does not hold the lease' },
  AWO_ACTION_NOT_ALLOWED: { retryable: false, summary: 'an action, command or URL is not allowed by the config' },
  AWO_ACTION_FAILED: { retryable: true, summary: 'an action handler failed' },
  AWO_PLAN_TAMPERED: { retryable: false, summary: 'the stored plan is not the one its signed revision says: the planner will not build on it' },
  AWO_SIGNATURE_INVALID: { retryable: false, summary: 'a plan revision signature is missing or does not match' },
  AWO_SOURCE_FAILED: { retryable: true, summary: 'a monitor source failed to sample' },
  AWO_TIMEOUT: { retryable: true, summary: 'an operation did not finish in time' },
  AWO_API_UNAUTHORIZED: { retryable: false, summary: 'an API request carried no bearer token, or one the config does not know' },
  AWO_API_FORBIDDEN: { retryable: false, summary: 'an API token\'s role may not do what the request asks (writes need `operator`)' },
  AWO_API_BAD_REQUEST: { retryable: false, summary: 'an API request\'s body, path or query failed its schema; the answer names the field' },
  AWO_API_NOT_FOUND: { retryable: false, summary: 'an API request named something awo does not have (or no longer keeps)' },
  AWO_API_CONFLICT: { retryable: false, summary: 'an API write cannot be done in the current state (e.g. a dead letter already replayed)' },
  AWO_API_RATE_LIMITED: { retryable: true, summary: 'an API token sent more writes than api.rateLimit allows' },
  AWO_API_UNAVAILABLE: { retryable: true, summary: 'the API cannot serve the request now (events stream full, Redis not answering)' },
  AWO_NOT_FOUND: { retryable: false, summary: 'an override, proposal or plan version with that id does not exist (or is no longer kept)' },
  AWO_REQUEST_INVALID: { retryable: false, summary: 'an operator request (override, rollback, approval) is malformed: the message names the field' },
  AWO_STEER_CONFLICT: { retryable: false, summary: 'an operator request does not fit the state: the override is already removed, the proposal expired, superseded or decided' },
  AWO_STEER_LIMIT: { retryable: true, summary: 'too many override, proposal or rollback records are kept: the request is refused until finished ones age out' },
  AWO_KUBE_UNAUTHORIZED: { retryable: false, summary: 'the Kubernetes API server did not accept the credentials (401)' },
  AWO_KUBE_FORBIDDEN: { retryable: false, summary: 'the Kubernetes service account lacks an RBAC verb on a resource (403)' },
  AWO_KUBE_NOT_FOUND: { retryable: false, summary: 'the Deployment or StatefulSet named in the config does not exist (404)' },
  AWO_KUBE_CONFLICT: { retryable: true, summary: 'the Kubernetes object kept changing under the patch (409) after every retry' },
  AWO_KUBE_UNAVAILABLE: { retryable: true, summary: 'the Kubernetes API server was unreachable, overloaded (429) or failing (5xx) after every retry' },
  AWO_KUBE_REJECTED: { retryable: false, summary: 'the Kubernetes API server refused the request as invalid (400, 415, 422) or answered what is not the object asked for' },
  AWO_LEASE_LOST: { retryable: false, summary: 'a write fenced by a lease was refused because the writer no longer holds the lease (another process took it over)' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AwoError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AwoError';
    this.code = code;
    this.retryable = ERROR_CODES[code].retryable;
    this.details = options.details;
  }
}

/** One problem in a validated document: where it is and what was expected there. */
export interface Issue {
  path: string;
  message: string;
}

export class ConfigError extends AwoError {
  readonly issues: Issue[];
  constructor(message: string, issues: Issue[], options: { cause?: unknown } = {}) {
    super('AWO_CONFIG_INVALID', message, options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function isAwoError(err: unknown, code?: ErrorCode): err is AwoError {
  return err instanceof AwoError && (code === undefined || err.code === code);
}

/** The message of anything thrown, without assuming it is an Error. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
