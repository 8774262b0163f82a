import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster as RedisCluster, Redis } from 'ioredis';
import { keys as makeKeys, metricsStreams, partitionOf, type Keys, type RedisClient } from '@awo/shared';
import { Ledger, startRedisCluster, startRedisServer, type RedisClusterHandle, type RedisServer } from '@awo/testkit';

const AWO = new URL('../../packages/cli/bin/awo.js', import.meta.url).pathname;

/** The agents `awo <agent>` runs, one per process. */
export type AgentName = 'monitor' | 'analyzer' | 'planner' | 'executor';

/** One `awo <agent> --config <file>` child process, its output parsed as JSON log lines. */
export class AgentProcess {
  readonly child: ChildProcess;
  readonly startedAt = Date.now();
  /** Arrival times (ms) of error and fatal lines. */
  readonly errors: number[] = [];
  output = '';

  constructor(
    readonly agent: AgentName,
    configFile: string,
  ) {
    this.child = spawn(process.execPath, [AWO, agent, '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (/"level":"(error|fatal)"/.test(line)) this.errors.push(Date.now());
        if (this.output.length < 200_000) this.output += `${line}\n`;
      }
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9: no drain, no acks, no lease release. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }
}

export interface GroupState {
  lag: number;
  pending: number;
  entriesRead: number;
}

/** The revisions group of the executor process `pid` (`executor.executor-<pid>-<hex>`: one group per process). */
export async function executorGroupOf(redis: RedisClient, key: string, pid: number): Promise<string | undefined> {
  const rows = (await redis.xinfo('GROUPS', key).catch(() => [])) as unknown[][];
  const names = rows.map((row) => String(row[row.indexOf('name') + 1]));
  return names.find((n) => n.startsWith(`executor.executor-${pid}-`));
}

export async function groupState(redis: RedisClient, key: string, group: string): Promise<GroupState | undefined> {
  let rows: unknown[][];
  try {
    rows = (await redis.xinfo('GROUPS', key)) as unknown[][];
  } catch {
    return undefined;
  }
  for (const row of rows) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i + 1 < row.length; i += 2) o[String(row[i])] = row[i + 1];
    if (o.name === group) return { lag: o.lag === null ? Number.NaN : Number(o.lag), pending: Number(o.pending), entriesRead: Number(o['entries-read'] ?? 0) };
  }
  return undefined;
}

export interface HarnessOptions {
  /**
   * A real Redis Cluster (three masters, three replicas; `redis.cluster` in the agents' config)
   * instead of one redis-server; with it, `partitions` 4 and `perAgent` 2 unless given.
   */
  redisCluster?: boolean;
  /** `bus.partitions` (default 1). */
  partitions?: number;
  /** Processes of each agent (default 1). */
  perAgent?: number;
}

/** Series of the load with `bus.partitions` P > 1: 2P of them, so every partition gets some. */
const loadSeries = (seq: number, partitions: number) => (partitions > 1 ? `chaos.load.${seq % (2 * partitions)}` : 'chaos.load');

/**
 * A test-owned Redis (AOF with fsync on every write, so even kill -9 keeps what it answered) or a
 * test-owned Redis Cluster, the agents as child processes, a steady metric load and the ledger.
 */
export class Cluster {
  readonly prefix = `chaos-${Math.random().toString(36).slice(2, 10)}`;
  readonly keys: Keys = makeKeys(this.prefix);
  readonly dir = mkdtempSync(join(tmpdir(), 'awo-chaos-'));
  readonly ledger = new Ledger();
  readonly procs: AgentProcess[] = [];
  /** Every exited agent's error times, kept for the error-rate figures. */
  readonly pastErrors: number[] = [];
  readonly redisCluster: boolean;
  readonly partitions: number;
  readonly perAgent: number;
  server!: RedisServer;
  /** With `redisCluster`: the cluster's nodes (masterOf, killMaster, waitFailover). */
  nodes: RedisClusterHandle | undefined;
  redis!: RedisClient;
  configFile = '';
  port = 0;
  /** seq → the scenario it was published in; only seqs whose XADD Redis answered. */
  readonly published = new Map<number, string>();
  scenario = 'warmup';
  #seq = 0;
  /** Replicas of the shard of each metrics stream, as its master last said (cluster only). */
  readonly #replicas = new Map<string, number>();
  /** The highest seq whose XADD Redis answered. */
  lastPublished = 0;
  #loading: Promise<void> | undefined;
  #stopLoad = false;

