import { describe, expect, it } from 'vitest';
import { parsePrometheusText, parsePromValue } from './prometheus-text.js';

const EXPOSITION = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# HELP help_with_escapes Line one\\nand a \\\\ backslash
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.5"} NaN
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
	indented_metric -Inf
trailing_comma{a="1",} 1
tight{a="1"}3
spaced { a = "1" , b="2" } 2
`;

describe('parsePrometheusText', () => {
  const { samples, families } = parsePrometheusText(EXPOSITION);
  const byName = (name: string) => samples.filter((s) => s.name === name);

  it('reads names, labels, values and timestamps', () => {
    expect(byName('http_requests_total')).toEqual([
      { name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027, timestamp: 1395066363000 },
      { name: 'http_requests_total', labels: { method: 'post', code: '400' }, value: 3, timestamp: 1395066363000 },
    ]);
    expect(byName('metric_without_timestamp_and_labels')).toEqual([{ name: 'metric_without_timestamp_and_labels', labels: {}, value: 12.47 }]);
    expect(byName('rpc_duration_seconds_sum')[0]?.value).toBe(17_560_473);
    expect(samples).toHaveLength(12);
    expect(byName('tight')[0]?.value).toBe(3);
  });

  it('unescapes backslashes, quotes and newlines in label values', () => {
    expect(byName('msdos_file_access_time_seconds')[0]?.labels).toEqual({ path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' });
  });

  it('reads NaN, ±Inf and negative timestamps', () => {
    expect(byName('something_weird')[0]).toEqual({ name: 'something_weird', labels: { problem: 'division by zero' }, value: Number.POSITIVE_INFINITY, timestamp: -3982045 });
    expect(byName('rpc_duration_seconds')[0]?.value).toBeNaN();
    expect(byName('indented_metric')[0]?.value).toBe(Number.NEGATIVE_INFINITY);
  });

  it('accepts a trailing comma and spaces inside the braces', () => {
    expect(byName('trailing_comma')[0]?.labels).toEqual({ a: '1' });
    expect(byName('spaced')[0]).toMatchObject({ labels: { a: '1', b: '2' }, value: 2 });
  });

  it('keeps HELP and TYPE per family', () => {
    expect(families.get('http_requests_total')).toEqual({ help: 'The total number of HTTP requests.', type: 'counter' });
    expect(families.get('help_with_escapes')?.help).toBe('Line one\nand a \\ backslash');
    expect(families.get('rpc_duration_seconds')?.type).toBe('summary');
  });

  it('reads CRLF line ends, OpenMetrics EOF and exemplars, and quoted UTF-8 names', () => {
    const text = 'a_total{x="1"} 5 # {trace_id="abc"} 1 1.5\r\n{"my.dotted.metric", "label.name"="v"} 7\r\n# EOF\r\n';
    expect(parsePrometheusText(text).samples).toEqual([
      { name: 'a_total', labels: { x: '1' }, value: 5 },
      { name: 'my.dotted.metric', labels: { 'label.name': 'v' }, value: 7 },
    ]);
  });

  it('accepts an empty exposition', () => {
    expect(parsePrometheusText('').samples).toEqual([]);
    expect(parsePrometheusText('# just a comment\n\n').samples).toEqual([]);
  });

  it('refuses malformed lines with their line number', () => {
    expect(() => parsePrometheusText('ok 1\nbad{a="1"\n')).toThrow(/^line 2: expected "," or "}" in the labels/);
    expect(() => parsePrometheusText('m{a="1} 2')).toThrow(/line 1: unterminated quoted string/);
    expect(() => parsePrometheusText('m{a=1} 2')).toThrow(/expected a quoted value for label "a"/);
    expect(() => parsePrometheusText('m{a="1",a="2"} 2')).toThrow(/label "a" appears twice/);
    expect(() => parsePrometheusText('m twelve')).toThrow(/expected a number, got "twelve"/);
    expect(() => parsePrometheusText('m 1 12.5')).toThrow(/expected a timestamp in ms, got "12.5"/);
    expect(() => parsePrometheusText('m 1 2 3')).toThrow(/unexpected "3"/);
    expect(() => parsePrometheusText('m')).toThrow(/expected a value/);
    expect(() => parsePrometheusText('m-1 2')).toThrow(/unexpected "-" after the metric name/);
    expect(() => parsePrometheusText('{a="1"} 2')).toThrow(/expected a metric name/);
    expect(() => parsePrometheusText('9m 1')).toThrow(/expected a metric name/);
    expect(() => parsePrometheusText('# TYPE m bogus')).toThrow(/unknown metric type "bogus"/);
  });
});

describe('parsePromValue', () => {
  it('reads the forms Go accepts', () => {
    expect(parsePromValue('1e3')).toBe(1000);
    expect(parsePromValue('-0.5')).toBe(-0.5);
    expect(parsePromValue('.5')).toBe(0.5);
    expect(parsePromValue('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parsePromValue('inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parsePromValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parsePromValue('NaN')).toBeNaN();
    expect(() => parsePromValue('0x10')).toThrow();
    expect(() => parsePromValue('')).toThrow();
  });
});
