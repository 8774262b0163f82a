import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linksFrom } from './propagation.js';

const tp = (span: string) => `00-0af7651916cd43dd8448eb211c80319c-${span}-01`;

describe('linksFrom', () => {
  beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
  afterAll(() => propagation.disable());

  it('links each producing span once, newest first, and skips what is not a traceparent', () => {
    const a = tp('a'.repeat(16));
    const b = tp('b'.repeat(16));
    const headers = [{ traceparent: a }, { traceparent: a }, { traceparent: b }, { traceparent: 'bad' }, {}, { traceparent: b }, { traceparent: a }];
    expect(linksFrom(headers).map((l) => l.context.spanId)).toEqual(['a'.repeat(16), 'b'.repeat(16)]);
    expect(linksFrom(headers, 1)).toHaveLength(1);
  });
});
