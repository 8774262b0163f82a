import { scrubUrls, type NatsSourceConfig } from '@awo/shared';
import { connect, Events, type JetStreamManager, type NatsConnection } from 'nats';
import { seriesName } from '../series.js';
import type { Sample, Source, SourceDeps } from '../types.js';

/** ms to wait for the first connection and for each JetStream API request. */
const NATS_TIMEOUT_MS = 5000;

/**
 * `nats`: a NATS subject and/or a JetStream consumer.
 * - `rate{subject}`: messages received on `subject` per second since the previous sample (or
 *   since the subscription was made, for the first sample). Wildcards work as in NATS.
 * - `pending{stream,consumer}`: the consumer's `num_pending`, messages in the stream not yet
 *   delivered to it; `ack_pending{stream,consumer}`: its `num_ack_pending`, delivered and not
 *   acked. Both from the JetStream manager's consumer info, when `stream` and `consumer` are set.
 * While the connection is down the sample fails (the client keeps reconnecting), and the rate
 * starts counting again from the reconnection.
 */
export function natsSource(config: NatsSourceConfig, deps: SourceDeps): Source {
  return new NatsSource(config, deps);
}

class NatsSource implements Source {
  readonly kind = 'nats';
  readonly name: string;
  readonly interval: number | undefined;
  readonly labels: Readonly<Record<string, string>>;
  #nc: NatsConnection | undefined;
  #jsm: JetStreamManager | undefined;
  #connected = false;
  #closed = false;
  #count = 0;
  #since = 0;

  constructor(
    private readonly config: NatsSourceConfig,
    private readonly deps: SourceDeps,
  ) {
    this.name = config.name;
    this.interval = config.interval;
    this.labels = config.labels;
  }

  async start(): Promise<void> {
    if (this.#nc && !this.#nc.isClosed()) return;
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: this.config.servers, name: `awo-monitor:${this.name}`, maxReconnectAttempts: -1, timeout: NATS_TIMEOUT_MS });
    } catch (err) {
      throw new Error(`cannot connect to NATS at ${this.#servers()}: ${(err as Error).message}`, { cause: err });
    }
    try {
      if (this.#closed) throw new Error('source closed while connecting');
      const jsm = this.config.stream !== undefined && this.config.consumer !== undefined ? await nc.jetstreamManager({ timeout: NATS_TIMEOUT_MS }) : undefined;
      if (this.config.subject !== undefined) {
        nc.subscribe(this.config.subject, { callback: (err) => void (err ? undefined : this.#count++) });
        // The subscription is live once the server has it; count from there.
        await nc.flush();
      }
      this.#nc = nc;
      this.#jsm = jsm;
      this.#connected = true;
      this.#resetRate();
      void this.#watch(nc);
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
  }

  /** The servers, without passwords, for messages. */
  #servers(): string {
    return scrubUrls([this.config.servers].flat().join(', '));
  }

  async #watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === Events.Disconnect) this.#connected = false;
      else if (s.type === Events.Reconnect) {
        this.#connected = true;
        this.#resetRate();
      }
    }
  }

  #resetRate(): void {
    this.#count = 0;
    this.#since = this.deps.now();
  }

  async sample(): Promise<Sample[]> {
    const nc = this.#nc;
    if (!nc || nc.isClosed()) throw new Error('not connected to NATS');
    if (!this.#connected) throw new Error(`disconnected from NATS at ${this.#servers()}, reconnecting`);
    const out: Sample[] = [];
    const { stream, consumer, subject } = this.config;
    // JetStream first: if it fails, the messages counted so far stay for the next sample.
    if (this.#jsm && stream !== undefined && consumer !== undefined) {
      const info = await this.#jsm.consumers.info(stream, consumer);
      const labels = { stream, consumer };
      out.push({ series: seriesName('nats', this.name, 'pending'), value: info.num_pending, unit: 'messages', labels });
      out.push({ series: seriesName('nats', this.name, 'ack_pending'), value: info.num_ack_pending, unit: 'messages', labels });
    }
    if (subject !== undefined) {
      const now = this.deps.now();
      const seconds = (now - this.#since) / 1000;
      const count = this.#count;
      this.#resetRate();
      if (seconds > 0) out.push({ series: seriesName('nats', this.name, 'rate'), value: count / seconds, unit: 'messages/s', labels: { subject } });
    }
    return out;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const nc = this.#nc;
    this.#nc = undefined;
    this.#jsm = undefined;
    if (nc && !nc.isClosed()) await nc.close();
  }
}
