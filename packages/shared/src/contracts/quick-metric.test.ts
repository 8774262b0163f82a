import { describe, expect, it } from 'vitest';
import { metricSchema, quickMetric } from './messages.js';

const base: Record<string, unknown> = { v: 1, series: 'app.latency', value: 12.5, unit: 'ms', ts: 1_700_000_000_000, source: 'prom:api', labels: { host: 'a', '1': 'b' } };
const variants: Record<string, unknown[]> = {
  v: [1, 2, '1', null, 1.0000001],
  series: ['s', '', 'x'.repeat(256), 'x'.repeat(257), 5, null],
  value: [0, -1, 1e308, 1.5, '1', null, true],
  unit: ['', 'x'.repeat(32), 'x'.repeat(33), null, 3],
  ts: [0, -0, 1.5, -1, 2 ** 53 - 1, 2 ** 53, '5', null],
  source: ['s', '', 'x'.repeat(128), 'x'.repeat(129), null],
  labels: [{}, null, [], 'a', { a: 1 }, { ['k'.repeat(128)]: 'v' }, { ['k'.repeat(129)]: 'v' }, { a: 'v'.repeat(512) }, { a: 'v'.repeat(513) }, Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v'])), Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']))],
};

/** Every input the checks are tried on: the base, each field changed or left out, an extra field, and the labels' `__proto__`. */
function inputs(): unknown[] {
  const out: unknown[] = [base, JSON.parse(JSON.stringify(base)), null, [], 'x', 1];
  for (const [k, values] of Object.entries(variants)) {
    for (const value of values) out.push(JSON.parse(JSON.stringify({ ...base, [k]: value })));
    const { [k]: _, ...without } = base;
    out.push(without);
  }
  out.push({ ...base, extra: 1 }, JSON.parse('{"v":1,"series":"s","value":1,"ts":5,"source":"s","labels":{"__proto__":"x","a":"b"}}'), JSON.parse('{"__proto__":{},"v":1,"series":"s","value":1,"ts":5,"source":"s"}'));
  return out;
}

describe('quickMetric', () => {
  it('accepts only what the metric schema accepts, and returns what it returns (same keys in the same order)', () => {
    const leftToSchema: unknown[] = [];
    for (const x of inputs()) {
      const q = quickMetric(x);
      const z = metricSchema.safeParse(x);
      if (q === undefined) {
        if (z.success) leftToSchema.push(x);
        continue;
      }
      expect(z.success, JSON.stringify(x)).toBe(true);
      expect(q).toStrictEqual(z.data);
      expect(JSON.stringify(q)).toBe(JSON.stringify(z.data));
    }
    // It carries every valid input but the one whose labels have a `__proto__` key.
    expect(leftToSchema.map((x) => JSON.stringify(x))).toStrictEqual(['{"v":1,"series":"s","value":1,"ts":5,"source":"s","labels":{"__proto__":"x","a":"b"}}']);
    expect(quickMetric(JSON.parse(JSON.stringify(base)))).toBeDefined();
    expect(quickMetric({ v: 1, series: 's', value: 1, ts: 5, source: 's' })).toStrictEqual({ v: 1, series: 's', value: 1, ts: 5, source: 's', labels: {} });
  });
});
