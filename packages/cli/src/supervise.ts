import { once } from 'node:events';
import { ConfigReloader, ControlListener, type Agent, type Config, type Logger, type Runtime } from '@awo/shared';

export interface SuperviseOptions {
  /** Aborted by SIGINT/SIGTERM (main.ts). */
  signal: AbortSignal;
  /** Drain and stop when an agent fails (config `exitOnFailure`). */
  exitOnFailure: boolean;
  log: Logger;
}

/**
 * Waits, once the agents are running, for what ends the process: a signal, or (with
 * `exitOnFailure`) an agent whose state became `failed`. Returns the exit code that reason
 * stands for: 0 for a signal, 1 for a failure. The caller then drains (`stopAgents` in agents.ts).
 */
export async function untilStopped(agents: readonly Agent[], options: SuperviseOptions): Promise<number> {
  const { signal, log } = options;
  const stop = new AbortController();
  const waits: Promise<number>[] = [once(signal, 'abort', { signal: stop.signal }).then(() => 0)];
  if (signal.aborted) waits.push(Promise.resolve(0));
  if (options.exitOnFailure) {
    for (const agent of agents) {
      waits.push(
        agent.failed.then((failure) => {
          log.error({ failed: agent.name, failure, exitOnFailure: true }, 'an agent failed: draining the others and exiting 1');
          return 1;
        }),
      );
    }
  }
  try {
    const code = await Promise.race(waits);
    if (code === 0) log.info({ signal: String(signal.reason) }, 'stopping: draining in-flight work');
    return code;
  } finally {
    // Ends the wait on the signal (its AbortError is handled by the race above).
    stop.abort();
  }
}

export interface ReloadWiring {
  /** The config file to re-read. */
  path: string;
  env: Record<string, string | undefined>;
  config: Config;
  agents: readonly Agent[];
  runtime: Runtime;
  log: Logger;
  /** SIGHUP, from main.ts. */
  hangups?: EventTarget;
}

/**
 * Hot reload for a process running agents: SIGHUP and every `reload` control message
 * (`stream:control`, from `Steering.requestReload()` / `POST /api/v1/config/reload`) re-read the
 * config file through one `ConfigReloader`. Returns the reloader and what stops listening.
 */
export async function watchReloads(w: ReloadWiring): Promise<{ reloader: ConfigReloader; close: () => Promise<void> }> {
  const reloader = new ConfigReloader({ path: w.path, env: w.env, config: w.config, agents: w.agents, log: w.log, metrics: w.runtime.metrics });
  const onHangup = () => void reloader.reload('SIGHUP');
  w.hangups?.addEventListener('hangup', onHangup);
  const control = new ControlListener(() => w.runtime.connect('control', { blocking: true }), w.runtime.keys, w.log, async (m) => {
    if (m.op === 'reload') await reloader.reload(`control${m.by ? ` (by ${m.by})` : ''}`);
  });
  await control.start();
  return {
    reloader,
    close: async () => {
      w.hangups?.removeEventListener('hangup', onHangup);
      await control.close();
    },
  };
}
