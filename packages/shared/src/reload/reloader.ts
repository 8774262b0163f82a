import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { configSlices, type AgentName } from '../config/slices.js';
import { ConfigError, errorMessage, type Issue } from '../errors.js';
import { counter, type Metrics } from '../telemetry/metrics.js';
import { changedPaths, isReconfigurable } from './diff.js';

/** Config sections an agent takes live (each agent says which of its paths); every other top-level section needs a restart. */
const AGENT_SECTIONS = new Set(['workflow', 'monitor', 'analyzer', 'planner', 'executor']);

export type ReloadResult = 'ok' | 'partial' | 'error';

export interface ReloadOutcome {
  result: ReloadResult;
  trigger: string;
  applied: string[];
  refused: Issue[];
  /** When the file was refused: what was wrong, field by field. */
  issues?: Issue[];
}

export interface ReloaderOptions {
  /** The config file the process was started with. */
  path: string;
  env: Record<string, string | undefined>;
  /** The config the process runs (as loaded at start). */
  config: Config;
  /** The process's agents; those with `reconfigure` take their new slice. */
  agents: readonly { readonly name: string }[];
  log: Logger;
  metrics: Metrics;
}

/**
 * Hot reload: re-reads the config file (on SIGHUP, or a `reload` control message) and hands each
 * agent its new slice. An invalid file is refused with the paths of its bad fields and nothing
 * changes; what cannot change while running (redis, prefix, signing, bus, the workflow…) is
 * refused with a log naming each path, and the rest applies. Counted in
 * `awo_config_reload_total{result}` (`ok`, `partial`: some paths refused, `error`: file refused).
 */
export class ConfigReloader {
  readonly counts: Record<ReloadResult, number> = { ok: 0, partial: 0, error: 0 };
  #chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ReloaderOptions) {
    options.metrics.live({
      awo_config_reload_total: counter('Config reloads (SIGHUP or a reload control message) by result: ok, partial (some fields need a restart and were kept), error (the file was refused; nothing changed)', ['result'], () =>
        Object.entries(this.counts).map(([result, n]) => [{ result }, n] as const),
      ),
    });
  }

  /** Re-reads the file and applies it; reloads run one at a time. */
  reload(trigger: string): Promise<ReloadOutcome> {
    const run = this.#chain.then(() => this.#reload(trigger));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #reload(trigger: string): Promise<ReloadOutcome> {
    const { log } = this.options;
    let next: Config;
    try {
      next = await loadConfig(this.options.path, this.options.env);
    } catch (err) {
      this.counts.error++;
      const issues = err instanceof ConfigError ? err.issues : [{ path: '(file)', message: errorMessage(err) }];
      log.error({ trigger, path: this.options.path, issues, result: 'error' }, `config reload refused, the running config stays: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      return { result: 'error', trigger, applied: [], refused: [], issues };
    }
    const refused: Issue[] = changedPaths(this.options.config, next)
      .filter((p) => !AGENT_SECTIONS.has(p.split('.')[0] as string))
      .map((path) => ({ path, message: 'cannot change while running: restart the process to change it' }));
    const applied: string[] = [];
    const slices = configSlices(next);
    for (const agent of this.options.agents) {
      if (!isReconfigurable(agent) || !(agent.name in slices)) continue;
      try {
        const r = await agent.reconfigure(slices[agent.name as AgentName]);
        applied.push(...r.applied.map((p) => `${agent.name}: ${p}`));
        refused.push(...r.refused.map((i) => ({ path: i.path, message: `${agent.name}: ${i.message}` })));
      } catch (err) {
        refused.push({ path: agent.name, message: `reconfigure failed: ${errorMessage(err)}` });
      }
    }
    const result: ReloadResult = refused.length > 0 ? 'partial' : 'ok';
    this.counts[result]++;
    if (refused.length > 0) log.warn({ trigger, result, applied, refused }, `config reloaded in part; kept (restart to change): ${refused.map((i) => i.path).join(', ')}`);
    else log.info({ trigger, result, applied }, applied.length ? 'config reloaded' : 'config reloaded: nothing changed');
    return { result, trigger, applied, refused };
  }
}
