import { connect, type NatsConnection } from 'nats';
import { errorMessage, membersSubject, planSubject, scrubUrls, type Logger } from '@awo/shared';

/** ms to wait for each connection attempt. */
const CONNECT_TIMEOUT_MS = 2000;

export interface NoticeHandlers {
  /** A plan change notice arrived: re-read (and verify) the plan. */
  plan(): void;
  /** A member of the step joined, became ready or left: re-read the members. */
  members(): void;
}

/**
 * NATS change notices for one member: `<prefix>.plan` (published by the leading planner after a
 * commit) and `<prefix>.members.<step>` (published by the members themselves). A notice only
 * makes a re-read sooner: its payload is never trusted or even parsed; Redis and the signed plan
 * say what is true. Connecting never blocks or fails the member: without NATS, the member's
 * timers still converge, only slower.
 */
export class Notices {
  readonly counters = { plan: 0, members: 0, published: 0 };
  #nc: NatsConnection | undefined;
  #closed = false;

  constructor(
    private readonly servers: string | string[],
    private readonly prefix: string,
    private readonly step: string,
    private readonly name: string,
    private readonly log: Logger,
    private readonly on: NoticeHandlers,
  ) {}

  get connected(): boolean {
    return this.#nc !== undefined && !this.#nc.isClosed();
  }

  /** Connects in the background, retrying for ever until `close()`. */
  start(): void {
    void this.#connect();
  }

  async #connect(): Promise<void> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: this.servers, name: this.name, maxReconnectAttempts: -1, waitOnFirstConnect: true, reconnectTimeWait: 500, timeout: CONNECT_TIMEOUT_MS });
    } catch (err) {
      this.log.warn({ servers: scrubUrls([this.servers].flat().join(', ')), err: errorMessage(err) }, 'cannot connect to NATS: plan changes are picked up by the re-check only');
      return;
    }
    if (this.#closed) {
      await nc.close().catch(() => undefined);
      return;
    }
    this.#nc = nc;
    // Both subscriptions end with the connection (drained on close).
    nc.subscribe(planSubject(this.prefix), { callback: (err) => this.#heard(err, 'plan') });
    nc.subscribe(membersSubject(this.prefix, this.step), { callback: (err) => this.#heard(err, 'members') });
    this.log.info({ servers: scrubUrls([this.servers].flat().join(', ')) }, 'listening for plan and member notices on NATS');
    // A change missed while connecting is picked up now, and the others learn of this member.
    this.on.plan();
    this.membersChanged();
  }

  #heard(err: Error | null, what: 'plan' | 'members'): void {
    if (err) return;
    this.counters[what]++;
    this.on[what]();
  }

  /** Tells the step's other members that the members changed (best effort: their heartbeat heals a lost one). */
  membersChanged(): void {
    const nc = this.#nc;
    if (!nc || nc.isClosed()) return;
    try {
      nc.publish(membersSubject(this.prefix, this.step), this.name);
      this.counters.published++;
    } catch (err) {
      this.log.debug({ err: errorMessage(err) }, 'member notice not published');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const nc = this.#nc;
    this.#nc = undefined;
    if (!nc || nc.isClosed()) return;
    // Flush what was published (the leave notice), then close.
    await nc.drain().catch(() => nc.close());
  }
}
