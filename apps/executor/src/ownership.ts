import { randomBytes } from 'node:crypto';
import { errorMessage, GROUPS, Lease, NAMES, type Keys, type Logger, type RedisClient } from '@awo/shared';

export interface OwnershipDeps {
  redis: RedisClient;
  keys: Keys;
  log: Logger;
  /** This process's instance name (`executor-<pid>`), part of its member id. */
  instance: string;
  /** Lease TTL (ms): `executor.poolLease`. Renewed every third of it. */
  ttl: number;
  /** The revisions stream's key (its groups are pruned). */
  stream: string;
  /** The `executor.pools` names this executor may own. */
  pools: readonly string[];
  /** This executor now owns the pool: start it. A throw releases the lease again. */
  gained(pool: string): Promise<void>;
  /** This executor lost the pool (renewal failed): stop working it at once. */
  lost(pool: string): Promise<void>;
}

/**
 * Who owns what among several executors, through leases in Redis (`Lease`, the planner's):
 * - a member lease per process (`executor:member:<member>`), whose expiry marks the process's
 *   revisions group (`executor.<member>`) as left behind, so any executor destroys it;
 * - a lease per managed pool (`executor:pool:<pool>`): the holder runs the pool and works its
 *   actions queue; when it dies, another executor configured with the pool takes the lease over
 *   within the TTL (every executor tries to take each free pool every third of the TTL).
 */
