import { SeriesState } from '@awo/analyzer';
import { AutoscaleGoalState, decideAutoscale, SloHeadroom, type Decision, type HeadroomParams } from '@awo/planner';
import { autoscaleGoalSchema, type AutoscaleGoalConfig } from '@awo/shared';
import type { Policy } from './policies.js';
import type { PoolView } from './sim.js';

/** The series names of awo's BullMQ source for a queue named `work`. */
export const SERIES = {
  /** From a second source on the same queue sampled every minute (the analyzer's series). */
  arrival: 'bullmq.work1m.arrival_rate',
  completion: 'bullmq.work.completion_rate',
  active: 'bullmq.work.active',
  waiting: 'bullmq.work.waiting',
  waitP95: 'bullmq.work.wait_p95_ms',
} as const;

/** The knobs of awo's goal that a user sets (the rest follows from the workload). */
export interface AwoTuning {
  targetUtilization: number;
  /** ms */
  scaleDownStabilization: number;
  /** ms */
  cooldown: number;
  maxStep: number;
  /** No resize within this fraction of the current size (awo's default 0.1). */
  tolerance?: number;
  /** Size for the forecast's point value or its upper bound (awo's default `point`). */
  forecastBound?: 'point' | 'upper';
  /** The service level (share of minutes within the target): awo sizes by its wait model and adapts its headroom. */
  slo?: number;
  /** The headroom controller's tunables, when not its defaults (cross-validation tries others). */
  headroom?: Partial<HeadroomParams>;
}

export interface AwoSettings {
  tuning: AwoTuning;
  /** Wait p95 target, ms. */
  targetMs: number;
  /** Worker start-up delay, ms. */
  startupDelayMs: number;
  /** Mean service time, s (the initial throughput guess is its inverse; then it is learned). */
  serviceSec: number;
  min: number;
  max: number;
  /** The sampling interval of the queue's metrics, s (the planner re-evaluates on each). */
  intervalSec: number;
  /** The sampling interval of the arrival rate, s: the analyzer's step (a multiple of intervalSec). */
  arrivalIntervalSec: number;
  /** The analyzer's window (points per series); awo's default is 720. */
  window: number;
  /** The forecast rule's season: a number of steps, or `auto` (awo's demo uses auto). */
  season: number | 'auto';
  /** Report name (default `awo`), to run several settings side by side. */
  name?: string;
  /** Emulated changes to awo's planner, to measure a recommendation (never the reported `awo`). */
  whatIf?: AwoWhatIf;
  /** One analyzer shared by the awo policies of a replay (they all see the same arrivals). */
  feed?: ForecastFeed;
}

type ForecastResult = ReturnType<SeriesState['forecastNow']>;

/**
 * The arrival series and its forecasts, computed once per arrival sample for every awo policy of
 * one replay: the arrivals are the same in every simulator (the same jobs, processed up to the
 * same instants), so only the planner's side differs between policies. Keeps the latest sample.
 */
export class ForecastFeed {
  readonly series: SeriesState;
  #at = Number.NaN;
  #result: ForecastResult;

  constructor(settings: Pick<AwoSettings, 'startupDelayMs' | 'arrivalIntervalSec' | 'window' | 'season'>) {
    const stepMs = settings.arrivalIntervalSec * 1000;
    this.series = new SeriesState(SERIES.arrival, settings.window, { series: SERIES.arrival, horizonMs: settings.startupDelayMs + stepMs, stepMs, season: settings.season, models: undefined }, undefined);
  }

  /** The forecast after observing `arrival` at `at` s; a second call for the same instant reuses it. */
  observe(at: number, arrival: number, id: string): ForecastResult {
    if (at !== this.#at) {
      if (at < this.#at) throw new Error(`ForecastFeed: sample at ${at} s after one at ${this.#at} s`);
      this.#at = at;
      this.series.observe(arrival, { id });
      this.#result = this.series.forecastNow();
    }
    return this.#result;
  }
}

/**
 * What-if emulations, done from the outside by changing the planner's inputs (awo's code is
 * unchanged): `throughput` replaces the learned per-worker throughput by a fixed value (the
 * true one, what a perfect estimator would learn).
 */
export interface AwoWhatIf {
  throughput?: number;
}

/** The goal config awo would be given, validated by awo's own schema. */
export function awoGoal(s: AwoSettings): AutoscaleGoalConfig {
  return autoscaleGoalSchema.parse({
    kind: 'autoscale',
    name: 'work-wait',
    step: 'work',
    metric: SERIES.waitP95,
    target: s.targetMs,
    arrivalSeries: SERIES.arrival,
    completionSeries: SERIES.completion,
    activeSeries: SERIES.active,
    backlogSeries: SERIES.waiting,
    min: s.min,
    max: s.max,
    initialThroughput: 1 / s.serviceSec,
    targetUtilization: s.tuning.targetUtilization,
    startupDelay: s.startupDelayMs,
    scaleDownStabilization: s.tuning.scaleDownStabilization,
    cooldown: s.tuning.cooldown,
    maxStep: s.tuning.maxStep,
    tolerance: s.tuning.tolerance,
    forecastBound: s.tuning.forecastBound,
    slo: s.tuning.slo,
    // An input is stale once two of its samples are missed.
    staleAfter: Math.round(2.5 * Math.max(s.intervalSec, s.arrivalIntervalSec) * 1000),
    fallback: 'hold',
  });
}

/**
 * `awo`: awo's own analyzer and planner code on what awo's BullMQ monitor would publish. Two
 * sources read the same queue: one every `intervalSec` (15 s) gives the completion rate over the
 * interval, busy workers and waiting jobs at the sample, and the wait p95 of the jobs started in
 * the interval (with the oldest waiting job's age); one every `arrivalIntervalSec` (60 s) gives the
 * arrival rate, which the analyzer forecasts (the trace has one count per minute, so a finer rate
 * is only noise, and the analyzer's cost stays at one point a minute). The analyzer's
 * `SeriesState` (model selection by rolling backtest) forecasts it start-up delay + one step
 * ahead, as in awo's demo; the forecast goes to the planner's `AutoscaleGoalState`, and
 * `decideAutoscale` sizes the pool at every 15 s sample (the planner's 1 s evaluation timer picks
 * up each new sample; between samples its inputs do not change).
 */
export class AwoPolicy implements Policy {
  readonly name: string;
  readonly period: number;
  readonly sampleWaits = true;
  readonly goal: AutoscaleGoalConfig;
  readonly state: AutoscaleGoalState;
  readonly feed: ForecastFeed;
  #prev: { arrivals: number; completions: number; at: number } | undefined;
  #prevArrival: { arrivals: number; at: number } | undefined;
  #seq = 0;
  readonly #basis = { forecast: 0, observed: 0, fallback: 0 };
  readonly #models = new Map<string, number>();
  lastDecision: Decision | undefined;

