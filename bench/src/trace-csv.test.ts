import { describe, expect, it } from 'vitest';
import { observedValues, parseTimestampCell, parseTrace, resampleTrace, splitCsvLine } from './trace-csv.js';

const nan = Number.NaN;

describe('parseTrace', () => {
  it('reads ISO timestamps with an offset, the second column by default, and the step', () => {
    const t = parseTrace('timestamp,requests,gap\n1995-07-01T00:00:00-04:00,42,0\n1995-07-01T00:01:00-04:00,61,0\n1995-07-01T00:02:00-04:00,50,0\n');
    expect(t.column).toBe('requests');
    expect(t.timestamps).toBe('iso');
    expect(t.startMs).toBe(Date.UTC(1995, 6, 1, 4, 0, 0));
    expect(t.stepMs).toBe(60_000);
    expect([...t.values]).toEqual([42, 61, 50]);
  });

  it('reads ISO timestamps without a zone as UTC (NAB style, space separator)', () => {
    const t = parseTrace('timestamp,value\n2014-04-10 00:04:00,94.0\n2014-04-10 00:09:00,56.0\n');
    expect(t.startMs).toBe(Date.UTC(2014, 3, 10, 0, 4, 0));
    expect(t.stepMs).toBe(300_000);
    expect([...t.values]).toEqual([94, 56]);
  });

  it('reads numeric timestamps as seconds from any origin', () => {
    const t = parseTrace('t,load\n100,1\n110,2\n120,3\n');
    expect(t.timestamps).toBe('seconds');
    expect(t.startMs).toBe(100_000);
    expect(t.stepMs).toBe(10_000);
    expect([...t.values]).toEqual([1, 2, 3]);
  });

  it('picks the column named by --column (exact, then case-insensitive) and applies --scale', () => {
    const text = 'ts,a,B\n0,1,10\n60,2,20\n';
    expect([...parseTrace(text, { column: 'B' }).values]).toEqual([10, 20]);
    expect([...parseTrace(text, { column: 'b', scale: 3 }).values]).toEqual([30, 60]);
    expect(() => parseTrace(text, { column: 'c' })).toThrow(/no column "c" \(columns: ts, a, B\)/);
    expect(() => parseTrace(text, { scale: 0 })).toThrow(/scale/);
  });

  it('treats gap rows as missing, not zero, and also empty cells and absent rows', () => {
    const t = parseTrace('timestamp,requests,gap\n0,5,0\n60,0,1\n120,,0\n240,7,0\n', { scale: 2 });
    expect([...t.values]).toEqual([10, nan, nan, nan, 14]);
    expect({ gapRows: t.gapRows, badRows: t.badRows, absentSteps: t.absentSteps }).toEqual({ gapRows: 1, badRows: 1, absentSteps: 1 });
    expect(observedValues(t)).toEqual({ values: [10, 14], index: [0, 4] });
  });

  it('does not treat a value column named gap as the gap flag', () => {
    const t = parseTrace('t,gap\n0,1\n60,0\n', { column: 'gap' });
    expect([...t.values]).toEqual([1, 0]);
  });

  it('handles quoted fields, CRLF and blank lines', () => {
    expect(splitCsvLine('"a, b",2,"say ""hi"""')).toEqual(['a, b', '2', 'say "hi"']);
    const t = parseTrace('\r\n"time","v"\r\n"0","1"\r\n\r\n"60","2"\r\n');
    expect([...t.values]).toEqual([1, 2]);
  });

  it('refuses uneven or unordered rows, mixed timestamps and bad timestamps', () => {
    expect(() => parseTrace('t,v\n0,1\n60,1\n150,1\n180,1\n')).toThrow(/not evenly spaced/);
    expect(() => parseTrace('t,v\n60,1\n0,1\n')).toThrow(/must increase/);
    expect(() => parseTrace('t,v\n0,1\n2020-01-01T00:00:00Z,1\n')).toThrow(/mixes/);
    expect(() => parseTrace('t,v\nyesterday,1\n0,2\n')).toThrow(/invalid timestamp/);
    expect(() => parseTrace('t,v\n0,1\n')).toThrow(/two data rows/);
  });

  it('parses timestamp cells', () => {
    expect(parseTimestampCell('2020-01-01T00:00:00Z').ms).toBe(Date.UTC(2020, 0, 1));
    expect(parseTimestampCell('2020-01-01T01:30:00+0130').ms).toBe(Date.UTC(2020, 0, 1));
    expect(parseTimestampCell('2020-01-01 00:00:00.250').ms).toBe(Date.UTC(2020, 0, 1) + 250);
    expect(parseTimestampCell('1.5e3')).toEqual({ ms: 1_500_000, kind: 'seconds' });
  });
});

describe('resampleTrace', () => {
  const t = parseTrace('t,v\n0,1\n60,2\n120,3\n180,4\n240,5\n300,6\n360,7\n');

  it('sums (or averages) consecutive steps and drops a trailing partial bucket', () => {
    const s = resampleTrace(t, 3);
    expect(s.stepMs).toBe(180_000);
    expect([...s.values]).toEqual([6, 15]);
    expect([...resampleTrace(t, 3, 'mean').values]).toEqual([2, 5]);
  });

  it('fills a bucket with a minority of missing steps by the mean of the rest, else marks it missing', () => {
    const g = parseTrace('t,v,gap\n0,1,0\n60,9,1\n120,3,0\n180,4,1\n240,5,1\n300,6,0\n');
    expect([...resampleTrace(g, 3).values]).toEqual([6, nan]);
  });
});
