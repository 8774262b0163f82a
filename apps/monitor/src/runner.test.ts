import { createLogger } from '@awo/shared';
import { waitFor } from '@awo/testkit';
import { describe, expect, it } from 'vitest';
import { SourceRunner, type RunnerOptions } from './runner.js';
import type { Sample, Source } from './types.js';

function fakeSource(sample: (signal: AbortSignal) => Promise<Sample[]>, start?: () => Promise<void>): Source {
  return { kind: 'fake', name: 'f', interval: undefined, sample, close: async () => undefined, ...(start ? { start } : {}) };
}

/** Runs a runner until the test is done with it; collects what it publishes. */
function harness(source: Source, options: Partial<RunnerOptions> = {}) {
  const batches: Sample[][] = [];
  const runner = new SourceRunner(source, {
    interval: 20,
    maxBackoff: 80,
    timeout: 20,
    now: () => Date.now(),
    log: createLogger({ level: 'silent' }),
    publish: async (samples) => void batches.push(samples),
    ...options,
  });
  const stop = new AbortController();
  const abort = new AbortController();
  const loop = runner.run(stop.signal, abort.signal);
  const value = (batch: Sample[] | undefined, metric: string) => batch?.find((s) => s.series === `fake.f.${metric}`)?.value;
  return {
    runner,
    batches,
    value,
    async [Symbol.asyncDispose]() {
      stop.abort();
      abort.abort();
      await loop;
    },
  };
}

describe('SourceRunner', () => {
  it('publishes samples with up = 1 and staleness 0', async () => {
    await using h = harness(fakeSource(async () => [{ series: 'fake.f.x', value: 7 }]));
    await waitFor(() => h.batches.length >= 2, 'two ticks', 5000, 5);
    expect(h.batches[0]).toEqual([
      { series: 'fake.f.x', value: 7 },
      { series: 'fake.f.up', value: 1 },
      { series: 'fake.f.staleness_ms', value: 0, unit: 'ms' },
    ]);
    expect(h.runner.health).toMatchObject({ up: true, failures: 0 });
  });

  it('backs off a failing source but reports up = 0 and growing staleness on every tick', async () => {
    let tries = 0;
    await using h = harness(
      fakeSource(async () => {
        tries++;
        throw new Error('boom');
      }),
    );
    await waitFor(() => h.batches.length >= 12, 'twelve ticks', 5000, 5);
    // Tries at ticks 1, 2, 4, 8, 12 (backoff 20, 40, 80, 80 ms): far fewer tries than ticks.
    expect(tries).toBeLessThan(8);
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(h.batches.every((b) => h.value(b, 'up') === 0)).toBe(true);
    const staleness = h.batches.map((b) => h.value(b, 'staleness_ms') as number);
    expect(staleness.at(-1)).toBeGreaterThan(staleness[0] as number);
    expect(h.runner.health).toMatchObject({ up: false, lastError: 'boom' });
    expect(h.runner.health.retryAt).toBeGreaterThan(0);
  });

  it('retries a start that fails, then samples', async () => {
    let starts = 0;
    await using h = harness(
      fakeSource(
        async () => [{ series: 'fake.f.x', value: 1 }],
        async () => {
          if (++starts < 3) throw new Error('not yet');
        },
      ),
      { maxBackoff: 20 },
    );
    await waitFor(() => h.runner.health.up, 'the source up', 5000, 5);
    expect(starts).toBe(3);
    expect(h.runner.health.failures).toBe(2);
    expect(h.value(h.batches.at(-1), 'x')).toBe(1);
  });

  it('times out a sample that ignores its signal and never runs two samples of a source at once', async () => {
    let running = 0;
    let peak = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    await using h = harness(
      fakeSource(async () => {
        running++;
        peak = Math.max(peak, running);
        await gate;
        running--;
        return [];
      }),
      { maxBackoff: 20 },
    );
    await waitFor(() => h.runner.health.failures >= 3, 'three failures', 5000, 5);
    expect(h.runner.health.lastError).toMatch(/timed out and has not finished yet/);
    expect(peak).toBe(1);
    release();
    await waitFor(() => h.runner.health.up, 'the source up once the sample settled', 5000, 5);
  });
});
