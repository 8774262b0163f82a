import { describe, expect, it } from 'vitest';
import { seriesName, sourceId } from './series.js';

describe('series naming', () => {
  it('is <kind>.<name>.<metric>', () => {
    expect(seriesName('bullmq', 'work', 'wait_p95_ms')).toBe('bullmq.work.wait_p95_ms');
    expect(seriesName('redis-stream', 'orders', 'lag')).toBe('redis-stream.orders.lag');
  });

  it('names a source <kind>:<name>', () => {
    expect(sourceId({ kind: 'http-json', name: 'api' })).toBe('http-json:api');
  });
});
