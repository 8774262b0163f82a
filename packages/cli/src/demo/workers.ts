import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { ExecutorAgent } from '@awo/executor';
import { createLogger, delay, paramOf, parseConfig, PlanStore, QUEUES, resolveRedis, Runtime } from '@awo/shared';
import { Arrivals, autoscaleDemoConfig, defaultShape, rateAt, SloMeter, spawnMember, type MemberMessage, type MemberProcess } from '@awo/sim';
import { readMembers, splitShares } from '@awo/worker';
import { AGENT_NAMES, buildAgents, startAgents } from '../agents.js';
import type { Io } from '../io.js';
import { finishDemo } from './support.js';

export interface WorkersSummary {
  scenario: 'workers';
  durationS: number;
  sloAttainment: number;
  traceId: string | null;
  /** The most live members seen at once. */
  members: number;
  /** From the SIGKILL of a member until the live members ran exactly their shares of the plan again (s). */
  convergeAfterKillS: number | null;
  /** From a new member's join (its `start()` resolved) until it ran its share and the others theirs (s). */
  convergeAfterJoinS: number | null;
  /** How long the new member's process took to start and join (s; from source through tsx, slow on a busy machine). */
  joinStartS: number | null;
  /** The most the members' summed concurrency exceeded the plan, over every sample. */
  maxConcurrencyOverPlan: number;
  /** The largest share one member had (the bound `maxConcurrencyOverPlan` is judged against). */
  maxShare: number;
  /** Differences between the world (the members' summed concurrency) and the plan that the executor's resync corrected. */
  driftCorrected: number;
  ttlMs: number;
  jobs: number;
  planRevisions: number;
  prefix: string;
}

export interface WorkersDemoOptions {
  durationS: number;
  dayS: number;
  io: Io;
  quiet: boolean;
  keep?: boolean;
  redisUrl?: string;
  /** NATS for plan notices (default nats://127.0.0.1:4222; the members converge without it too). */
  nats?: string;
}

const TTL_MS = 3000;
const HEARTBEAT_MS = 500;

/**
 * `awo demo --scenario workers`: the autoscale workload worked off by three real `@awo/worker`
 * processes (no managed pool); the planner sizes the step, each member runs its share. A quarter
 * of the way in one member is killed with SIGKILL; half way a new one starts. Samples the
 * members in Redis every 100 ms for convergence and for the sum against the plan.
 */
