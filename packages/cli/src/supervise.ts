import { once } from 'node:events';
import type { Agent, Logger } from '@awo/shared';

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
