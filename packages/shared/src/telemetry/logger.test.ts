import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubFields } from './logger.js';

describe('logger', () => {
  it('removes URL passwords from nested fields and messages, and leaves the caller objects alone', () => {
    const lines: string[] = [];
    const log = createLogger({ destination: new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }) });
    const config = { redis: { url: 'rediss://awo:s3cret@db:6380/0', tls: { ca: '/etc/ca.pem' } }, hosts: ['redis://:other@h2:6379'] };
    log.info({ config }, 'connecting to redis://u:pw@h:1');
    log.flush();
    const line = lines.join('');
    expect(line).not.toMatch(/s3cret|other|:pw@/);
    expect(line).toContain('rediss://awo:***@db:6380/0');
    expect(config.redis.url).toBe('rediss://awo:s3cret@db:6380/0');
    const plain = { a: { b: 'no url here' } };
    expect(scrubFields(plain)).toBe(plain);
  });
});
