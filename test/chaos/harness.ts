import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { keys as makeKeys, type Keys, type RedisClient } from '@awo/shared';
import { Ledger, startRedisServer, type RedisServer } from '@awo/testkit';

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

/**
 * A test-owned Redis (AOF with fsync on every write, so even kill -9 keeps what it answered),
 * the four agents as child processes, a steady metric load and the ledger.
 */
export class Cluster {
  readonly prefix = `chaos-${Math.random().toString(36).slice(2, 10)}`;
  readonly keys: Keys = makeKeys(this.prefix);
  readonly dir = mkdtempSync(join(tmpdir(), 'awo-chaos-'));
  readonly ledger = new Ledger();
  readonly procs: AgentProcess[] = [];
  /** Every exited agent's error times, kept for the error-rate figures. */
  readonly pastErrors: number[] = [];
  server!: RedisServer;
  redis!: Redis;
  configFile = '';
  port = 0;
  /** seq → the scenario it was published in; only seqs whose XADD Redis answered. */
  readonly published = new Map<number, string>();
  scenario = 'warmup';
  #seq = 0;
  #loading: Promise<void> | undefined;
  #stopLoad = false;

  async start(): Promise<void> {
    const url = await this.ledger.start();
    await this.startRedis(true);
    this.redis = new Redis(this.server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    this.redis.on('error', () => undefined);
    this.configFile = join(this.dir, 'awo.yaml');
    // http actions run only on signed plans: the agents share a key file, as `awo keys init` writes it.
    const keyFile = join(this.dir, 'signing.key');
    writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    // JSON is YAML.
    writeFileSync(
      this.configFile,
      JSON.stringify({
        prefix: this.prefix,
        redis: { url: this.server.url, connectTimeout: '1s' },
        log: { level: 'info' },
        bus: { block: 200, ackInterval: 5, claimInterval: 200, claimMinIdle: '1s', closeGrace: '2s' },
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
        executor: { attempts: 3, backoff: '200ms', closeGrace: '2s', actions: { hook: { kind: 'http', url: `${url}/hook`, timeout: '2s' } } },
        signing: { keyFile },
      }),
    );
    for (const agent of ['executor', 'planner', 'analyzer', 'monitor'] as const) this.spawn(agent);
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

  /** Publishes numbered metrics at `perSecond`, retrying each until Redis answers it. */
  startLoad(perSecond = 200): void {
    this.#stopLoad = false;
    const key = this.keys.stream('metrics');
    this.#loading = (async () => {
      const tickMs = 50;
      const per = Math.max(1, Math.round((perSecond * tickMs) / 1000));
      for (let t = Date.now(); !this.#stopLoad; t += tickMs) {
        for (let i = 0; i < per && !this.#stopLoad; i++) {
          const seq = ++this.#seq;
          const scenario = this.scenario;
          const data = JSON.stringify({ v: 1, series: 'chaos.load', value: seq, ts: Date.now(), source: 'chaos', labels: { seq: String(seq) } });
          for (;;) {
            try {
              await this.redis.xadd(key, '*', 'data', data);
              this.published.set(seq, scenario);
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

  /** The analyzer group has read and acked everything: lag 0 and nothing pending. */
  async drained(): Promise<boolean> {
    const s = await groupState(this.redis, this.keys.stream('metrics'), 'analyzer');
    return s !== undefined && s.lag === 0 && s.pending === 0;
  }

  /** The load's seqs now in the metrics stream (all acked by the analyzer once `drained()`). */
  async presentSeqs(): Promise<Set<number>> {
    const out = new Set<number>();
    let start = '-';
    for (;;) {
      const entries = (await this.redis.xrange(this.keys.stream('metrics'), start, '+', 'COUNT', 5000)) as [string, string[]][];
      for (const [, fields] of entries) {
        const data = fields[1] ?? '';
        const m = /"seq":"(\d+)"/.exec(data);
        if (m && fields[0] === 'data') out.add(Number(m[1]));
      }
      if (entries.length < 5000) return out;
      start = `(${(entries.at(-1) as [string, string[]])[0]}`;
    }
  }

  async close(): Promise<void> {
    await this.stopLoad().catch(() => undefined);
    await Promise.all(this.procs.map((p) => p.kill('SIGKILL')));
    this.redis?.disconnect();
    await this.server?.stop('SIGKILL');
    await this.ledger.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