  constructor(options: HarnessOptions = {}) {
    this.redisCluster = options.redisCluster ?? false;
    this.partitions = options.partitions ?? (this.redisCluster ? 4 : 1);
    this.perAgent = options.perAgent ?? (this.redisCluster ? 2 : 1);
  }

  async start(): Promise<void> {
    const url = await this.ledger.start();
    let redisConfig: Record<string, unknown>;
    if (this.redisCluster) {
      this.nodes = await startRedisCluster();
      // A killed master refuses connections until its replica is promoted: callers retry
      // (the load) or wait on a bound. The client re-reads the slot map on MOVED and CLUSTERDOWN,
      // and every 500 ms: a refused connection does not make it re-read, and the load must not
      // wait for the default 5 s to find the promoted replica (its figures are the agents').
      const cluster = new RedisCluster(this.nodes.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })), {
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        retryDelayOnMoved: 50,
        slotsRefreshTimeout: 2000,
        slotsRefreshInterval: 500,
        clusterRetryStrategy: () => 100,
        redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 1000 },
      });
      this.redis = cluster;
      redisConfig = { cluster: this.nodes.seeds, connectTimeout: '1s' };
    } else {
      await this.startRedis(true);
      this.redis = new Redis(this.server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
      redisConfig = { url: this.server.url, connectTimeout: '1s' };
    }
    this.redis.on('error', () => undefined);
    this.configFile = join(this.dir, 'awo.yaml');
    // http actions run only on signed plans: the agents share a key file, as `awo keys init` writes it.
    const keyFile = join(this.dir, 'signing.key');
    writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    // Scaled out (more than one of each agent, or partitions): leases as short as the planner's,
    // so a dead analyzer's partitions and a dead executor's membership move on soon. The single
    // run keeps the defaults it always had.
    const scaled = this.perAgent > 1 || this.partitions > 1;
    // JSON is YAML.
    writeFileSync(
      this.configFile,
      JSON.stringify({
        prefix: this.prefix,
        redis: redisConfig,
        log: { level: 'info' },
        bus: { block: 200, ackInterval: 5, claimInterval: 200, claimMinIdle: '1s', closeGrace: '2s', ...(scaled ? { partitions: this.partitions } : {}) },
        ...(scaled ? { analyzer: { leaseTtl: '2s' } } : {}),
        telemetry: { spanStore: { enabled: false } },
        workflow: { steps: { work: { params: { concurrency: 1 }, apply: { concurrency: 'hook' } } } },
        monitor: { interval: '200ms', lease: '2s', sources: [{ kind: 'http-json', name: 'load', url: `${url}/load`, path: 'arrival', metric: 'arrival', timeout: '150ms' }] },
        planner: {
          lease: '2s',
          evaluateInterval: '200ms',
          goals: [
            {
              kind: 'autoscale', name: 'load', step: 'work', metric: 'http-json.load.wait', target: 1000,
              arrivalSeries: 'http-json.load.arrival', completionSeries: 'none.done', activeSeries: 'none.active', backlogSeries: 'none.waiting',
              min: 1, max: 8, initialThroughput: 1, targetUtilization: 1, cooldown: '100ms', scaleDownStabilization: '100ms', maxStep: 8, staleAfter: '1s', fallback: { fixed: 2 },
            },
          ],
        },
        executor: { attempts: 3, backoff: '200ms', closeGrace: '2s', ...(scaled ? { poolLease: '2s' } : {}), actions: { hook: { kind: 'http', url: `${url}/hook`, timeout: '2s' } } },
        signing: { keyFile },
      }),
    );
    for (let i = 0; i < this.perAgent; i++) for (const agent of ['executor', 'planner', 'analyzer', 'monitor'] as const) this.spawn(agent);
  }

  /** The seq of the newest metric the load made (published or still being retried). */
  get lastSeq(): number {
    return this.#seq;
  }

  /** The streams the metrics land in: the metrics stream, or each partition's. */
  metricsStreams(): string[] {
    return metricsStreams(this.keys, this.partitions);
  }

  /** The stream a series' metrics land in. */
  metricsStreamOf(series: string): string {
    return this.metricsStreams()[partitionOf(series, this.partitions)] ?? this.keys.stream('metrics');
  }

  /** Starts (or restarts, on the same port and dir) the Redis: with AOF, or with no persistence at all. */
  async startRedis(persistent: boolean): Promise<void> {
    const args = persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no', '--save', ''];
    if (!persistent) rmSync(join(this.dir, 'appendonlydir'), { recursive: true, force: true });
    this.server = await startRedisServer({ ...(this.port ? { port: this.port } : {}), dir: this.dir, args });
    this.port = this.server.port;
  }

  spawn(agent: AgentName): AgentProcess {
    const p = new AgentProcess(agent, this.configFile);
    this.procs.push(p);
    return p;
  }

  live(agent: AgentName): AgentProcess[] {
    return this.procs.filter((p) => p.agent === agent && p.alive);
  }

  async kill(p: AgentProcess): Promise<void> {
    await p.kill();
    this.pastErrors.push(...p.errors);
  }

  /**
   * Appends one metric; true once Redis answered it. On the cluster, once every replica of its
   * shard has it too: Redis replicates asynchronously, so a master killed -9 may take with it a
   * write it answered but had not sent on, and a producer that must not lose one waits for the
   * replicas (WAIT), as this one does. XADD, WAIT for the replicas the shard had last time, and
   * INFO replication go to the same node in one pipeline; a replica promoted after its master
   * died has none left, and from then on its writes count as they are answered.
   */
  async #append(key: string, data: string): Promise<boolean> {
    if (!this.redisCluster) return (await this.redis.xadd(key, '*', 'data', data)) !== null;
    const want = this.#replicas.get(key) ?? 1;
    const replies = await this.redis.pipeline().xadd(key, '*', 'data', data).call('WAIT', want, 1000).info('replication').exec();
    const [added, waited, info] = replies ?? [];
    if (!added || added[0] || !waited || waited[0] || !info || info[0]) return false;
    const connected = /^connected_slaves:(\d+)/m.exec(String(info[1]));
    if (connected) this.#replicas.set(key, Number(connected[1]));
    return Number(waited[1]) >= want;
  }

  /** Publishes numbered metrics at `perSecond`, retrying each until Redis answers it. */
  startLoad(perSecond = 200): void {
    this.#stopLoad = false;
    this.#loading = (async () => {
      const tickMs = 50;
      const per = Math.max(1, Math.round((perSecond * tickMs) / 1000));
      for (let t = Date.now(); !this.#stopLoad; t += tickMs) {
        for (let i = 0; i < per && !this.#stopLoad; i++) {
          const seq = ++this.#seq;
          const scenario = this.scenario;
          const series = loadSeries(seq, this.partitions);
          const key = this.metricsStreamOf(series);
          const data = JSON.stringify({ v: 1, series, value: seq, ts: Date.now(), source: 'chaos', labels: { seq: String(seq) } });
          for (;;) {
            try {
              if (!(await this.#append(key, data))) throw new Error('not answered (or not replicated)');
              this.published.set(seq, scenario);
              this.lastPublished = Math.max(this.lastPublished, seq);
              break;
            } catch {
              if (this.#stopLoad) break;
              await new Promise((r) => setTimeout(r, 50));
            }
          }
        }
        await new Promise((r) => setTimeout(r, Math.max(0, t + tickMs - Date.now())));
      }
    })();
  }

  async stopLoad(): Promise<void> {
    this.#stopLoad = true;
    await this.#loading;
  }

  /** The analyzer group has read and acked everything, in every metrics stream: lag 0 and nothing pending. */
  async drained(): Promise<boolean> {
    for (const key of this.metricsStreams()) {
      const s = await groupState(this.redis, key, 'analyzer');
      if (s === undefined || s.lag !== 0 || s.pending !== 0) return false;
    }
    return true;
  }

  /** The load's seqs now in the metrics stream (all acked by the analyzer once `drained()`). */
  async presentSeqs(): Promise<Set<number>> {
    const out = new Set<number>();
    for (const key of this.metricsStreams()) {
      let start = '-';
      for (;;) {
        const entries = (await this.redis.xrange(key, start, '+', 'COUNT', 5000)) as [string, string[]][];
        for (const [, fields] of entries) {
          const data = fields[1] ?? '';
          const m = /"seq":"(\d+)"/.exec(data);
          if (m && fields[0] === 'data') out.add(Number(m[1]));
        }
        if (entries.length < 5000) break;
        start = `(${(entries.at(-1) as [string, string[]])[0]}`;
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.stopLoad().catch(() => undefined);
    await Promise.all(this.procs.map((p) => p.kill('SIGKILL')));
    this.redis?.disconnect();
    await this.server?.stop('SIGKILL');
    await this.nodes?.stop();
    await this.ledger.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
