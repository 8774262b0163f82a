import { Queue } from 'bullmq';
import { AGENT_NAMES, buildAgents, startAgents, stopAgents } from '../../packages/cli/src/agents.js';
import { deletePrefix, parseConfig, PlanStore, Runtime, type Agent, type Config } from '@awo/shared';
import { Arrivals, sleepProcessor } from '@awo/sim';
import { loopConfigInput, quietLogger, REDIS_URL, testPrefix } from '@awo/testkit';

/** Tokens of the console tests: at least 16 characters, as the API asks. */
export const OPERATOR_TOKEN = 'console-operator-token-0123456789';
export const VIEWER_TOKEN = 'console-viewer-token-0123456789';

/**
 * The autoscale loop of packages/cli/src/loop.test.ts (one step `work` on a BullMQ queue, a
 * managed pool of 1 worker at first, jobs of 50 ms, a goal on the wait p95), with the API's
 * tokens: an operator (AWO_API_TOKEN) and a viewer. `mode: propose` makes the goal propose.
 */
export function consoleConfig(prefix: string, mode: 'apply' | 'propose'): Config {
  return parseConfig(
    loopConfigInput(prefix, {
      goal: { ...(mode === 'propose' ? { mode } : {}), scaleDownStabilization: '60s' },
      top: { log: { level: 'warn' }, api: { port: 0, tokens: [{ name: 'watcher', role: 'viewer', tokenEnv: 'AWO_CONSOLE_VIEWER_TOKEN' }] } },
    }),
    { AWO_API_TOKEN: OPERATOR_TOKEN, AWO_CONSOLE_VIEWER_TOKEN: VIEWER_TOKEN },
  );
}

/** The four agents on a real Redis under a fresh prefix, and a load that rises until stopped. */
export class Demo {
  readonly prefix = testPrefix();
  readonly log = quietLogger();
  readonly config: Config;
  readonly runtime: Runtime;
  readonly agents: Agent[];
  readonly store: PlanStore;
  private readonly queue: Queue;
  private loading: Promise<void> | undefined;
  private stopLoad = false;

  constructor(mode: 'apply' | 'propose') {
    this.config = consoleConfig(this.prefix, mode);
    this.runtime = new Runtime({ config: this.config, redisUrl: REDIS_URL, log: this.log, env: {} });
    this.agents = buildAgents(this.runtime, AGENT_NAMES, { executor: { processors: { sleep: sleepProcessor(50) } } });
    this.store = new PlanStore(this.runtime.redis, this.runtime.keys, this.config);
    this.queue = new Queue('work', { connection: this.runtime.connect('load'), prefix: this.runtime.keys.queuePrefix('work') });
  }

  async start(): Promise<void> {
    await startAgents(this.agents);
  }

  /** Adds jobs at 4/s rising by 6/s each second (one worker does 20/s), up to `maxRate`, until stopped. */
  startLoad(maxRate = 60): void {
    const arrivals = new Arrivals();
    const start = Date.now();
    this.loading = (async () => {
      for (let tick = 0; !this.stopLoad; tick++) {
        const t = (Date.now() - start) / 1000;
        const n = arrivals.next(Math.min(maxRate, 4 + 6 * t), 0.1);
        if (n > 0) await this.queue.addBulk(Array.from({ length: n }, () => ({ name: 'job', data: {}, opts: { removeOnComplete: { count: 2000 } } })));
        await new Promise((r) => setTimeout(r, Math.max(0, start + (tick + 1) * 100 - Date.now())));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopLoad = true;
    await this.loading?.catch(() => undefined);
    await this.queue.close();
    await stopAgents(this.agents, 20_000);
    await deletePrefix(this.runtime.redis, this.prefix);
    await this.runtime.close();
  }
}
