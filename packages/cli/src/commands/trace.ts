import { decode, formatMicros, indexSpans, parseTraceparent, readSpans, renderTrace, upstreamChain, type Runtime } from '@awo/shared';
import { parse, UsageError } from '../args.js';
import type { Io } from '../io.js';
import { withStoreRuntime } from './store-runtime.js';

/**
 * `awo trace <traceId>`: the trace as a tree, links followed. `awo trace --last-action`: the
 * chain of the newest action, metric → insight → plan revision → action → result, with the
 * latency of each hop. Reads the spans awo keeps in Redis (no collector needed).
 */
export async function traceCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { 'last-action': { type: 'boolean', default: false } });
  const traceId = positionals[0];
  if (!values['last-action'] && !(traceId && /^[0-9a-f]{32}$/.test(traceId))) throw new UsageError('usage: awo trace <traceId> | awo trace --last-action [--config <file>] [--json]');
  return withStoreRuntime(values.config, io, async (runtime) => {
    const spans = await readSpans(runtime.redis, runtime.keys.spans, runtime.config.telemetry.spanStore.maxLen);
    const byId = indexSpans(spans);
    if (!values['last-action']) {
      const lines = renderTrace(traceId as string, spans, byId);
      if (lines.length === 0) {
        io.err(`trace ${traceId}: no spans kept (the span store keeps the newest ${runtime.config.telemetry.spanStore.maxLen})`);
        return 1;
      }
      if (values.json) io.out(JSON.stringify(spans.filter((s) => s.traceId === traceId)));
      else lines.forEach((l) => io.out(l));
      return 0;
    }
    return lastAction(runtime, byId, io, values.json);
  });
}

async function lastAction(runtime: Runtime, byId: ReturnType<typeof indexSpans>, io: Io, json: boolean): Promise<number> {
  const [entry] = (await runtime.redis.xrevrange(runtime.keys.stream('results'), '+', '-', 'COUNT', 1)) as [string, string[]][];
  if (!entry) {
    io.err('no action has run yet (the results stream is empty)');
    return 1;
  }
  const d = decode('results', entry[1]);
  const ctx = d.ok ? parseTraceparent(d.headers.traceparent) : undefined;
  const start = ctx ? byId.get(ctx.spanId) : undefined;
  if (!d.ok || !start) {
    io.err(`the newest action result ${entry[0]} has no trace kept${d.ok ? '' : ` (${d.reason})`}`);
    return 1;
  }
  const chain = upstreamChain(start, byId).reverse();
  const t0 = chain[0]?.startUs ?? 0;
  const hops = chain.map((s, i) => ({
    service: s.service,
    name: s.name,
    traceId: s.traceId,
    spanId: s.spanId,
    atMs: (s.startUs - t0) / 1000,
    sincePrevMs: i === 0 ? 0 : (s.startUs - (chain[i - 1] as typeof s).startUs) / 1000,
  }));
  const result = { action: d.message.action, version: d.message.version, ok: d.message.ok, totalMs: hops.at(-1)?.atMs ?? 0, hops };
  if (json) {
    io.out(JSON.stringify(result));
    return 0;
  }
  io.out(`newest action: ${d.message.action} (plan v${d.message.version}) ${d.message.ok ? 'ok' : `failed: ${d.message.error ?? ''}`}; ${formatMicros(result.totalMs * 1000)} from the first metric to the result`);
  for (const h of hops) io.out(`  +${h.atMs.toFixed(1).padStart(8)}ms  (+${h.sincePrevMs.toFixed(1)}ms)  ${h.service.padEnd(13)} ${h.name}   trace ${h.traceId}`);
  return 0;
}
