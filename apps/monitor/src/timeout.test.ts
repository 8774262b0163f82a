import { describe, expect, it } from 'vitest';
import { withTimeout } from './timeout.js';

const never = new AbortController().signal;

describe('withTimeout', () => {
  it('returns what the work returns', async () => {
    await expect(withTimeout(async () => 42, 1000, never, 'work')).resolves.toBe(42);
  });

  it('fails with AWO_TIMEOUT and aborts the signal when the work is too slow', async () => {
    let seen: AbortSignal | undefined;
    const work = (signal: AbortSignal) => {
      seen = signal;
      return new Promise<never>(() => undefined); // ignores its signal
    };
    await expect(withTimeout(work, 20, never, 'slow work')).rejects.toMatchObject({ code: 'AWO_TIMEOUT', message: 'slow work did not finish within 20 ms' });
    expect(seen?.aborted).toBe(true);
  });

  it('passes on an abort of the outer signal', async () => {
    const outer = new AbortController();
    const work = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const running = withTimeout(work, 10_000, outer.signal, 'work');
    outer.abort(new Error('closing'));
    await expect(running).rejects.toThrow('closing');
  });

  it('turns a synchronous throw into a rejection', async () => {
    await expect(withTimeout(() => { throw new Error('sync'); }, 1000, never, 'work')).rejects.toThrow('sync');
  });
});
