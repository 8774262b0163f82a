import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AwoError } from '../errors.js';
import { runScript } from './scripts.js';

/** The most members a membership set counts live at once (monitors, analyzers). */
export const MAX_MEMBERS = 1024;

/** What members-beat answers: live members, 1 when a member (0: refused at the bound), ms until the first other member expires (-1: none). */
const beatReply = z.tuple([z.number().int().min(0), z.union([z.literal(0), z.literal(1)]), z.number().int().min(-1)]);

/** One heartbeat's answer. */
export interface Beat {
  /** Live members, this one included when it is a member. */
  live: number;
  /** False when it was refused at the bound: it must hold nothing. */
  member: boolean;
  /** ms until the first other member's beat expires (-1: no other member). */
  firstExpiry: number;
}

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
 * beat expires (members-beat Lua, which drops the expired and refuses a new member past `max`).
 * Counts the live members, for the share each aims at: an analyzer's partitions, a monitor's
 * sources.
 */
export class Membership {
  /** Heartbeats refused because `max` members were live. */
  refused = 0;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
    readonly member: string,
    /** The most members counted live at once: a joining one past it is refused (never evicting a live one). */
    private readonly max = MAX_MEMBERS,
  ) {}

  /** Beats (`members-beat-1`), then says how many are live, whether this one is among them, and when the first other one expires. */
  async beat(): Promise<Beat> {
    const raw = await runScript(this.redis, 'members-beat-1', [this.key], [this.member, this.ttlMs, this.max]);
    const reply = beatReply.safeParse(raw);
    if (!reply.success) throw new AwoError('AWO_MESSAGE_INVALID', `members-beat answered ${JSON.stringify(raw)}, expected [live, member, first expiry]`);
    const [live, member, firstExpiry] = reply.data;
    if (member !== 1) this.refused++;
    return { live, member: member === 1, firstExpiry };
  }

  async leave(): Promise<void> {
    await this.redis.zrem(this.key, this.member);
  }
}
