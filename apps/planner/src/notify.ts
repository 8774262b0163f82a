import { connect, type NatsConnection } from 'nats';
import { errorMessage, planSubject, scrubUrls, type Logger } from '@awo/shared';

/**
 * Publishes a plan change notice on NATS (`<prefix>.plan`) after each commit, so `@awo/worker`
 * members re-read the plan within milliseconds. Only a hint: the payload is the new version and
 * epoch, which members never act on (they read and verify the plan in Redis). Connecting happens
 * in the background and never blocks or fails the planner; a notice while disconnected is lost,
 * and the members' re-check heals that.
 */
export class PlanNotifier {
  readonly counters = { published: 0, failed: 0 };
  #nc: NatsConnection | undefined;
  #closed = false;

  constructor(
    private readonly servers: string | string[],
    private readonly prefix: string,
    private readonly name: string,
    private readonly log: Logger,
  ) {}

  /** Whether notices can go out now. */
  get connected(): boolean {
    return this.#nc !== undefined && !this.#nc.isClosed();
  }

  start(): void {
    void connect({ servers: this.servers, name: this.name, maxReconnectAttempts: -1, waitOnFirstConnect: true, reconnectTimeWait: 500, timeout: 2000 }).then(
      async (nc) => {
        if (this.#closed) await nc.close().catch(() => undefined);
        else this.#nc = nc;
      },
      (err: unknown) => this.log.warn({ servers: scrubUrls([this.servers].flat().join(', ')), err: errorMessage(err) }, 'cannot connect to NATS: no plan change notices (workers still re-check the plan)'),
    );
  }

  /** Tells the members that the plan is now at `version` of `epoch`. */
  notify(version: number, epoch: string | undefined): void {
    const nc = this.#nc;
    if (!nc || nc.isClosed()) {
      this.counters.failed++;
      return;
    }
    try {
      nc.publish(planSubject(this.prefix), JSON.stringify({ version, epoch: epoch ?? '' }));
      this.counters.published++;
    } catch (err) {
      this.counters.failed++;
      this.log.debug({ err: errorMessage(err) }, 'plan notice not published');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const nc = this.#nc;
    this.#nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
