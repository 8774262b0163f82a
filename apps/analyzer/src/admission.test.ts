import { describe, expect, it } from 'vitest';
import { REFUSAL_WARN_EVERY_MS, RuleSeries, SeriesBudget, seriesKey, type RefusalWarning } from './admission.js';

const HOUR = 3_600_000;

function table(maxSeries: number, labels: string[] = [], budget = new SeriesBudget(10_000), warnings: RefusalWarning[] = []) {
  return new RuleSeries<{ n: number }>('anomaly[0]', { maxSeries, labels }, budget, HOUR, (w) => warnings.push(w));
}

describe('RuleSeries', () => {
  it('keys a series by its name and only the allowlisted labels (none by default)', () => {
    const byName = table(10);
    expect(byName.key('cpu', { host: 'a', pod: 'x' })).toBe('cpu');
    const byHost = table(10, ['host', 'az']);
    expect(byHost.key('cpu', { pod: 'x', host: 'a', az: '1' })).toBe('cpu{az=1,host=a}');
    expect(byHost.key('cpu', { pod: 'y' })).toBe('cpu');
    // Label sets that differ only outside the allowlist are one series.
    const made: string[] = [];
    for (const pod of ['x', 'y', 'z']) byHost.get('cpu', { host: 'a', pod }, 0, () => (made.push(pod), { n: 0 }));
    expect(made).toEqual(['x']);
    expect(byHost.size).toBe(1);
    expect(seriesKey('cpu', { b: '2', a: '1' })).toBe('cpu{a=1,b=2}');
  });

  it('refuses a new series over the rule limit, counts every refused point, and never drops an admitted one', () => {
    const warnings: RefusalWarning[] = [];
    const t = table(20, ['tenant'], new SeriesBudget(10_000), warnings);
    const legit = Array.from({ length: 5 }, (_, i) => `legit-${i}`);
    for (const tenant of legit) expect(t.get('req', { tenant }, 0, () => ({ n: 0 }))).toBeDefined();
    // A flood of 10,000 new label sets while the legitimate series keep sending.
    let admitted = 0;
    for (let i = 0; i < 10_000; i++) {
      if (t.get('req', { tenant: `flood-${i}` }, i, () => ({ n: 0 }))) admitted++;
      if (i % 100 === 0) for (const tenant of legit) t.get('req', { tenant }, i, () => ({ n: 0 }))!.n++;
    }
    expect(admitted).toBe(15);
    expect(t.size).toBe(20);
    expect(t.refused).toBe(10_000 - 15);
    for (const tenant of legit) expect(t.peek('req', { tenant })?.n).toBe(100);
    // An admitted flood series still gets its points.
    expect(t.get('req', { tenant: 'flood-0' }, 10_000, () => ({ n: 0 }))).toBeDefined();
    expect(t.refused).toBe(10_000 - 15);
    // Warned once at the first refusal; nothing more within 10 s (the clock here is the point index, in ms).
    expect(warnings).toEqual([{ rule: 'anomaly[0]', series: 'req{tenant=flood-15}', refused: 1, limit: 'rule', maxSeries: 20 }]);
  });

  it('rate-limits its warnings to one per 10 s, each saying how many were refused since the last', () => {
    const warnings: RefusalWarning[] = [];
    const t = table(1, ['k'], new SeriesBudget(100), warnings);
    t.get('s', { k: 'a' }, 0, () => ({ n: 0 }));
    for (let now = 0; now <= 3 * REFUSAL_WARN_EVERY_MS; now += 1000) t.get('s', { k: `x${now}` }, now, () => ({ n: 0 }));
    expect(warnings.map((w) => w.refused)).toEqual([1, 10, 10, 10]);
    expect(t.refused).toBe(31);
  });

  it('shares the analyzer-wide budget between rules: the rule under its own limit is refused once the budget is spent', () => {
    const budget = new SeriesBudget(3);
    const warnings: RefusalWarning[] = [];
    const a = table(10, ['k'], budget, warnings);
    const b = new RuleSeries<{ n: number }>('forecast[0]', { maxSeries: 10, labels: ['k'] }, budget, HOUR, (w) => warnings.push(w));
    a.get('s', { k: '1' }, 0, () => ({ n: 0 }));
    a.get('s', { k: '2' }, 0, () => ({ n: 0 }));
    b.get('s', { k: '1' }, 0, () => ({ n: 0 }));
    expect(b.get('s', { k: '2' }, 0, () => ({ n: 0 }))).toBeUndefined();
    expect(a.get('s', { k: '3' }, 0, () => ({ n: 0 }))).toBeUndefined();
    expect([a.refused, b.refused, budget.used]).toEqual([1, 1, 3]);
    expect(warnings.map((w) => [w.rule, w.limit, w.maxSeries])).toEqual([
      ['forecast[0]', 'analyzer', 3],
      ['anomaly[0]', 'analyzer', 3],
    ]);
  });

  it('forgets only series silent for the idle expiry, which frees their slots', () => {
    const budget = new SeriesBudget(100);
    const t = table(2, ['k'], budget);
    t.get('s', { k: 'quiet' }, 0, () => ({ n: 0 }));
    t.get('s', { k: 'busy' }, 0, () => ({ n: 0 }));
    // The busy one keeps sending; the quiet one does not.
    for (let now = 0; now < HOUR; now += 60_000) t.get('s', { k: 'busy' }, now, () => ({ n: 0 }));
    expect(t.get('s', { k: 'new' }, HOUR - 1, () => ({ n: 0 }))).toBeUndefined();
    expect(t.sweep(HOUR - 1)).toBe(0);
    expect(t.sweep(HOUR)).toBe(1);
    expect([...t.entries()].map(([k]) => k)).toEqual(['s{k=busy}']);
    expect([t.expired, budget.used]).toEqual([1, 1]);
    expect(t.get('s', { k: 'new' }, HOUR, () => ({ n: 0 }))).toBeDefined();
  });
});
