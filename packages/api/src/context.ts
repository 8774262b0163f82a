import type { RedisClient } from '@awo/shared';
import type { AgentMetrics, Config, Keys, Logger } from '@awo/shared';

/** What the API is handed: the whole config, a command connection, a way to open dedicated ones, names, logger, metrics. */
export interface ApiDeps {
  config: Config;
  /** A shared command connection (not for blocking commands). */
  redis: RedisClient;
  /** A new dedicated connection, owned by the caller (the events stream's blocking reads, BullMQ queues). */
  connect(name: string, options?: { blocking?: boolean }): RedisClient;
  keys: Keys;
  log: Logger;
  metrics: AgentMetrics;
}
