import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { waitFor } from '@awo/testkit';
import { masterFailover } from './cluster.js';
import { Cluster } from './harness.js';
import { account, killAgent, leaderFailover, redisRestart, silentSource, type ScenarioResult } from './scenarios.js';

export interface ChaosSummary {
  published: number;
  processed: number;
  lost: number;
  duplicateActions: number;
  /** The longest recovery of any scenario, in seconds. */
  recoveryS: number;
  /** Idempotency-Keys that named two different actions (plan versions reused after Redis lost its data). */
  reusedIdempotencyKeys: string[];
  durationS: number;
  scenarios: ScenarioResult[];
  /** `--cluster`: seconds from the kill of the control slot's master until its replica serves it and the agents made progress again. */
  masterFailoverS?: number;
}

export interface ChaosOptions {
  /** How long each scenario runs steady before and after its fault. */
  steadyMs?: number;
  /** After the scenarios, keep killing agents round-robin for this long. */
  soakS?: number;
  metricsPerSecond?: number;
  /** Progress lines (not the figures). */
  log?: (line: string) => void;
  /**
   * On a real Redis Cluster (three masters, three replicas) with `bus.partitions` 4 and two of
   * each agent: each agent kind killed in turn (its twin carries on), then the master of the
   * control slot. Without it: one of each agent on one Redis, and the Redis restarts.
   */
  cluster?: boolean;
}

/** Runs every scenario on one cluster (real processes, a test-owned Redis) and sums the figures. */
export async function runChaos(options: ChaosOptions = {}): Promise<ChaosSummary> {
  const steadyMs = options.steadyMs ?? 2000;
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const c = new Cluster({ redisCluster: options.cluster ?? false });
  const scenarios: ScenarioResult[] = [];
  const run = async (s: Promise<ScenarioResult>) => {
    const r = await s;
    scenarios.push(r);
    log(`${r.name}: published ${r.published}, processed ${r.processed}, lost ${r.lost}, duplicate actions ${r.duplicateActions}, recovery ${r.recoveryS} s`);
  };
  try {
    await c.start();
    c.startLoad(options.metricsPerSecond ?? 200);
    await waitReady(c);
    for (const agent of ['analyzer', 'monitor', 'planner', 'executor'] as const) await run(killAgent(c, agent, steadyMs));
    if (options.cluster) {
      await run(masterFailover(c, steadyMs));
    } else {
      await run(leaderFailover(c, steadyMs));
      await run(silentSource(c));
      await run(redisRestart(c, true, steadyMs));
    }
    const soakUntil = Date.now() + (options.soakS ?? 0) * 1000;
    for (let i = 0; Date.now() < soakUntil; i++) await run(killAgent(c, (['analyzer', 'executor', 'monitor', 'planner'] as const)[i % 4] ?? 'analyzer', steadyMs));
    // The load between scenarios, while everything is still in Redis.
    const between = 'steady load between scenarios';
    scenarios.push({ name: between, ...(await account(c, between)), duplicateActions: 0, recoveryS: 0, recoveredWhen: 'no fault' });
    // Last: this one throws the data away (and with it the earlier scenarios' streams).
    if (!options.cluster) await run(redisRestart(c, false, steadyMs));
    await c.stopLoad();
    const failover = scenarios.find((s) => typeof s.masterFailoverS === 'number');
    return {
      published: scenarios.reduce((n, s) => n + s.published, 0),
      processed: scenarios.reduce((n, s) => n + s.processed, 0),
      lost: scenarios.reduce((n, s) => n + s.lost, 0),
      duplicateActions: scenarios.reduce((n, s) => n + s.duplicateActions, 0),
      recoveryS: Math.max(...scenarios.map((s) => s.recoveryS)),
      reusedIdempotencyKeys: c.ledger.reusedKeys(),
      durationS: Math.round((Date.now() - started) / 1000),
      scenarios,
      ...(failover ? { masterFailoverS: failover.masterFailoverS as number } : {}),
    };
  } catch (err) {
    const json = (p: (typeof c.procs)[number]) => p.output.split('\n').filter((l) => l.startsWith('{')).slice(-12).join('\n');
    const tail = c.procs
      .map((p) => {
        const file = join(tmpdir(), `awo-chaos-${p.agent}-${p.pid}.log`);
        writeFileSync(file, p.output);
        return `--- ${p.agent} ${p.pid} ${p.alive ? 'alive' : 'dead'} (full output: ${file})\n${json(p)}`;
      })
      .join('\n');
    throw new Error(`${(err as Error).message}\n${tail}`, { cause: err });
  } finally {
    await c.close();
  }
}

/** The four agents up: a revision acted on by the executor and the analyzer group drained. */
async function waitReady(c: Cluster): Promise<void> {
  c.ledger.arrival = 2;
  await waitFor(() => c.ledger.total > 0, 'the first action (all four agents up)', 60_000, 50);
  await waitFor(() => c.drained(), 'the analyzer to catch up', 30_000, 50);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false }, soak: { type: 'string' }, cluster: { type: 'boolean', default: false } }, strict: true });
  const soakS = values.soak === undefined ? 0 : Number(values.soak);
  if (!Number.isFinite(soakS) || soakS < 0) throw new Error(`--soak expects seconds, got ${values.soak}`);
  const summary = await runChaos({ soakS, cluster: values.cluster, log: values.json ? undefined : (l) => console.error(l) });
  // One line: `npm run test:chaos -- --json | tail -n 1`, or `npm run -s ...` without npm's banner.
  if (values.json) console.log(JSON.stringify(summary));
  else {
    for (const s of summary.scenarios) console.log(`${s.name.padEnd(36)} published ${s.published}  processed ${s.processed}  lost ${s.lost}  duplicate actions ${s.duplicateActions}  recovery ${s.recoveryS} s (${s.recoveredWhen})`);
    console.log(`total: published ${summary.published}, processed ${summary.processed}, lost ${summary.lost}, duplicate actions ${summary.duplicateActions}, max recovery ${summary.recoveryS} s, ${summary.durationS} s${summary.masterFailoverS === undefined ? '' : `, master failover ${summary.masterFailoverS} s`}`);
  }
  return summary.lost === 0 && summary.duplicateActions === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === new URL(process.argv[1], 'file://').href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error((err as Error).message);
      process.exitCode = 2;
    },
  );
}
