import { describe, expect, it } from 'vitest';
import { clusterOptions, redisOptions } from './redis.js';

describe('connection options', () => {
  it('one server: host, port, db and user from the URL; TLS for rediss://', () => {
    const o = redisOptions({ url: 'rediss://u:p%40ss@cache.internal:6380/2' });
    expect(o).toMatchObject({ host: 'cache.internal', port: 6380, db: 2, username: 'u', password: 'p@ss' });
    expect(o.tls).toMatchObject({ servername: 'cache.internal', rejectUnauthorized: true });
  });

  it('a cluster: every node gets the user and password, no fixed host, port or servername; TLS when a seed says rediss://', () => {
    const plain = clusterOptions({ cluster: ['10.0.0.1:7000'], username: 'awo', password: 'secret' }, { name: 'awo:x' });
    expect(plain.redisOptions).toMatchObject({ username: 'awo', password: 'secret', connectionName: 'awo:x' });
    expect(plain.redisOptions).not.toHaveProperty('host');
    expect(plain.redisOptions).not.toHaveProperty('port');
    expect(plain.redisOptions?.tls).toBeUndefined();
    // Each node's certificate is checked against the address it is reached at.
    const tls = clusterOptions({ cluster: ['rediss://10.0.0.1:7000'] });
    expect(tls.redisOptions?.tls).toEqual({ rejectUnauthorized: true });
    const named = clusterOptions({ cluster: ['10.0.0.1:7000'], tls: { servername: 'redis.internal', rejectUnauthorized: true } });
    expect(named.redisOptions?.tls).toEqual({ rejectUnauthorized: true, servername: 'redis.internal' });
  });
});
