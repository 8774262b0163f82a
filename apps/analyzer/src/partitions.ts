import type { Logger } from 'pino';
import { errorMessage, fnv1a, Lease, Membership, shareOf, type Keys, type RedisClient } from '@awo/shared';

/** What the analyzer does when it gains or loses a partition. */
export interface PartitionHooks {
  /** Partition n is ours (lease held): rebuild its series, then read it. Throwing gives the lease back. */
  take(n: number, lease: Lease): Promise<void>;
  /** Partition n is no longer ours (released, or the lease lost): stop reading it, its batch in flight finished. */
  drop(n: number): Promise<void>;
}

/**
 * Owns metrics partitions through one lease each (`{<prefix>:p<n>}:metrics:lease`), with cooperative
 * rebalancing. Every tick (a quarter of the lease TTL) the analyzer beats into the membership
 * set, computes its share ceil(P / live), renews its leases (dropping a lost one), releases
 * what is over its share (so a joining analyzer finds free partitions), and takes free
 * partitions up to its share. A dead analyzer's leases expire after the TTL and are taken at
 * the others' next tick: takeover within TTL + TTL/4 of the death.
 */
export class PartitionOwner {
  readonly #owned = new Map<number, Lease>();
  readonly #members: Membership;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> = Promise.resolve();
  #closed = false;
  /** Partitions taken and given up by this analyzer (counters). */
  readonly counts = { taken: 0, released: 0, lost: 0, live: 0, share: 0 };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly partitions: number,
    private readonly ttlMs: number,
    private readonly instance: string,
    private readonly hooks: PartitionHooks,
    private readonly log: Logger,
  ) {
    this.#members = new Membership(redis, keys.analyzerMembers, ttlMs, instance);
  }

  /** The partitions held now, in order. */
  owned(): number[] {
    return [...this.#owned.keys()].sort((a, b) => a - b);
  }

  /** The lease of partition n, when held. */
  lease(n: number): Lease | undefined {
    return this.#owned.get(n);
  }

  /** Runs the first round, then one every quarter of the TTL. */
  async start(): Promise<void> {
    await this.round();
    this.#timer = setInterval(() => void this.round(), Math.max(50, Math.floor(this.ttlMs / 4)));
    this.#timer.unref();
  }

  /** One round (never two at once): beat, renew, release extras, take free partitions. */
  round(): Promise<void> {
    this.#tick = this.#tick.then(async () => {
      if (this.#closed) return;
      try {
        await this.#round();
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'partition round failed; tried again next tick');
      }
    });
    return this.#tick;
  }

  async #round(): Promise<void> {
    const { live, member } = await this.#members.beat();
    // Refused at the member bound: it holds nothing (its leases lapse to the members).
    const share = member ? shareOf(this.partitions, live) : 0;
    this.counts.live = live;
    this.counts.share = share;
    for (const [n, lease] of [...this.#owned]) {
      if (await lease.renew()) continue;
      this.#owned.delete(n);
      this.counts.lost++;
      this.log.warn({ partition: n }, 'partition lease lost; stopped reading it');
      await this.hooks.drop(n);
    }
    // Over the share (an analyzer joined): give back the highest partitions.
    for (const n of this.owned().reverse()) {
      if (this.#owned.size <= share) break;
      await this.#give(n, 'over its share');
    }
    if (this.#owned.size >= share) return;
    // Free partitions, from a start of our own so analyzers joining together try different ones.
    const start = fnv1a(this.instance) % this.partitions;
    for (let i = 0; i < this.partitions && this.#owned.size < share && !this.#closed; i++) {
      const n = (start + i) % this.partitions;
      if (this.#owned.has(n)) continue;
      // The insights it publishes are fenced in the insights stream's slot: a take raises that fence first.
      const lease = new Lease(this.redis, this.keys.partitionLease(n, this.partitions), this.ttlMs, this.instance, { fences: [this.keys.fence(this.keys.stream('insights'))] });
      if (!(await lease.acquire())) continue;
      this.#owned.set(n, lease);
      try {
        await this.hooks.take(n, lease);
        this.counts.taken++;
        this.log.info({ partition: n, live, share }, 'took metrics partition');
      } catch (err) {
        this.log.error({ partition: n, err: errorMessage(err) }, 'taking the partition failed; lease given back');
        await this.#give(n, 'take failed');
      }
    }
  }

  async #give(n: number, why: string): Promise<void> {
    const lease = this.#owned.get(n);
    this.#owned.delete(n);
    await this.hooks.drop(n);
    await lease?.release();
    this.counts.released++;
    this.log.info({ partition: n, why }, 'released metrics partition');
  }

  /** Stops the rounds, stops reading every partition and gives the leases back, then leaves. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#tick;
    this.#closed = true;
    for (const n of this.owned()) await this.#give(n, 'closing').catch((err: unknown) => this.log.warn({ partition: n, err: errorMessage(err) }, 'releasing a partition failed'));
    await this.#members.leave().catch(() => undefined);
  }
}
