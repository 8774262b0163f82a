import { describe, expect, it } from 'vitest';
import { parseConfig } from './config/index.js';
import { resolveRedis } from './redis-server.js';
import { createLogger } from './telemetry/logger.js';

describe('resolveRedis', () => {
  // A cluster is reached through its seeds: no probe of 127.0.0.1:6379, no private redis-server.
  it('takes a configured Redis Cluster as configured', async () => {
    const config = parseConfig({ redis: { cluster: ['127.0.0.1:7001', '127.0.0.1:7002'] } });
    const resolved = await resolveRedis(config, createLogger({ level: 'silent' }));
    expect([resolved.origin, resolved.url]).toEqual(['configured', 'redis://127.0.0.1:7001']);
  });
});
