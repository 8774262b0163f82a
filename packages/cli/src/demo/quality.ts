import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { ExecutorAgent } from '@awo/executor';
import { createLogger, delay, parseConfig, PlanStore, resolveRedis, Runtime, type Consumer, type StoredRevision } from '@awo/shared';
import { OrderGenerator, qualityDemoConfig, type BadPhase } from '@awo/sim';
import { AGENT_NAMES, buildAgents, startAgents } from '../agents.js';
import type { Io } from '../io.js';
import { finishDemo, watchInsights } from './support.js';

export interface QualitySummary {
  scenario: 'data-quality';
  durationS: number;
  recordsIn: number;
  recordsStored: number;
  recordsQuarantined: number;
  /** Refused by the lenient validation (none in this demo's data) and kept as rejected. */
  recordsRejected: number;
  /** Failed every attempt at a step; kept in BullMQ's failed set. */
  recordsFailed: number;
  /** Entered and never accounted for: in − stored − quarantined − rejected − failed. */
  recordsLost: number;
  badRecordsIn: number;
  /** Bad records that reached the store (before the reroute). */
  badRecordsEscaped: number;
  /** From the start of the bad phase to awo's first finding about it. */
  detectionDelayS: number | null;
  rerouteAtS: number | null;
  revertAtS: number | null;
  planRevisions: number;
  badPhase: { fromS: number; toS: number };
  traceId: string | null;
  prefix: string;
}

export interface QualityDemoOptions {
  durationS: number;
  /** Records per second. */
  rate: number;
  io: Io;
  quiet: boolean;
  keep?: boolean;
  redisUrl?: string;
}

const INSERTED = 'strict-validation';
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * `awo demo --scenario data-quality`: orders flow through the workflow at a steady rate; from 35%
 * to 60% of the run, 30% of them break a rule and the rest drift; then the data is clean again.
 * awo's four agents see it (records source → analyzer findings), reroute through
 * strict-validation + quarantine, and revert after a clean window. At the end the generator stops
 * and the demo waits (bounded) until every record is accounted for.
 */
