import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay, freePort } from '@awo/shared';

const AWO = new URL('../../packages/cli/bin/awo.js', import.meta.url).pathname;

export interface AgentProcess {
  name: string;
  child: ChildProcess;
  port: number;
}

/** The pipeline benchmark's config: noise series through the analyzer, one goal, a cheap real action. */
export function pipelineConfigYaml(prefix: string, url: string, ports: Record<string, number>): string {
  return `prefix: ${prefix}
redis: { url: "${url}" }
bus: { maxLen: 2000000, block: 100 }
log: { level: warn }
telemetry: { spanStore: { enabled: true, maxLen: 200000 } }
workflow: { steps: { work: { params: { concurrency: 1 }, apply: { concurrency: flag } } } }
analyzer:
  health: { port: ${ports.analyzer} }
  window: 120
  forecast: [{ series: "bench.load.arrival_rate", horizon: 1s, step: 100ms }]
  anomaly: [{ series: "bench.s*.value" }]
planner:
  health: { port: ${ports.planner} }
  evaluateInterval: 1s
  goals:
    - { kind: autoscale, name: load, step: work, metric: bench.load.wait, target: 1000000000, arrivalSeries: bench.load.arrival_rate,
        completionSeries: bench.load.done, activeSeries: bench.load.active, backlogSeries: bench.load.waiting,
        min: 1, max: 100, initialThroughput: 10, targetUtilization: 1, cooldown: 0, scaleDownStabilization: 0, maxStep: 100 }
executor:
  health: { port: ${ports.executor} }
  actions: { flag: { kind: redis-set, key: "bench.{{step}}.{{param}}" } }
`;
}

/** Which agents to start and with what config (default: the pipeline benchmark's three). */
export interface AgentProcessOptions {
  names?: string[];
  configYaml?: (prefix: string, url: string, ports: Record<string, number>) => string;
}

/** Starts analyzer, planner and executor (or `names`) as their own processes (`awo <agent>`), ready. */
export async function startAgentProcesses(prefix: string, url: string, opts: AgentProcessOptions = {}): Promise<AgentProcess[]> {
  const names = opts.names ?? ['executor', 'planner', 'analyzer'];
  const ports: Record<string, number> = {};
  for (const n of names) ports[n] = await freePort();
  const file = join(tmpdir(), `${prefix}.yaml`);
  writeFileSync(file, (opts.configYaml ?? pipelineConfigYaml)(prefix, url, ports));
  const procs = names.map((name) => ({ name, port: ports[name] as number, child: spawn(process.execPath, [...(process.env.AWO_BENCH_PROF && name === process.env.AWO_BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof2'] : []), AWO, name, '--config', file], { stdio: ['ignore', 'ignore', 'inherit'] }) }));
  const until = Date.now() + 30_000;
  try {
    for (const p of procs) {
      for (;;) {
        if (p.child.exitCode !== null) throw new Error(`awo ${p.name} exited with ${p.child.exitCode}`);
        const ok = await fetch(`http://127.0.0.1:${p.port}/readyz`).then((r) => r.ok, () => false);
        if (ok) break;
        if (Date.now() > until) throw new Error(`awo ${p.name} was not ready in 30 s`);
        await delay(50);
      }
    }
  } catch (err) {
    // Not ready: stop what was started rather than leave it running.
    await stopAgentProcesses(procs);
    throw err;
  }
  return procs;
}

/** Peak resident memory of a process (VmHWM), MB. */
export function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

export async function stopAgentProcesses(procs: AgentProcess[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.child.exitCode !== null) return;
      const exited = once(p.child, 'exit');
      p.child.kill('SIGTERM');
      await Promise.race([exited, delay(20_000).then(() => p.child.kill('SIGKILL'))]);
    }),
  );
}
