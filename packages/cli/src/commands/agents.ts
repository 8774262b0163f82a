import { ApiServer } from '@awo/api';
import { checkRedis, configPath, createLogger, HealthServer, loadConfig, parseConfig, Runtime, shutdownTimeoutOf, type Agent, type Config, type Logger } from '@awo/shared';
import { AGENT_NAMES, buildAgents, startAgents, stopAgents, type AgentName } from '../agents.js';
import { parse, UsageError } from '../args.js';
import { resolveRedis } from '@awo/shared';
import { tuneAgentHeap } from '../heap.js';
import type { Io } from '../io.js';
import { untilStopped, watchReloads } from '../supervise.js';

/** The config from --config / AWO_CONFIG, or the defaults when neither is given and that is allowed. */
export async function readConfig(flag: string | undefined, io: Io, required: boolean): Promise<Config> {
  const path = configPath(flag, io.env);
  if (path) return loadConfig(path, io.env);
  if (required) throw new UsageError('a config is needed: --config <file> or AWO_CONFIG');
  return parseConfig({}, io.env);
}

/** The API as an agent of this process (`awo api`, and `awo up` beside the four agents). */
export function apiAgent(runtime: Runtime, log: Logger): Agent {
  return new ApiServer({ config: runtime.config, redis: runtime.redis, connect: (name, opts) => runtime.connect(`api:${name}`, opts), keys: runtime.keys, log: log.child({ agent: 'api' }), metrics: runtime.metrics.agent('api') });
}

/**
 * `awo up` (all four agents and the API in this process), `awo <agent>` (one per process) or
 * `awo api` (the HTTP API alone, on the process health address of `awo up`): runs until
 * SIGINT/SIGTERM (exit 0) or until an agent fails (exit 1, unless `exitOnFailure: false`), serving
 * /healthz, /readyz and /metrics, then drains within `shutdownTimeout`. `build` makes the agents
 * (`buildAgents`; a caller running awo's process wiring around agents of its own hands another).
 */
export function agentsCommand(which: 'up' | 'api' | AgentName, build: typeof buildAgents = buildAgents) {
  return async (argv: string[], io: Io): Promise<number> => {
    const { values } = parse(argv, {});
    const config = await readConfig(values.config, io, true);
    tuneAgentHeap();
    const log = createLogger({ level: config.log.level, base: { service: 'awo', agent: which } });
    if (!config.signing.key) {
      log.warn({ signing: false }, 'signing is off: plan revisions are not signed, so anyone who can write to this Redis can change what the executor does (awo_signing_enabled 0). Make a key with "npx awo keys init" and set signing.keyFile');
    }
    const redis = await resolveRedis(config, log);
    const runtime = new Runtime({ config, redisUrl: redis.url, log, env: io.env });
    const names = which === 'up' ? AGENT_NAMES : which === 'api' ? [] : [which];
    const withApi = which === 'up' || which === 'api';
    // The API starts last and stops first: it reads what the agents write.
    const agents = [...build(runtime, names), ...(withApi ? [apiAgent(runtime, log)] : [])];
    const healthAt = which === 'up' || which === 'api' ? config.health : config[which].health;
    const health = new HealthServer(agents, healthAt, runtime.metrics);
    let code = 0;
    let reloads: Awaited<ReturnType<typeof watchReloads>> | undefined;
    try {
      await checkRedis({ ...config.redis, url: redis.url });
      await startAgents(agents);
      const path = configPath(values.config, io.env);
      if (path) reloads = await watchReloads({ path, env: io.env, config, agents, runtime, log, ...(io.hangups ? { hangups: io.hangups } : {}) });
      const port = await health.start();
      log.info({ agents: agents.map((a) => a.name), health: `http://${healthAt.host}:${port}/healthz`, redis: redis.origin }, 'awo is running');
      code = await untilStopped(agents, { signal: io.signal, exitOnFailure: config.exitOnFailure, log });
    } catch (err) {
      log.error({ err: (err as Error).message }, 'awo failed');
      code = 1;
    } finally {
      await reloads?.close();
      const bound = shutdownTimeoutOf(config);
      const clean = await stopAgents(agents, bound, (agent, err) => log.error({ agent, err }, 'agent did not close cleanly'));
      if (!clean) {
        log.error({ boundMs: bound }, 'agents did not stop in time');
        code = code || 1;
      }
      await health.close();
      await runtime.close();
      await redis.stop();
      log.info({ clean }, 'stopped');
      log.flush();
    }
    return code;
  };
}
