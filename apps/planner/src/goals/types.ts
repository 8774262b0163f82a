import type { Attributes } from '@opentelemetry/api';
import type { Change, GoalConfig, Insight, Plan, WorkflowConfig } from '@awo/shared';

/** What an evaluation proposes to commit. */
export interface Proposal {
  changes: Change[];
  reason: string;
  insightIds: string[];
  /** Called once the revision is committed. */
  committed?: (now: number) => void;
  /** For the log line. */
  summary: Record<string, unknown>;
  /** The time of the newest sample the decision acted on (its insight's or a metric's): where decision latency starts. */
  sampleTs?: number;
}

/** The newest of some timestamps, if any is known. */
export function newestTs(...times: (number | undefined)[]): number | undefined {
  let newest: number | undefined;
  for (const t of times) if (t !== undefined && (newest === undefined || t > newest)) newest = t;
  return newest;
}

/** One evaluation of a goal: span attributes saying what it decided, and what to commit (if anything). */
export interface Evaluation {
  attributes: Attributes;
  proposal?: Proposal;
}

/** The insight that caused a goal's next evaluation, linked from its span. */
export interface Cause {
  id?: string;
  traceparent?: string;
}

/** What every goal gets besides its own config. */
export interface GoalEnv {
  workflow: WorkflowConfig;
  /** ms between the planner's evaluations. */
  evaluateInterval: number;
}

/**
 * A goal the planner holds: its state and how it reads metrics and insights and decides. No I/O:
 * the planner reads the stream and the plan, and commits what `evaluate` proposes.
 */
export interface Goal {
  readonly config: GoalConfig;
  /** The series this goal reads from the metrics stream. */
  readonly series: readonly string[];
  observe(series: string, value: number, ts: number, id: string, labels?: Readonly<Record<string, string>>): void;
  /** Takes an insight if it concerns the goal; true when taken (the goal is then evaluated). */
  accept(insight: Insight, traceparent: string | undefined): boolean;
  /** The insight behind the next evaluation, if any. */
  cause(): Cause | undefined;
  /** Decides given the current plan and time. */
  evaluate(plan: Plan, now: number): Evaluation;
  /** The goal's part of the planner's status. */
  detail(): Record<string, unknown>;
}

/** A kind of goal: builds the goal a config entry describes. One file each, one line in the registry. */
export interface GoalKind<C extends GoalConfig = GoalConfig> {
  create(config: C, env: GoalEnv): Goal;
}
