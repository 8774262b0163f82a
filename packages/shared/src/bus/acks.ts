import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';

/** Gathers acks and sends them as one `XACK key group id...` every interval (or when many wait). */
export class AckBuffer {
  #ids: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly group: string,
    private readonly interval: number,
    private readonly onAcked: (n: number) => void,
    private readonly log: Logger,
    private readonly max = 512,
  ) {}

  add(id: string): void {
    this.#ids.push(id);
    if (this.#ids.length >= this.max) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.interval);
  }

  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#ids.length === 0) return this.#flushing;
    const ids = this.#ids;
    this.#ids = [];
    this.#flushing = this.#flushing.then(async () => {
      try {
        await this.redis.xack(this.key, this.group, ...ids);
        this.onAcked(ids.length);
      } catch (err) {
        // Keep them: unacked entries would only be redelivered, but we try again first.
        this.log.warn({ err: errorMessage(err), count: ids.length }, 'XACK failed; will retry');
        this.#ids.unshift(...ids);
        this.#timer ??= setTimeout(() => void this.flush(), Math.max(this.interval, 500));
      }
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.#ids.length > 0) await this.flush();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
