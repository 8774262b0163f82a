import { AwoError, delay, errorMessage, type Logger } from '@awo/shared';
import { backoffDelay } from './backoff.js';
import { seriesName, sourceId } from './series.js';
import { withTimeout } from './timeout.js';
import type { Sample, Source } from './types.js';

/** How a SourceRunner schedules, bounds and publishes. */
export interface RunnerOptions {
  /** ms between ticks. */
  interval: number;
  /** Longest wait between tries of a failing source. */
  maxBackoff: number;
  /** Bound of one start or sample, ms. */
  timeout: number;
  now(): number;
  log: Logger;
  /** Publishes one tick's samples (the runner adds `up` and `staleness_ms`); must not throw. */
  publish(samples: Sample[]): Promise<void>;
  /** Told how long each tick (one sample round: sample and publish) took, in seconds. */
  onTick?: (seconds: number) => void;
}

/** How a source is doing, for `detail()` and `metrics()`. */
export interface SourceHealth {
  /** The last try succeeded (false before the first). */
  up: boolean;
  lastSuccessAt?: number;
  lastError?: string;
  lastErrorAt?: number;
  /** Failures since the last success. */
  consecutiveFailures: number;
  failures: number;
  /** Successful samples. */
  samples: number;
  /** Ticks that did not run because the one before was still running. */
  skippedTicks: number;
  /** While failing: when it is tried next. */
  retryAt?: number;
}

/**
 * Samples one source on a fixed schedule: start it (again, until it works), sample it within a
 * time bound, and hand the samples with `<kind>.<name>.up` and `.staleness_ms` to `publish`.
 * A failing source is tried again after an exponential backoff (from the interval up to
 * maxBackoff); in between, each tick still publishes `up` = 0 and the growing staleness.
 * Ticks never overlap: a tick that runs long makes the next ones be skipped.
 */
export class SourceRunner {
  readonly id: string;
  readonly health: SourceHealth = { up: false, consecutiveFailures: 0, failures: 0, samples: 0, skippedTicks: 0 };
  #started = false;
  #starting: Promise<void> | undefined;
  /** A sample that timed out but whose source has not settled it yet. */
  #sampling: Promise<unknown> | undefined;
  #since = 0;

  constructor(
    readonly source: Source,
    private readonly options: RunnerOptions,
  ) {
    this.id = sourceId(source);
  }

  /** Ticks every interval until `stop` aborts; `abort` aborts the work in flight. */
  async run(stop: AbortSignal, abort: AbortSignal): Promise<void> {
    const { interval } = this.options;
    this.#since = this.options.now();
    let next = performance.now();
    while (!stop.aborted) {
      const started = performance.now();
      try {
        await this.#tick(abort);
      } catch (err) {
        this.options.log.error({ source: this.id, err: errorMessage(err) }, 'monitor tick failed');
      }
      this.options.onTick?.((performance.now() - started) / 1000);
      next += interval;
      const now = performance.now();
      if (next < now) {
        const missed = Math.ceil((now - next) / interval);
        this.health.skippedTicks += missed;
        next += missed * interval;
      }
      await delay(next - now, stop);
    }
  }

  async #tick(abort: AbortSignal): Promise<void> {
    const retryAt = this.health.retryAt;
    // Half an interval of slack, so that timer jitter does not cost a whole tick.
    if (retryAt !== undefined && this.options.now() < retryAt - this.options.interval / 2) {
      await this.options.publish(this.#healthSamples());
      return;
    }
    let samples: Sample[];
    try {
      await this.#ensureStarted(abort);
      samples = await this.#sample(abort);
    } catch (err) {
      if (abort.aborted) return; // Closing: not the source's failure.
      this.#failed(err);
      await this.options.publish(this.#healthSamples());
      return;
    }
    const h = this.health;
    h.up = true;
    h.lastSuccessAt = this.options.now();
    h.consecutiveFailures = 0;
    h.samples++;
    h.retryAt = undefined;
    if (!abort.aborted) await this.options.publish([...samples, ...this.#healthSamples()]);
  }

  async #ensureStarted(abort: AbortSignal): Promise<void> {
    const source = this.source;
    if (this.#started || !source.start) return;
    // A start still running from a try that timed out is awaited again, never doubled.
    this.#starting ??= Promise.resolve()
      .then(() => source.start?.())
      .then(() => void (this.#started = true))
      .finally(() => (this.#starting = undefined));
    const starting = this.#starting;
    await withTimeout(() => starting, this.options.timeout, abort, `starting ${this.id}`);
  }

  async #sample(abort: AbortSignal): Promise<Sample[]> {
    if (this.#sampling) throw new AwoError('AWO_SOURCE_FAILED', `the previous sample of ${this.id} timed out and has not finished yet`);
    let inner: Promise<Sample[]> | undefined;
    try {
      return await withTimeout((signal) => (inner = this.source.sample(signal)), this.options.timeout, abort, `sampling ${this.id}`);
    } finally {
      const running = inner;
      if (running) {
        this.#sampling = running;
        const clear = (): void => {
          if (this.#sampling === running) this.#sampling = undefined;
        };
        running.then(clear, clear);
      }
    }
  }

  #failed(err: unknown): void {
    const h = this.health;
    const now = this.options.now();
    h.up = false;
    h.failures++;
    h.consecutiveFailures++;
    h.lastError = errorMessage(err);
    h.lastErrorAt = now;
    const wait = backoffDelay(h.consecutiveFailures, this.options.interval, this.options.maxBackoff);
    h.retryAt = now + wait;
    this.options.log.warn({ source: this.id, err: h.lastError, failures: h.consecutiveFailures, retryInMs: wait }, 'source failed');
  }

  /** `up` and `staleness_ms` (ms since the last good sample, or since the runner began). */
  #healthSamples(): Sample[] {
    const { kind, name } = this.source;
    const up = this.health.up;
    const staleness = up ? 0 : Math.max(0, this.options.now() - (this.health.lastSuccessAt ?? this.#since));
    return [
      { series: seriesName(kind, name, 'up'), value: up ? 1 : 0 },
      { series: seriesName(kind, name, 'staleness_ms'), value: staleness, unit: 'ms' },
    ];
  }
}