export async function runQualityDemo(opts: QualityDemoOptions): Promise<QualitySummary> {
  const { io } = opts;
  const log = createLogger({ level: io.env.AWO_LOG_LEVEL ?? 'warn', base: { service: 'awo-demo' }, destination: pino.destination(2) });
  const redis = await resolveRedis(parseConfig({ redis: opts.redisUrl ? { url: opts.redisUrl } : {} }, io.env), log);
  const prefix = `awo-demo-${randomUUID().slice(0, 6)}`;
  const D = opts.durationS;
  const phase: BadPhase = { fromS: round1(D * 0.35), toS: round1(D * 0.6), badShare: 0.3 };
  const config = qualityDemoConfig({ prefix, redisUrl: redis.url, stabilizationMs: Math.max(5000, Math.round(D * 150)) });
  const runtime = new Runtime({ config, redisUrl: redis.url, log, env: io.env });
  const agents = buildAgents(runtime, AGENT_NAMES);
  const executor = agents.find((a): a is ExecutorAgent => a instanceof ExecutorAgent);
  if (!executor) throw new Error('the demo has no executor');
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  const orders = new OrderGenerator(phase);
  const counts = async () => Object.fromEntries(Object.entries(await runtime.redis.hgetall(runtime.keys.workflowCounts)).map(([k, v]) => [k, Number(v)])) as Record<string, number>;
  let start = Date.now();
  let detectedAt: number | undefined;
  let latest = new Map<string, number>();
  let watcher: Consumer | undefined;
  try {
    await startAgents(agents);
    watcher = await watchInsights(runtime, (i) => {
      const t = (Date.now() - start) / 1000;
      const bad = (i.kind === 'data-quality' && i.violated) || (i.kind === 'anomaly' && i.anomalous);
      if (bad && detectedAt === undefined && t >= phase.fromS) detectedAt = t;
      if (i.kind === 'data-quality') latest.set(`${i.check}:${i.series}`, i.value);
    });
    if (!opts.quiet) io.out(`awo data-quality demo: Redis ${redis.origin} (${redis.url}), prefix ${prefix}; ${opts.rate} orders/s for ${D}s; bad data from ${phase.fromS}s to ${phase.toS}s`);
    start = Date.now();
    const tickMs = 100;
    let owed = 0;
    let lastStatus = start;
    for (let tick = 0; !io.signal.aborted; tick++) {
      const t = (Date.now() - start) / 1000;
      if (t >= D) break;
      owed += (opts.rate * tickMs) / 1000;
      const n = Math.floor(owed);
      owed -= n;
      if (n > 0) await executor.workflow.submit(orders.next(n, t, Date.now()));
      if (!opts.quiet && Date.now() - lastStatus >= 1000) {
        lastStatus = Date.now();
        await status(io, t, store, counts, latest);
        latest = new Map();
      }
      await delay(Math.max(0, start + (tick + 1) * tickMs - Date.now()), io.signal);
    }
    // Every record that entered must end somewhere: wait (bounded) for the last ones.
    const until = Date.now() + 30_000;
    for (;;) {
      const c = await counts();
      const settled = (c['out:store'] ?? 0) + (c['out:quarantine'] ?? 0) + (c.rejected ?? 0) + (c.failed ?? 0);
      if (settled >= (c.in ?? 0) || Date.now() > until || io.signal.aborted) break;
      if (!opts.quiet) io.err(`waiting for the last ${(c.in ?? 0) - settled} records to finish…`);
      await delay(500, io.signal).catch(() => undefined);
    }
  } finally {
    await watcher?.close();
  }
  const c = await counts();
  const history = (await store.history(10_000)).reverse();
  const at = (r: StoredRevision | undefined) => (r ? round1((r.revision.at - start) / 1000) : null);
  const reroute = history.find((h) => h.revision.changes.some((ch) => ch.op === 'add-step' && ch.step === INSERTED));
  const revert = history.find((h) => reroute && h.revision.version > reroute.revision.version && h.revision.changes.some((ch) => ch.op === 'remove-step' && ch.step === INSERTED));
  const stored = c['out:store'] ?? 0;
  const quarantined = c['out:quarantine'] ?? 0;
  const summary: QualitySummary = {
    scenario: 'data-quality',
    durationS: Math.round((Date.now() - start) / 1000),
    recordsIn: c.in ?? 0,
    recordsStored: stored,
    recordsQuarantined: quarantined,
    recordsRejected: c.rejected ?? 0,
    recordsFailed: c.failed ?? 0,
    recordsLost: (c.in ?? 0) - stored - quarantined - (c.rejected ?? 0) - (c.failed ?? 0),
    badRecordsIn: orders.bad,
    badRecordsEscaped: await countIds(runtime, runtime.keys.sink('store'), 'bad-'),
    detectionDelayS: detectedAt === undefined ? null : round1(detectedAt - phase.fromS),
    rerouteAtS: at(reroute),
    revertAtS: at(revert),
    planRevisions: history.length,
    badPhase: { fromS: phase.fromS, toS: phase.toS },
    traceId: reroute?.revision.trace?.traceId ?? null,
    prefix,
  };
  await finishDemo({ agents, runtime, redis, prefix, keep: opts.keep, log });
  return summary;
}

async function status(io: Io, t: number, store: PlanStore, counts: () => Promise<Record<string, number>>, latest: Map<string, number>): Promise<void> {
  const [plan, c] = await Promise.all([store.current(), counts()]);
  const nulls = latest.get('limit:records.orders.null_rate');
  const drift = latest.get('drift:records.orders.value.amount');
  const route = INSERTED in plan.steps ? 'validate → strict-validation → enrich' : 'validate → enrich';
  io.out(
    `t=${String(Math.floor(t)).padStart(4)}s  in ${String(c.in ?? 0).padStart(6)}  stored ${String(c['out:store'] ?? 0).padStart(6)}  quarantined ${String(c['out:quarantine'] ?? 0).padStart(5)}  ${nulls !== undefined ? `null_rate ${nulls.toFixed(3)}  ` : ''}${drift !== undefined ? `drift ${drift.toFixed(2)}  ` : ''}plan v${plan.version}: ${route}`,
  );
}

/** Entries of a sink stream whose record id starts with `prefix`, read in pages. */
async function countIds(runtime: Runtime, stream: string, prefix: string): Promise<number> {
  let count = 0;
  let from = '-';
  for (;;) {
    const page = (await runtime.redis.xrange(stream, from, '+', 'COUNT', 1000)) as [string, string[]][];
    for (const [, fields] of page) if (fields[fields.indexOf('id') + 1]?.startsWith(prefix)) count++;
    if (page.length < 1000) return count;
    from = `(${page[page.length - 1]![0]}`;
  }
}
