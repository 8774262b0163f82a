import { errorMessage, type Keys, Lease, type LeaseFence, type Logger, MAX_MEMBERS, Membership, metricsStreams, shareOf, type RedisClient } from '@awo/shared';

/** The most monitors counted live at once: a joining one past it is refused (and holds nothing). */
export const MAX_MONITORS = MAX_MEMBERS;

/** What the owner of the leases does when one is taken or given up. */
export interface LeaseHandlers {
  /** The lease of `source` is now ours: start sampling it. */
  acquired(source: string): void;
  /** The lease is lost or about to be released: stop sampling before it goes. */
  stopping(source: string): Promise<void>;
}

export interface LeaseCounts {
  /** Leases taken (at start, from a dead monitor, or in a rebalance). */
  takeovers: number;
  /** Leases found taken by another monitor at renewal (ours expired: a pause, a lost connection). */
  lost: number;
  /** Leases given back because this monitor held more than its share. */
  released: number;
  /** Heartbeats refused because MAX_MONITORS were live. */
  refusedJoins: number;
  /** Balance rounds that failed (Redis did not answer). */
  failedRounds: number;
}

/**
 * The monitor's share of the sources, through a lease per source (`monitor:lease:<source>`, the
 * shared `Lease`) and a heartbeat in `monitor:members`. Each round (every quarter of the lease,
 * or sooner): beat, renew what it holds (a lease found lost stops its source), give back what is
 * over its share, ceil(sources / live monitors), and take free leases up to it. Cooperative: a
 * joining monitor gets its share as the others give back their extra at their next round; a dead
 * one's leases expire within the TTL and are taken at the next round after.
 */
export class SourceLeases {
  readonly #leases = new Map<string, Lease>();
  readonly #held = new Set<string>();
  /** Sources being stopped (then released) in the background, so a slow sample never delays a renewal. */
  readonly #stopping = new Map<string, Promise<void>>();
  readonly counts: LeaseCounts = { takeovers: 0, lost: 0, released: 0, refusedJoins: 0, failedRounds: 0 };
  /** Live monitors at the last beat (this one included). */
  live = 0;
  /** ms from the last round until something may change: another member's beat or a lease it wanted expires (-1: nothing known). */
  #soonest = -1;

  /** Its heartbeat among the live monitors (`monitor:members`). */
  readonly #members: Membership;
  /** The fences of the slots of the metrics streams. */
  private readonly fences: string[];

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly ttlMs: number,
    /** This monitor's id: its member name and the holder part of its lease tokens. */
    readonly id: string,
    private readonly log: Logger,
    /** `bus.partitions`: the metrics streams its samples go to. */
    partitions = 1,
  ) {
    this.#members = new Membership(redis, keys.monitorMembers, ttlMs, id, MAX_MONITORS);
    this.fences = metricsStreams(keys, partitions).map((stream) => keys.fence(stream));
  }

  /** The sources whose lease this monitor holds. */
  held(): string[] {
    return [...this.#held].sort();
  }

  /**
   * The lease a publish of `source` is fenced by (undefined before it was ever taken). Redis is
   * the judge: the fenced-xadd script refuses a publish under an epoch older than the newest
   * take of the lease, and the lease refuses once its ttl passed without a renewal.
   */
  fence(source: string): LeaseFence | undefined {
    return this.#leases.get(source);
  }

  #lease(source: string): Lease {
    let lease = this.#leases.get(source);
    if (!lease) {
      // Its samples go to every metrics stream (a partition per series): a take raises the fence of each.
      lease = new Lease(this.redis, this.keys.monitorLease(source), this.ttlMs, this.id, { fences: this.fences });
      this.#leases.set(source, lease);
    }
    return lease;
  }

  /** One round over `sources` (the configured ones); never throws. */
  async balance(sources: readonly string[], on: LeaseHandlers): Promise<void> {
    try {
      await this.#round(sources, on);
    } catch (err) {
      this.counts.failedRounds++;
      this.log.warn({ err: errorMessage(err), held: this.held() }, 'monitor lease round failed');
    }
  }

  async #round(sources: readonly string[], on: LeaseHandlers): Promise<void> {
    const { live, member, firstExpiry } = await this.#members.beat();
    this.live = live;
    this.#soonest = firstExpiry;
    if (!member) this.counts.refusedJoins++;
    const wanted = new Set(sources);
    const share = member ? shareOf(sources.length, live) : 0;
    for (const source of [...this.#held]) {
      if (!wanted.has(source)) {
        this.#giveBack(source, on);
      } else if (!(await this.#lease(source).renew())) {
        this.#held.delete(source);
        this.counts.lost++;
        this.log.warn({ source, monitor: this.id }, 'monitor lease lost: another monitor samples the source now');
        this.#background(source, () => on.stopping(source));
      }
    }
    // Over its share (a monitor joined): give back the last ones, so the order is stable.
    const extra = this.held().slice(share);
    for (const source of extra) {
      this.#giveBack(source, on);
      this.counts.released++;
    }
    if (this.#held.size >= share) return;
    // Start at a place of its own in the list, so that monitors starting together try different sources first.
    const free = sources.filter((s) => !this.#held.has(s) && !this.#stopping.has(s));
    const start = hash(this.id) % Math.max(1, free.length);
    for (const source of [...free.slice(start), ...free.slice(0, start)]) {
      if (this.#held.size >= share) break;
      const lease = this.#lease(source);
      if (await lease.acquire()) {
        this.#held.add(source);
        this.counts.takeovers++;
        this.log.info({ source, monitor: this.id, live, share }, 'monitor lease taken');
        on.acquired(source);
      } else {
        const left = await lease.remaining();
        this.#soon(left === -2 ? 0 : left); // -2: freed meanwhile, so try again at once
      }
    }
  }

  #soon(ms: number): void {
    if (ms >= 0 && (this.#soonest < 0 || ms < this.#soonest)) this.#soonest = ms;
  }

  /**
   * How long to wait before the next round: `period`, or sooner when another monitor's beat or a
   * lease this one wants expires before that, so a dead monitor's sources are taken just after
   * its leases expire rather than up to a period later.
   */
  nextRound(period: number): number {
    return this.#soonest >= 0 && this.#soonest + 5 < period ? this.#soonest + 5 : period;
  }

  /** Stops the source, then releases its lease (still ours meanwhile, so its last sample goes out), in the background. */
  #giveBack(source: string, on: LeaseHandlers): void {
    this.#held.delete(source);
    this.#background(source, async () => {
      await on.stopping(source);
      await this.#lease(source).release();
      this.log.info({ source, monitor: this.id }, 'monitor lease released');
    });
  }

  #background(source: string, work: () => Promise<void>): void {
    const done = work()
      .catch((err: unknown) => this.log.warn({ source, err: errorMessage(err) }, 'stopping a source or releasing its lease failed'))
      .finally(() => this.#stopping.delete(source));
    this.#stopping.set(source, done);
  }

  /** Stops and releases every lease and leaves the members, so others take over at once. Never throws. */
  async close(on: LeaseHandlers): Promise<void> {
    for (const source of this.held()) this.#giveBack(source, on);
    await Promise.all(this.#stopping.values());
    await this.#members.leave().catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'leaving the monitor members failed'));
  }
}

/** A small stable hash (FNV-1a) of a string. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
