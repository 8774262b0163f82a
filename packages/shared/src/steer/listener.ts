import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import type { Keys } from '../contracts/streams.js';
import { errorMessage } from '../errors.js';
import { readControl } from './events.js';
import type { ControlMessage } from './schemas.js';

/**
 * Listens to `stream:control` on a connection of its own (XREAD BLOCK, no group: every process
 * sees every message), from the messages written after `start()`. Each message goes to `handler`
 * in order; a handler's failure is logged, never stops the listener. `close()` ends the read.
 */
export class ControlListener {
  #conn: RedisClient | undefined;
  #loop: Promise<void> | undefined;
  #stopped = false;
  /** Control messages that failed their schema (skipped). */
  invalid = 0;

  constructor(
    private readonly connect: () => RedisClient,
    private readonly keys: Keys,
    private readonly log: Logger,
    private readonly handler: (message: ControlMessage, id: string) => void | Promise<void>,
    private readonly block = 2000,
  ) {}

  /** Resolves once the listener's position is set: messages written after this are seen. */
  async start(): Promise<void> {
    if (this.#conn) return;
    const conn = this.connect();
    this.#conn = conn;
    const [newest] = (await conn.xrevrange(this.keys.control, '+', '-', 'COUNT', 1)) as [string, string[]][];
    this.#loop = this.#run(conn, newest?.[0] ?? '0-0');
  }

  async #run(conn: RedisClient, from: string): Promise<void> {
    let last = from;
    while (!this.#stopped) {
      try {
        const read = await readControl(conn, this.keys, last, { block: this.block, count: 100 });
        this.invalid += read.invalid;
        last = read.last;
        for (const { id, value } of read.entries) {
          if (this.#stopped) return;
          try {
            await this.handler(value, id);
          } catch (err) {
            this.log.error({ err: errorMessage(err), op: value.op }, 'a control message handler failed');
          }
        }
      } catch (err) {
        if (this.#stopped) return;
        this.log.warn({ err: errorMessage(err) }, 'reading control messages failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  async close(): Promise<void> {
    this.#stopped = true;
    const conn = this.#conn;
    if (conn) conn.disconnect();
    await this.#loop;
  }
}
