import type { AutoscaleGoalConfig } from '@awo/shared';
import type { AutoscaleMemory, ForecastInput, Observation } from './autoscale.js';
import { ThroughputModel } from './throughput.js';

/** What the planner knows for one autoscale goal: latest inputs, learned throughput, memory. */
export class AutoscaleGoalState {
  readonly kind = 'autoscale';
  readonly memory: AutoscaleMemory = { recommendations: [] };
  readonly throughput: ThroughputModel;
  forecast: (ForecastInput & { traceparent?: string }) | undefined;
  readonly latest = new Map<string, Observation>();
  lastDecision: { at: number; desired: number; reason: string } | undefined;

  constructor(readonly goal: AutoscaleGoalConfig) {
    this.throughput = new ThroughputModel(goal.initialThroughput);
  }

  /** The series this goal reads from the metrics stream. */
  get series(): string[] {
    const g = this.goal;
    return [g.metric, g.arrivalSeries, g.completionSeries, g.activeSeries, g.backlogSeries];
  }

  /** Records a metric; pairs completions with busy workers of the same sample for learning. */
  observe(series: string, value: number, ts: number, id: string): void {
    this.latest.set(series, { value, ts, id });
    const g = this.goal;
    if (series === g.completionSeries || series === g.activeSeries || series === g.backlogSeries) {
      const c = this.latest.get(g.completionSeries);
      const a = this.latest.get(g.activeSeries);
      const b = this.latest.get(g.backlogSeries);
      if (c && a && b && c.ts === ts && a.ts === ts && b.ts === ts) this.throughput.observe(a.value, c.value, b.value);
    }
  }
}
