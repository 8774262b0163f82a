import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { runScript } from './scripts.js';

/**
 * A lease in Redis: `SET key token NX PX ttl`, renewed by its holder (Lua, checks the token),
 * released on close. The planner leader's lease lets it write the plan (the plan's version check
 * fences a holder that lost it without knowing); a metrics partition's lease lets an analyzer
 * publish that partition's insights (fenced by the token in the fenced-xadd Lua).
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

/**
 * Membership by heartbeat: each member beats into a sorted set scored by the Redis time its
 * beat expires (members-beat Lua, which drops the expired). Counts the live members, e.g. for
 * the share of partitions each analyzer aims to own.
 */
export class Membership {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
    readonly member: string,
  ) {}

  /** Beats, then returns how many members are live (this one included). */
  async beat(): Promise<number> {
    return Number(await runScript(this.redis, 'members-beat-1', [this.key], [this.member, this.ttlMs]));
  }

  async leave(): Promise<void> {
    await this.redis.zrem(this.key, this.member);
  }
}
