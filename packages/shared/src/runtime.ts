import type { Tracer } from '@opentelemetry/api';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RedisClient } from './redis.js';
import type { Logger } from 'pino';
import { RedisBus } from './bus/redis-bus.js';
import type { Bus } from './bus/types.js';
import type { Config } from './config/schema.js';
import { configSlices, type AgentConfigs, type AgentName } from './config/slices.js';
import { keys as makeKeys, type Keys } from './contracts/streams.js';
import { errorMessage } from './errors.js';
import { closeInOrder } from './lifecycle.js';
import { createRedis, type ConnectionOptions } from './redis.js';
import { AgentMetrics, counter, gauge, HISTOGRAMS, Metrics } from './telemetry/metrics.js';
import { createTelemetry, type Telemetry } from './telemetry/otel.js';
import { RedisSpanExporter } from './telemetry/span-store.js';

/** What an agent is handed: its slice of the config, its transport, connections, logger and tracer. Never globals. */
export interface AgentDeps<C> {
  config: C;
  bus: Bus;
  /** A shared command connection (not for blocking commands). */
  redis: RedisClient;
  /** A new dedicated connection, owned by the caller (BullMQ workers, blocking reads). */
  connect(name: string, options?: ConnectionOptions): RedisClient;
  keys: Keys;
  log: Logger;
  tracer: Tracer;
  /** A unique name for this process's instance of the agent, e.g. `planner-host-1234`. */
  instance: string;
  /** The agent's clock (epoch ms): what "now" and the age of a message are judged by. Injected in tests. */
  now: () => number;
  /** The process's metrics registry, seen as this agent (its metrics carry `agent="<name>"`). */
  metrics: AgentMetrics;
}

export interface RuntimeOptions {
  config: Config;
  /** The Redis to use (resolved: configured, local or embedded). */
  redisUrl: string;
  log: Logger;
  env: Record<string, string | undefined>;
  /** Extra span processors for every agent's provider (span store, tests). */
  processors?: (serviceName: string) => SpanProcessor[];
  instanceSuffix?: string;
  /** The clock of every agent and of the bus's consumers (epoch ms); `Date.now` unless a test injects one. */
  now?: () => number;
  /** The process's metrics; a new registry when not given. */
  metrics?: Metrics;
}

/**
 * The parts one process shares between its agents: a command connection and the bus. Each
 * agent gets its own tracer provider (its own `service.name`) from `deps(agent)`.
 */
export class Runtime {
  readonly redis: RedisClient;
  readonly bus: RedisBus;
  readonly keys: Keys;
  /** Each agent's slice of the config, cut once. */
  readonly #slices: AgentConfigs;
  /** The one metrics registry of this process, shared by its agents (`/metrics`). */
  readonly metrics: Metrics;
  readonly #telemetry: Telemetry[] = [];
  readonly #connections = new Set<RedisClient>();
  #closing: Promise<void> | undefined;

  constructor(private readonly options: RuntimeOptions) {
    const { config } = options;
    this.keys = makeKeys(config.prefix);
    this.#slices = configSlices(config);
    this.redis = this.connect('command');
    this.bus = new RedisBus({ redis: this.redis, config: config.bus, prefix: config.prefix, log: options.log.child({ component: 'bus' }), now: this.now });
    this.metrics = options.metrics ?? new Metrics();
    this.metrics.live({
      awo_signing_enabled: gauge('1 when plan revisions are signed and verified (a signing key is configured), else 0', () => (config.signing.key ? 1 : 0)),
      awo_bus_dead_lettered_total: counter('Entries this process\'s consumers moved to the dead-letter stream, by the stream they were read from', ['stream'], () => [...this.bus.deadLettered].map(([stream, n]) => [{ stream }, n] as const)),
    });
  }

  /** The clock this runtime's agents and consumers share. */
  get now(): () => number {
    return this.options.now ?? Date.now;
  }

  get config(): Config {
    return this.options.config;
  }

  connect(name: string, opts: ConnectionOptions = {}): RedisClient {
    const conn = createRedis({ ...this.options.config.redis, url: this.options.redisUrl }, { ...opts, name: `${this.options.config.prefix}:${name}` });
    conn.on('error', (err) => this.options.log.debug({ err: errorMessage(err), connection: name }, 'redis connection error'));
    this.#connections.add(conn);
    conn.once('end', () => this.#connections.delete(conn));
    return conn;
  }

  /** What `agent` is handed: its own slice of the config (the runtime and the bus keep the whole). */
  deps<A extends AgentName>(agent: A): AgentDeps<AgentConfigs[A]> {
    const serviceName = `awo-${agent}`;
    const store = this.options.config.telemetry.spanStore;
    const processors = [
      ...(this.options.processors?.(serviceName) ?? []),
      // Recent spans in a capped stream, so `awo trace` works without a collector.
      ...(store.enabled ? [new BatchSpanProcessor(new RedisSpanExporter(this.redis, this.keys.spans, store.maxLen), { scheduledDelayMillis: 500, maxQueueSize: 8192 })] : []),
    ];
    const telemetry = createTelemetry({ serviceName, config: this.options.config.telemetry, env: this.options.env, processors });
    this.#telemetry.push(telemetry);
    const log = this.options.log.child({ agent });
    const metrics = this.metrics.agent(agent);
    return {
      config: this.#slices[agent],
      bus: timedBus(this.bus, metrics.histogram(HISTOGRAMS.batchDuration)),
      redis: this.redis,
      connect: (name, opts) => this.connect(`${agent}:${name}`, opts),
      keys: this.keys,
      log,
      tracer: telemetry.tracer,
      instance: `${agent}-${process.pid}${this.options.instanceSuffix ? `-${this.options.instanceSuffix}` : ''}`,
      now: this.now,
      metrics,
    };
  }

  /** Closes the bus, flushes spans, then closes every connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= closeInOrder(
      [
        ['bus', () => this.bus.close()],
        ['telemetry', () => Promise.all(this.#telemetry.map((t) => t.shutdown()))],
        ['redis', () => Promise.all([...this.#connections].map((c) => c.quit().catch(() => c.disconnect())))],
      ],
      (step, err) => this.options.log.error({ step, err: errorMessage(err) }, 'closing the runtime failed at a step'),
    );
    return this.#closing;
  }
}

/** The shared bus as one agent sees it: each consumer's batches are timed into its histogram. */
function timedBus(bus: Bus, observe: (seconds: number, labels: { stream: string }) => void): Bus {
  return {
    publish: (stream, messages, options) => bus.publish(stream, messages, options),
    consume: (stream, options) => bus.consume(stream, { onBatch: (seconds) => observe(seconds, { stream }), ...options }),
    close: () => bus.close(),
  };
}
