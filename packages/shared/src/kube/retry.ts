import { delay } from '../bus/util.js';
import { AwoError, isAwoError, errorMessage } from '../errors.js';

/** How often and how long to retry a request to the API server. */
export interface KubeRetryOptions {
  /** Tries after the first; 0 tries once. */
  retries: number;
  /** The first wait, ms; doubled each retry up to `maxBackoff`. */
  backoff: number;
  maxBackoff: number;
  /** Aborting stops waiting and stops the try in flight. */
  signal: AbortSignal;
  /** Told before each wait (for logs). */
  onRetry?: (err: AwoError, retry: number, waitMs: number) => void;
  /** A random number in [0, 1), for jitter. */
  random?: () => number;
}

/** Only these are worth another try: the object changed (409), or the server was unreachable or busy. */
export function kubeRetryable(err: unknown): err is AwoError {
  return isAwoError(err, 'AWO_KUBE_CONFLICT') || isAwoError(err, 'AWO_KUBE_UNAVAILABLE');
}

/**
 * Runs `attempt` until it succeeds, fails with an error no retry can help (401, 403, 404,
 * invalid), or has failed `retries + 1` times. Waits between tries grow exponentially with
 * jitter (half fixed, half random), and a `Retry-After` the server sent is honoured (within
 * `maxBackoff`). Returns the value and how many retries it took.
 */
export async function withKubeRetries<T>(attempt: (n: number) => Promise<T>, options: KubeRetryOptions): Promise<{ value: T; retries: number }> {
  const random = options.random ?? Math.random;
  for (let n = 0; ; n++) {
    if (options.signal.aborted) throw aborted(options.signal);
    try {
      return { value: await attempt(n), retries: n };
    } catch (err) {
      if (options.signal.aborted) throw aborted(options.signal, err);
      if (!kubeRetryable(err)) throw err;
      if (n >= options.retries) {
        throw new AwoError(err.code, `${err.message} (gave up after ${n + 1} tries)`, { cause: err, ...(err.details ? { details: { ...err.details, tries: n + 1 } } : {}) });
      }
      const exp = Math.min(options.maxBackoff, options.backoff * 2 ** n);
      const asked = typeof err.details?.retryAfterMs === 'number' ? Math.min(options.maxBackoff, err.details.retryAfterMs) : 0;
      const wait = Math.max(asked, exp / 2 + (random() * exp) / 2);
      options.onRetry?.(err, n + 1, wait);
      await delay(wait, options.signal);
    }
  }
}

function aborted(signal: AbortSignal, cause?: unknown): AwoError {
  const reason = signal.reason instanceof Error ? signal.reason.message : signal.reason === undefined ? 'aborted' : errorMessage(signal.reason);
  return new AwoError('AWO_TIMEOUT', `the request to the Kubernetes API server was abandoned before it finished: ${reason}`, { cause: cause ?? signal.reason });
}
