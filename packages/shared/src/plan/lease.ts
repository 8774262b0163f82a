import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { runScript } from './scripts.js';

/**
 * A leadership lease in Redis: `SET key token NX PX ttl`, renewed by its holder (Lua, checks the
 * token), released on close. Whoever holds it may write the plan; the plan's version check
 * fences a holder that lost it without knowing.
 */
export class Lease {
  readonly token: string;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
    holder: string,
  ) {
    this.token = `${holder}:${randomUUID()}`;
  }

  /** Takes the lease if it is free, or renews it if already ours. True when we hold it. */
  async acquire(): Promise<boolean> {
    if ((await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK') return true;
    return this.renew();
  }

  async renew(): Promise<boolean> {
    return (await runScript(this.redis, 'lease-renew-1', [this.key], [this.token, this.ttlMs])) === 1;
  }

  async release(): Promise<void> {
    await runScript(this.redis, 'lease-release-1', [this.key], [this.token]);
  }

  /** ms until the lease expires unless renewed (PTTL: -2 when nobody holds it). */
  async remaining(): Promise<number> {
    return this.redis.pttl(this.key);
  }

  async holder(): Promise<string | null> {
    return this.redis.get(this.key);
  }
}
