/** The series name of a source's metric: `<kind>.<name>.<metric>`, e.g. `bullmq.work.wait_p95_ms`. */
export function seriesName(kind: string, name: string, metric: string): string {
  return `${kind}.${name}.${metric}`;
}

/** The `source` field of a metric and the key of a source in logs and detail: `<kind>:<name>`. */
export function sourceId(source: { kind: string; name: string }): string {
  return `${source.kind}:${source.name}`;
}