  constructor(readonly settings: AwoSettings) {
    const { intervalSec, arrivalIntervalSec } = settings;
    if (!(60 % intervalSec === 0 && arrivalIntervalSec % intervalSec === 0)) throw new RangeError(`intervalSec must divide 60 and arrivalIntervalSec, got ${intervalSec}, ${arrivalIntervalSec}`);
    this.name = settings.name ?? 'awo';
    this.period = intervalSec;
    this.goal = awoGoal(settings);
    this.state = new AutoscaleGoalState(this.goal);
    this.feed = settings.feed ?? new ForecastFeed(settings);
    if (settings.tuning.slo !== undefined && settings.tuning.headroom) this.state.memory.headroom = new SloHeadroom(settings.tuning.slo, settings.tuning.headroom);
  }

  get series(): SeriesState {
    return this.feed.series;
  }

  decide(view: PoolView, sim: { takeWaitP95(): number }): number {
    const waitP95Ms = sim.takeWaitP95() * 1000;
    const ts = Math.round(view.now * 1000);
    const id = `m-${++this.#seq}`;
    // The per-minute source: arrival rate, fed to the analyzer, whose forecast the planner reads.
    const pa = this.#prevArrival;
    if (pa === undefined || view.now - pa.at >= this.settings.arrivalIntervalSec - 1e-9) {
      this.#prevArrival = { arrivals: view.arrivals, at: view.now };
      if (pa !== undefined) {
        const arrival = (view.arrivals - pa.arrivals) / (view.now - pa.at);
        this.state.observe(SERIES.arrival, arrival, ts, id);
        const f = this.feed.observe(view.now, arrival, id);
        if (f && Number.isFinite(f.forecast.value)) {
          this.state.forecast = { value: f.forecast.value, upper: Math.max(f.forecast.upper, f.forecast.value), ts, horizonMs: this.series.horizon * this.settings.arrivalIntervalSec * 1000, model: f.forecast.model, id: `i-${this.#seq}` };
          this.#models.set(f.forecast.model, (this.#models.get(f.forecast.model) ?? 0) + 1);
        }
      }
    }
    // The per-15 s source. Like the BullMQ source, its first sample only sets the baseline.
    const prev = this.#prev;
    this.#prev = { arrivals: view.arrivals, completions: view.completions, at: view.now };
    if (prev === undefined) return view.target;
    const completion = (view.completions - prev.completions) / (view.now - prev.at);
    this.state.observe(SERIES.waitP95, waitP95Ms, ts, id);
    this.state.observe(SERIES.completion, completion, ts, id);
    this.state.observe(SERIES.active, view.busy, ts, id);
    this.state.observe(SERIES.waiting, view.backlog, ts, id);
    const g = this.goal;
    const current = view.target;
    const whatIf = this.settings.whatIf;
    const decision = decideAutoscale(
      g,
      {
        now: ts,
        current,
        forecast: this.state.forecast,
        arrival: this.state.latest.get(g.arrivalSeries),
        backlog: this.state.latest.get(g.backlogSeries),
        metric: this.state.latest.get(g.metric),
        throughput: whatIf?.throughput ?? this.state.throughput.perWorker(),
        interval: this.settings.intervalSec * 1000,
      },
      this.state.memory,
    );
    this.lastDecision = decision;
    this.#basis[decision.basis]++;
    if (decision.desired !== current) this.state.memory.lastChangeAt = ts;
    return decision.desired;
  }

  describe(): Record<string, unknown> {
    const total = [...this.#models.values()].reduce((a, b) => a + b, 0);
    return {
      tuning: this.settings.tuning,
      intervalSec: this.settings.intervalSec,
      arrivalIntervalSec: this.settings.arrivalIntervalSec,
      analyzer: { window: this.settings.window, season: this.settings.season, detectedSeason: this.series.season ?? null, horizonSteps: this.series.horizon },
      forecastModels: Object.fromEntries([...this.#models].map(([m, n]) => [m, Math.round((1000 * n) / Math.max(1, total)) / 1000])),
      decisionBasis: { ...this.#basis },
      learnedThroughput: Math.round(this.state.throughput.perWorker() * 1000) / 1000,
      ...(this.state.memory.headroom ? { headroom: this.state.memory.headroom.status(), headroomParams: this.state.memory.headroom.params } : {}),
      ...(this.settings.whatIf ? { whatIf: this.settings.whatIf } : {}),
    };
  }
}
