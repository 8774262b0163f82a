import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { fillPath, NAMES } from '../contracts/streams.js';
import { AwoError } from '../errors.js';
import type { RedisClient } from '../redis.js';
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

/** What a publish fenced by a lease needs (`BusPublishOptions.fence`): a `Lease` is one. */
export interface LeaseFence {
  /** The lease's key: its field in each slot's fence. */
  readonly key: string;
  readonly token: string;
  /** The epoch of the current take (0: never taken). */
  readonly epoch: number;
  /** Whether the lease is still ours by this process's clock (time since the last renewal sent < ttl, less a margin). */
  held(): boolean;
}

export interface LeaseOptions {
  /**
   * The fences (`keys.fence(stream)`) of the slots this lease's holder publishes into: a new
   * take raises each to its epoch before `acquire` says yes, so that a holder that lost the
   * lease, even without knowing, can no longer publish there.
   */
  fences?: readonly string[];
}

/**
 * A lease in Redis: taken free with an epoch (lease-acquire Lua: `SET NX PX` and the epoch
 * max(last + 1, Redis time ms)), renewed by its holder (Lua, checks the token), released on
 * close. Fencing works across Redis Cluster slots: each publish names the lease and its epoch,
 * and the fenced-xadd Lua refuses it when the stream's slot has seen a newer epoch; a new take
 * raises the fences of its slots first. The holder also stops trusting the lease by its own
 * clock once a ttl has passed since the last renewal it sent (`held()`). The planner leader's
 * lease is fenced by the plan's version check instead.
 */
export class Lease implements LeaseFence {
  readonly token: string;
  #epoch = 0;
  /** performance.now() until which the lease is ours (from the send time of the last successful take or renewal). */
  #until = 0;

  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
    private readonly ttlMs: number,
    holder: string,
    private readonly options: LeaseOptions = {},
  ) {
    this.token = `${holder}:${randomUUID()}`;
  }

  get epoch(): number {
    return this.#epoch;
  }

  held(): boolean {
    return performance.now() < this.#until;
  }

  /** A margin for clock drift between this process and Redis: 5% of the ttl, at least 20 ms. */
  #trust(sentAt: number): void {
    this.#until = sentAt + this.ttlMs - Math.max(20, this.ttlMs * 0.05);
  }

  /** Takes the lease if it is free, or renews it if already ours. True when we hold it (and, on a new take, the fences are raised). */
  async acquire(): Promise<boolean> {
    const sentAt = performance.now();
    const epoch = Number(await runScript(this.redis, 'lease-acquire-2', [this.key, leaseEpochKey(this.key)], [this.token, this.ttlMs]));
    if (!(epoch > 0)) return false;
    if (epoch !== this.#epoch) {
      this.#epoch = epoch;
      for (const fence of this.options.fences ?? []) {
        if (Number(await runScript(this.redis, 'fence-raise-1', [fence], [this.key, epoch])) !== 1) {
          // A newer take already published there: this one is stale; let it go.
          this.#until = 0;
          await this.release();
          return false;
        }
      }
    }
    this.#trust(sentAt);
    return true;
  }

  async renew(): Promise<boolean> {
    const sentAt = performance.now();
    const ok = (await runScript(this.redis, 'lease-renew-1', [this.key], [this.token, this.ttlMs])) === 1;
    if (ok) this.#trust(sentAt);
    else this.#until = 0;
    return ok;
  }

  async release(): Promise<void> {
    this.#until = 0;
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

/** The epoch counter of a lease, beside it (same slot). */
function leaseEpochKey(lease: string): string {
  return fillPath(NAMES.leaseEpoch.path, [lease]);
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
    private readonly redis: RedisClient,
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
