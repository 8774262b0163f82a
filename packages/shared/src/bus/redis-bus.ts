import { duplicateClient, type RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import type { BusConfig } from '../config/schema.js';
import { keys as makeKeys, type Keys, type MessageInput, type StreamName } from '../contracts/index.js';
import { errorMessage } from '../errors.js';
import { StreamConsumer } from './consumer.js';
import { Publisher } from './publisher.js';
import type { Bus, ConsumeOptions, Consumer, PublishOptions } from './types.js';

export interface RedisBusOptions {
  /** The command connection: publishes, acks, claims. The bus does not own it unless `ownsRedis`. */
  redis: RedisClient;
  config: BusConfig;
  prefix: string;
  log: Logger;
  ownsRedis?: boolean;
  /** The consumers' clock (epoch ms), for the clock-skew check; `Date.now` unless a test injects one. */
  now?: () => number;
}

/** The Redis Streams bus. Each consumer reads on its own duplicated connection. */
export class RedisBus implements Bus {
  readonly keys: Keys;
  readonly #publisher: Publisher;
  readonly #consumers = new Set<StreamConsumer<StreamName>>();
  /** Entries dead-lettered by this bus's consumers, by the stream they were read from (kept after a consumer closes). */
  readonly deadLettered = new Map<StreamName, number>();
  #closing: Promise<void> | undefined;

  constructor(private readonly options: RedisBusOptions) {
    this.keys = makeKeys(options.prefix);
    this.#publisher = new Publisher(options.redis, this.keys, { maxLen: options.config.maxLen, batchSize: options.config.batchSize, linger: options.config.linger, partitions: options.config.partitions });
  }

  publish<S extends StreamName>(stream: S, messages: MessageInput<S> | MessageInput<S>[], options?: PublishOptions): Promise<string[]> {
    return this.#publisher.publish(stream, messages, options);
  }

  async consume<S extends StreamName>(stream: S, options: ConsumeOptions<S>): Promise<Consumer> {
    if (this.#closing) throw new Error('bus is closed');
    const reader = duplicateClient(this.options.redis, { blocking: true, name: `${this.options.prefix}:${options.consumer}:reader` });
    // Errors surface through the read loop; without a listener ioredis prints them to stderr.
    reader.on('error', (err: Error) => this.options.log.debug({ err: err.message, consumer: options.consumer }, 'reader connection error'));
    const consumer: StreamConsumer<S> = new StreamConsumer(stream, options, {
      redis: this.options.redis,
      reader,
      keys: this.keys,
      publisher: this.#publisher,
      log: this.options.log,
      settings: this.options.config,
      now: this.options.now ?? Date.now,
      onClosed: (): void => void this.#consumers.delete(consumer as unknown as StreamConsumer<StreamName>),
      onDeadLettered: (): void => void this.deadLettered.set(stream, (this.deadLettered.get(stream) ?? 0) + 1),
    });
    try {
      await consumer.start();
    } catch (err) {
      reader.disconnect();
      throw err;
    }
    this.#consumers.add(consumer as unknown as StreamConsumer<StreamName>);
    return consumer;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#consumers].map((c) => c.close()));
      try {
        await this.#publisher.close();
      } catch (err) {
        this.options.log.error({ err: errorMessage(err) }, 'flushing publishes failed');
      }
      if (this.options.ownsRedis) await this.options.redis.quit().catch(() => this.options.redis.disconnect());
    })();
    return this.#closing;
  }
}

export type { BusConfig };