export class Ownership {
  /** Unique per process (two hosts may share a pid): names the revisions group and the member lease. */
  readonly member: string;
  readonly counts = { takeovers: 0, lost: 0, groupsDestroyed: 0 };
  /** Takeovers and losses by pool. */
  readonly byPool = new Map<string, { takeovers: number; lost: number }>();
  readonly #memberLease: Lease;
  readonly #leases = new Map<string, Lease>();
  readonly #owned = new Set<string>();
  /** Pools this executor saw held by another: gaining one later is a takeover. */
  readonly #heldElsewhere = new Set<string>();
  /** When each owned pool's lease was last taken or renewed (this process's clock). */
  readonly #renewedAt = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  /** A one-off try at the moment a lease held elsewhere runs out. */
  #wake: NodeJS.Timeout | undefined;
  #ticking: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(private readonly deps: OwnershipDeps) {
    this.member = `${deps.instance}-${randomBytes(4).toString('hex')}`;
    this.#memberLease = new Lease(deps.redis, deps.keys.executorMember(this.member), deps.ttl, this.member);
    for (const pool of deps.pools) this.#leases.set(pool, new Lease(deps.redis, deps.keys.poolLease(pool), deps.ttl, this.member));
  }

  /** This executor's consumer group on the revisions stream. */
  get group(): string {
    return GROUPS.executor(this.member);
  }

  /** The pools this executor owns now. */
  owned(): string[] {
    return [...this.#owned].sort();
  }

  /** The `executor.pools` names this executor may own. */
  get pools(): string[] {
    return [...this.#leases.keys()];
  }

  #of(pool: string): { takeovers: number; lost: number } {
    let c = this.byPool.get(pool);
    if (!c) this.byPool.set(pool, (c = { takeovers: 0, lost: 0 }));
    return c;
  }

  owns(pool: string): boolean {
    return this.#owned.has(pool);
  }

  /** Takes the member lease and every free pool, then keeps renewing every third of the TTL. */
  async start(): Promise<void> {
    await this.#tick();
    this.#timer = setInterval(() => this.#next(), this.#every);
  }

  get #every(): number {
    return Math.max(100, Math.floor(this.deps.ttl / 3));
  }

  #next(): void {
    this.#ticking = this.#ticking.then(() => this.#tick()).catch((err: unknown) => this.deps.log.warn({ err: errorMessage(err) }, 'lease renewal failed; the next one tries again'));
  }

  async #tick(): Promise<void> {
    if (this.#closed) return;
    let soonest = Number.POSITIVE_INFINITY;
    await this.#memberLease.acquire().catch((err: unknown) => this.deps.log.warn({ err: errorMessage(err) }, 'could not renew the member lease'));
    for (const [pool, lease] of this.#leases) {
      if (this.#closed) return;
      const had = this.#owned.has(pool);
      let holds: boolean;
      const asked = Date.now();
      try {
        holds = await lease.acquire();
      } catch (err) {
        // Redis out of reach: keep the pool while the lease may still be ours; past its TTL another
        // executor may own it, so stop (no two owners, even across a partition).
        const since = Date.now() - (this.#renewedAt.get(pool) ?? 0);
        this.deps.log.warn({ pool, since, err: errorMessage(err) }, 'could not renew the pool lease');
        if (had && since >= this.deps.ttl) await this.#lose(pool);
        continue;
      }
      if (holds) this.#renewedAt.set(pool, asked);
      if (holds && !had) await this.#gain(pool, lease);
      else if (!holds && had) await this.#lose(pool);
      else if (!holds) {
        this.#heldElsewhere.add(pool);
        soonest = Math.min(soonest, await lease.remaining().catch(() => soonest));
      }
    }
    // A pool held elsewhere whose lease runs out before the next tick: try again right then, so a
    // dead owner's pool is taken over within the TTL of its last renewal, not a tick later.
    if (soonest >= 0 && soonest < this.#every && !this.#wake && !this.#closed) {
      this.#wake = setTimeout(() => {
        this.#wake = undefined;
        this.#next();
      }, soonest + 5);
    }
  }

  async #gain(pool: string, lease: Lease): Promise<void> {
    const takeover = this.#heldElsewhere.delete(pool);
    this.#owned.add(pool);
    try {
      await this.deps.gained(pool);
    } catch (err) {
      this.#owned.delete(pool);
      this.deps.log.error({ pool, err: errorMessage(err) }, 'could not start the pool this executor took; releasing its lease');
      await lease.release().catch(() => undefined);
      return;
    }
    if (takeover) {
      this.counts.takeovers++;
      this.#of(pool).takeovers++;
    }
    this.deps.log.info({ pool, member: this.member, takeover }, takeover ? 'took the pool over from a dead executor' : 'owns the pool');
  }

  async #lose(pool: string): Promise<void> {
    this.#owned.delete(pool);
    this.#heldElsewhere.add(pool);
    this.counts.lost++;
    this.#of(pool).lost++;
    this.deps.log.warn({ pool, member: this.member }, 'lost the pool\'s lease (not renewed in time); stopping it');
    await this.deps.lost(pool);
  }

  /**
   * Destroys the revisions groups nobody reads any more: `executor.<member>` whose member lease
   * expired, and the shared group `executor` of older versions. A live executor whose group was
   * destroyed by mistake (its lease lapsed in a Redis stall) recreates it from `$` on its next read;
   * its next resync covers what it missed. Returns how many it destroyed.
   */
  async pruneGroups(): Promise<number> {
    const stream = this.deps.stream;
    const infos = (await this.deps.redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[];
    const legacy = NAMES.executorGroup.path.split('.')[0] ?? 'executor';
    let destroyed = 0;
    for (const info of infos) {
      if (!Array.isArray(info)) continue;
      const name = info[info.indexOf('name') + 1];
      if (typeof name !== 'string' || name === this.group) continue;
      const member = name.startsWith(`${legacy}.`) ? name.slice(legacy.length + 1) : name === legacy ? '' : undefined;
      if (member === undefined) continue;
      if (member !== '' && (await this.deps.redis.exists(this.deps.keys.executorMember(member))) === 1) continue;
      destroyed += Number(await this.deps.redis.xgroup('DESTROY', stream, name));
    }
    this.counts.groupsDestroyed += destroyed;
    if (destroyed > 0) this.deps.log.info({ destroyed }, 'destroyed the revisions groups of executors that are gone');
    return destroyed;
  }

  /** Stops taking and renewing leases (what it holds stays held until `close` or expiry). */
  async stop(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#wake);
    await this.#ticking.catch(() => undefined);
  }

  /** Stops, then releases what this executor holds, so another takes its pools at once. Call once its pools are closed. */
  async close(): Promise<void> {
    await this.stop();
    await Promise.all([...this.#owned].map((pool) => this.#leases.get(pool)?.release().catch(() => undefined)));
    this.#owned.clear();
    // A clean stop leaves no group behind.
    await this.deps.redis.xgroup('DESTROY', this.deps.stream, this.group).catch(() => undefined);
    await this.#memberLease.release().catch(() => undefined);
  }
}
