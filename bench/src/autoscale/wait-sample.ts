import { grow, interpolatedQuantile } from './arrays.js';

/**
 * The waits of the jobs a simulated pool started since the last `take`, kept as awo's BullMQ
 * monitor sees them: zero waits counted, positive ones kept, and the p95 interpolated between
 * ranks (`interpolatedQuantile`).
 */
export class WaitSample {
  #zeros = 0;
  #values = new Float64Array(1024);
  #n = 0;

  add(wait: number): void {
    if (wait > 0) {
      if (this.#n === this.#values.length) this.#values = grow(this.#values);
      this.#values[this.#n++] = wait;
    } else this.#zeros++;
  }

  /** The p95 of the waits since the last call, with `extra` (the oldest waiting job's age) among them; then starts afresh. */
  takeP95(extra: number | undefined): number {
    if (extra !== undefined) {
      if (this.#n === this.#values.length) this.#values = grow(this.#values);
      this.#values[this.#n] = extra;
    }
    const p = interpolatedQuantile(this.#zeros, this.#values.subarray(0, this.#n + (extra !== undefined ? 1 : 0)), 0.95);
    this.clear();
    return p;
  }

  clear(): void {
    this.#zeros = 0;
    this.#n = 0;
  }
}
