import { AnalyzerAgent } from '@awo/analyzer';
import { ExecutorAgent, type ExecutorOptions } from '@awo/executor';
import { MonitorAgent } from '@awo/monitor';
import { PlannerAgent } from '@awo/planner';
import { delay, errorMessage, type Agent, type Runtime } from '@awo/shared';

export const AGENT_NAMES = ['monitor', 'analyzer', 'planner', 'executor'] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/** What the caller gives the agents beyond the runtime, e.g. the executor's named processors. */
export interface AgentOptions {
  executor?: ExecutorOptions;
}

/** Builds agents on a runtime, in the order they start (and the reverse of how they stop). */
export function buildAgents(runtime: Runtime, names: readonly AgentName[], options: AgentOptions = {}): Agent[] {
  const ordered = [...names].sort((a, b) => AGENT_NAMES.indexOf(b) - AGENT_NAMES.indexOf(a));
  return ordered.map((name) => {
    // Each agent gets its own slice of the config.
    switch (name) {
      case 'monitor':
        return new MonitorAgent(runtime.deps(name));
      case 'analyzer':
        return new AnalyzerAgent(runtime.deps(name));
      case 'planner':
        return new PlannerAgent(runtime.deps(name));
      case 'executor':
        return new ExecutorAgent(runtime.deps(name), options.executor);
    }
  });
}

/**
 * Starts agents downstream first (executor … monitor), so nothing is published before its
 * reader is there; stops them upstream first (monitor … executor), so each drains what the
 * one before it sent. Stopping is bounded by `timeoutMs`; returns false when it ran out.
 */
export async function startAgents(agents: readonly Agent[]): Promise<void> {
  const started: Agent[] = [];
  try {
    for (const agent of agents) {
      await agent.start();
      started.push(agent);
    }
  } catch (err) {
    await stopAgents(started, 10_000);
    throw err;
  }
}

export async function stopAgents(agents: readonly Agent[], timeoutMs: number, onError?: (agent: string, err: unknown) => void): Promise<boolean> {
  const all = (async () => {
    for (const agent of [...agents].reverse()) {
      try {
        await agent.close();
      } catch (err) {
        onError?.(agent.name, errorMessage(err));
      }
    }
  })();
  return Promise.race([all.then(() => true), delay(timeoutMs).then(() => false)]);
}