export async function runWorkersDemo(opts: WorkersDemoOptions): Promise<WorkersSummary> {
  const { io } = opts;
  const log = createLogger({ level: io.env.AWO_LOG_LEVEL ?? 'warn', base: { service: 'awo-demo' }, destination: pino.destination(2) });
  const redis = await resolveRedis(parseConfig({ redis: opts.redisUrl ? { url: opts.redisUrl } : {} }, io.env), log);
  const prefix = `awo-demo-${randomUUID().slice(0, 6)}`;
  const settings = { prefix, redisUrl: redis.url, targetMs: 1000, serviceMs: 100, startupDelayMs: 1000, dayS: opts.dayS };
  const config = autoscaleDemoConfig(settings, { pool: { initial: 3, max: 60 }, workers: { nats: opts.nats ?? io.env.AWO_NATS_URL ?? 'nats://127.0.0.1:4222' } });
  const runtime = new Runtime({ config, redisUrl: redis.url, log, env: io.env });
  const agents = buildAgents(runtime, AGENT_NAMES);
  let start = Date.now();
  let slo = new SloMeter(settings.targetMs, start);
  const onMessage = (m: MemberMessage) => m.kind === 'start' && slo.jobStarted(m.waitMs, m.at);
  const members: MemberProcess[] = [];
  const spawn = (id: string) => {
    const m = spawnMember({ id, config, ttl: TTL_MS, heartbeat: HEARTBEAT_MS, recheck: 2000, logLevel: io.env.AWO_LOG_LEVEL ?? 'warn', onMessage });
    members.push(m);
    return m;
  };
  const queue = new Queue(QUEUES.demo, { connection: runtime.connect('load'), prefix: runtime.keys.queuePrefix(QUEUES.demo) });
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  const shape = defaultShape(opts.dayS);
  const arrivals = new Arrivals();
  const killAtS = opts.durationS / 4;
  const joinAtS = opts.durationS / 2;
  let jobs = 0;
  let most = 0;
  let over = 0;
  let maxShare = 0;
  let killedAt: number | undefined;
  let joinedAt: number | undefined;
  let joining: MemberProcess | undefined;
  let joinStartS: number | null = null;
  let durationMs = 0;
  let afterKill: number | null = null;
  let afterJoin: number | null = null;
  try {
    await startAgents(agents);
    // The load starts once the three processes have joined (starting them from source takes a while).
    await Promise.all(['m1', 'm2', 'm3'].map((id) => spawn(id).started));
    start = Date.now();
    slo = new SloMeter(settings.targetMs, start);
    if (!opts.quiet) io.out(`awo workers demo: Redis ${redis.origin}, prefix ${prefix}; three @awo/worker processes (TTL ${TTL_MS}ms); SIGKILL one at ${killAtS.toFixed(0)}s, start one at ${joinAtS.toFixed(0)}s`);
    const tickMs = 100;
    let lastStatus = start;
    for (let tick = 0; !io.signal.aborted; tick++) {
      const t = (Date.now() - start) / 1000;
      // A new member still starting or converging at the end gets up to 30 s more (the summary says how long it ran).
      if (t >= opts.durationS && (joining === undefined || afterJoin !== null || t >= opts.durationS + 30)) break;
      const n = arrivals.next(rateAt(shape, t), tickMs / 1000);
      if (n > 0) {
        await queue.addBulk(Array.from({ length: n }, () => ({ name: 'job', data: { serviceMs: settings.serviceMs }, opts: { removeOnComplete: { age: 120, count: 5000 }, removeOnFail: { age: 600 } } })));
        jobs += n;
      }
      if (killedAt === undefined && t >= killAtS) {
        killedAt = Date.now();
        await members[0]?.kill('SIGKILL');
      }
      if (joining === undefined && t >= joinAtS) {
        const spawned = Date.now();
        joining = spawn('m4');
        void joining.started.then(() => {
          joinedAt = Date.now();
          joinStartS = (joinedAt - spawned) / 1000;
        });
      }
      // The world against the plan: the plan first, then the members, so a plan committed between
      // the two reads is not compared with members that could not have seen it yet.
      const plan = await store.current();
      const live = await readMembers(runtime.redis, runtime.keys, 'work');
      const total = paramOf(plan, 'work', 'concurrency');
      const running = live.members.reduce((s, m) => s + m.info.concurrency, 0);
      most = Math.max(most, live.members.length);
      if (typeof total === 'number') {
        over = Math.max(over, running - total);
        const want = splitShares(total, live.members.filter((m) => m.info.ready).map((m) => m.id));
        maxShare = Math.max(maxShare, ...want.values());
        const converged = live.members.every((m) => m.info.concurrency === (want.get(m.id) ?? 0));
        if (killedAt !== undefined && afterKill === null && converged && !live.members.some((m) => m.id === 'm1')) afterKill = (Date.now() - killedAt) / 1000;
        if (joinedAt !== undefined && afterJoin === null && converged && (want.get('m4') ?? 0) > 0 && live.members.some((m) => m.id === 'm4' && m.info.concurrency > 0)) afterJoin = (Date.now() - joinedAt) / 1000;
      }
      if (tick % 5 === 0) {
        const ts = (await queue.getJobs(['wait'], 0, 0, true))[0]?.timestamp ?? NaN;
        if (Number.isFinite(ts)) slo.oldestWaiting(Date.now() - ts);
      }
      if (!opts.quiet && Date.now() - lastStatus >= 1000) {
        const second = Math.floor((lastStatus - start) / 1000);
        const p95 = slo.p95Of(second);
        io.out(`t=${String(second).padStart(4)}s  plan v${plan.version} ${String(total).padStart(3)}  members ${live.members.map((m) => `${m.id}:${m.info.concurrency}`).join(' ').padEnd(24)}  wait p95 ${p95 === undefined ? '     -' : `${Math.round(p95)}ms`.padStart(7)}`);
        lastStatus = Date.now();
      }
      await delay(Math.max(0, start + (tick + 1) * tickMs - Date.now()), io.signal);
    }
    durationMs = Date.now() - start;
  } finally {
    await Promise.all(members.map((m) => m.kill('SIGTERM')));
    await queue.close();
  }
  const history = await store.history(10_000);
  const summary: WorkersSummary = {
    scenario: 'workers',
    durationS: Math.round(durationMs / 1000),
    sloAttainment: Math.round(slo.attainment(Math.floor(durationMs / 1000)) * 10_000) / 10_000,
    traceId: history.find((h) => h.revision.trace)?.revision.trace?.traceId ?? null,
    members: most,
    convergeAfterKillS: afterKill === null ? null : Math.round(afterKill * 100) / 100,
    convergeAfterJoinS: afterJoin === null ? null : Math.round(afterJoin * 100) / 100,
    joinStartS: joinStartS === null ? null : Math.round(joinStartS * 100) / 100,
    maxConcurrencyOverPlan: Math.max(0, over),
    maxShare,
    driftCorrected: agents.find((a): a is ExecutorAgent => a instanceof ExecutorAgent)?.metrics().executor_drift_total ?? 0,
    ttlMs: TTL_MS,
    jobs,
    planRevisions: history.length,
    prefix,
  };
  await finishDemo({ agents, runtime, redis, prefix, keep: opts.keep, log });
  return summary;
}
