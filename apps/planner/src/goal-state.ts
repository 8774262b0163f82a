import type { AutoscaleGoalConfig } from '@awo/shared';
import type { AutoscaleMemory, ForecastInput, Observation } from './autoscale.js';
import { CapacityModel } from './capacity.js';
import { MemberTotals, workerSeries } from './members.js';
import { ThroughputModel } from './throughput.js';

/** What the planner knows for one autoscale goal: latest inputs, learned throughput, memory. */
export class AutoscaleGoalState {
  readonly kind = 'autoscale';
  readonly memory: AutoscaleMemory = { recommendations: [] };
  readonly throughput: ThroughputModel;
  /** Throughput at each total concurrency, for the USL fit and its peak N* (`capacity.ts`). */
  readonly capacity = new CapacityModel();
  #prevSaturated: { active: number; backlog: number } | undefined;
  /** The `@awo/worker` members' own reports, summed over the live members. */
  readonly members: MemberTotals;
  forecast: (ForecastInput & { traceparent?: string }) | undefined;
  readonly latest = new Map<string, Observation>();
  lastDecision: { at: number; desired: number; reason: string } | undefined;

  constructor(readonly goal: AutoscaleGoalConfig) {
    this.throughput = new ThroughputModel(goal.initialThroughput);
    this.members = new MemberTotals(goal.staleAfter);
  }

  /** The series this goal reads from the metrics stream. */
  get series(): string[] {
    const g = this.goal;
    const w = workerSeries(g.step);
    return [g.metric, g.arrivalSeries, g.completionSeries, g.activeSeries, g.backlogSeries, w.jobsPerS, w.concurrency];
  }

  /** Records a metric; pairs completions with busy workers of the same sample for learning. */
  observe(series: string, value: number, ts: number, id: string, labels: Readonly<Record<string, string>> = {}): void {
    this.latest.set(series, { value, ts, id });
    const g = this.goal;
    if (series === g.completionSeries || series === g.activeSeries || series === g.backlogSeries) {
      const c = this.latest.get(g.completionSeries);
      const a = this.latest.get(g.activeSeries);
      const b = this.latest.get(g.backlogSeries);
      if (c && a && b && c.ts === ts && a.ts === ts && b.ts === ts) {
        this.throughput.observe(a.value, c.value, b.value);
        this.#learnCapacity(a.value, c.value, b.value);
      }
    }
    const w = workerSeries(g.step);
    if (series === w.jobsPerS || series === w.concurrency) {
      const totals = this.members.observe(series === w.jobsPerS ? 'jobsPerS' : 'concurrency', labels.member, value, ts);
      const b = this.latest.get(g.backlogSeries);
      // The members' own reports, summed, while a backlog waits (fresh within the goal's staleAfter).
      if (totals && totals.n >= 1 && b && b.value > 0 && Math.abs(ts - b.ts) <= g.staleAfter) this.capacity.observe(totals.n, totals.x);
    }
  }

  /**
   * Completions at the busy workers of a sample, while saturated and steady (as the throughput
   * model judges it): a backlog waited at this sample and the one before, and the busy count
   * stayed at one level, so completions measure what N in flight can do.
   */
  #learnCapacity(active: number, completions: number, backlog: number): void {
    const prev = this.#prevSaturated;
    this.#prevSaturated = { active, backlog };
    if (!(active >= 1) || !(backlog > 0) || !prev || !(prev.backlog > 0) || Math.round(prev.active) !== Math.round(active)) return;
    this.capacity.observe(active, completions);
  }
}
