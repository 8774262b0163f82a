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

  it('censors secret fields at any depth and in any letter case, and keeps the rest', () => {
    const lines: string[] = [];
    const log = createLogger({ destination: new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }) }).child({ token: 'bind-secret' });
    const request = { headers: { Authorization: 'Bearer abc123', 'x-api-key': 'k-999', 'X_Api_Key': 'k-998', accept: 'json' }, nested: { deeper: { a: { b: { Password: 'pw-1' } } } } };
    log.info({ request, signing: { key: 'sign-key-0123456789', keyEnv: 'AWO_SIGNING_KEY' }, key: 'record-key' }, 'calling');
    log.flush();
    const line = lines.join('');
    for (const secret of ['abc123', 'k-999', 'k-998', 'pw-1', 'sign-key-0123456789', 'bind-secret']) expect(line).not.toContain(secret);
    const parsed = JSON.parse(line) as { request: { headers: Record<string, string> }; signing: Record<string, string>; key: string };
    expect(parsed.request.headers).toEqual({ Authorization: '[redacted]', 'x-api-key': '[redacted]', X_Api_Key: '[redacted]', accept: 'json' });
    expect(parsed.signing).toEqual({ key: '[redacted]', keyEnv: 'AWO_SIGNING_KEY' });
    expect(parsed.key).toBe('record-key');
    expect(request.headers.Authorization).toBe('Bearer abc123');
  });
});
