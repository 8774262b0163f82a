import type { QualityGoalConfig } from '@awo/shared';
import type { Observation } from './autoscale.js';
import type { QualityMemory, QualitySignal } from './quality.js';

/** Findings kept per goal: enough for a burst, bounded against a flood. */
const MAX_SIGNALS = 64;

/** What the planner knows for one quality goal: its metrics, the analyzer's recent findings, memory. */
export class QualityGoalState {
  readonly kind = 'quality';
  readonly memory: QualityMemory = {};
  readonly latest = new Map<string, Observation>();
  readonly signals: QualitySignal[] = [];
  /** Trace context of the newest finding, linked from the evaluation span. */
  lastSignal: (QualitySignal & { traceparent?: string }) | undefined;
  lastDecision: { at: number; action: string; reason: string } | undefined;

  constructor(readonly goal: QualityGoalConfig) {}

  /** The series this goal reads from the metrics stream. */
  get series(): string[] {
    return Object.keys(this.goal.limits);
  }

  /** Whether a finding on this series concerns the goal. */
  watches(series: string): boolean {
    return series in this.goal.limits || this.goal.drift.includes(series);
  }

  observe(series: string, value: number, ts: number, id: string): void {
    const last = this.latest.get(series);
    if (!last || last.ts <= ts) this.latest.set(series, { value, ts, id });
  }

  /** Keeps a finding; the newest one that says the data is bad is linked from the next evaluation. */
  addSignal(signal: QualitySignal, traceparent: string | undefined): void {
    this.signals.push(signal);
    if (this.signals.length > MAX_SIGNALS) this.signals.splice(0, this.signals.length - MAX_SIGNALS);
    if (signal.violated) this.lastSignal = { ...signal, ...(traceparent ? { traceparent } : {}) };
  }
}
