/**
 * `npm run bench -- forecast`: rolling-origin evaluation of awo's forecasters and of its
 * per-series model selection on real load traces.
 *
 * - Traces: NASA-HTTP 1995 requests (per minute, summed to 5 minutes: with the analyzer's default
 *   window of 720 points, 5-minute steps hold 2.5 days, so a daily season fits), NAB's AWS ELB
 *   request counts and NAB's AAPL tweet counts (both 5 minutes). A trace given with `--trace` is
 *   used at its own step, or summed to 5 minutes when its step divides 5 minutes.
 * - Missing steps (NASA's `gap` rows, absent rows) are skipped, as the analyzer receives no point
 *   for them: the series is the sequence of observed points and "h steps ahead" means h observed
 *   points ahead (only NASA's two long gaps and ELB's 8 single points are affected).
 * - The first 7 days (at most half the series) are the warm-up; from there, every 5th point is a
 *   forecast origin (origins are subsampled to keep the run short, and 5 is the analyzer's refit
 *   period at this season). At an origin with t points seen, every model forecasts h steps ahead
 *   from the last 720 points (the analyzer's window) and is scored against point t − 1 + h.
 * - Models: awo's naive (last value), seasonal naive, linear trend and Holt–Winters (season 1 day),
 *   a seasonal naive at 1 week over the whole history as a baseline, and `selector`: awo's
 *   `ModelSelector` configured exactly as the analyzer's `SeriesState` configures it for a
 *   forecast rule with `season: <1 day>` and `horizon: h steps` (default models, maxWindow 720,
 *   refit every 5 points), fed point by point (streaming, no look-ahead), one per horizon. The
 *   Holt–Winters fit does not depend on the horizon, so one fit per point is shared by the
 *   selectors of all horizons and the stand-alone model (same window, same result as calling
 *   `holtWinters` for each horizon; a test checks both equivalences).
 * - MASE is scaled by the in-sample seasonal naive MAE at lag 1 day over the warm-up; sMAPE is in
 *   percent (0–200).
 * - The stand-alone rows also cover the damped trend, Theta, the weekly seasonal naive within the
 *   window, and the online daily/weekly seasonal profiles (one instance per horizon, fed every point).
 * - Cross-validation (bench/src/forecast-cv.ts): one selector per parameter set of `FORECAST_GRID`
 *   runs beside the default one (all share each model's fit per point); their errors per block of
 *   origins give the blocked rolling-origin score printed beside the in-sample one.
 */
import { defaultForecasters, defaultOnlineForecasters, fitHoltWinters, ModelSelector, type Forecast, type Forecaster, type HoltWintersModel, type NamedForecaster, type OnlineForecaster } from '@awo/analyzer';
import { BlockErrors, blockedRollingOrigin, FORECAST_DEFAULTS, FORECAST_GRID, type ForecastParams, type TraceBlocks } from './forecast-cv.js';
import type { BenchIo } from './context.js';
import { NAB_ELB, NAB_TWITTER_AAPL, NASA_PER_MINUTE } from './data-paths.js';
import { ErrorAccumulator, seasonalNaiveScale } from './forecast-metrics.js';
import { round, table } from './stats.js';
import { missingSteps, observedValues, readTrace, resampleTrace, type Trace } from './trace-csv.js';

export const HORIZONS = [1, 5, 15, 60] as const;
/** The analyzer's default window (`analyzer.window`). */
export const ANALYZER_WINDOW = 720;
export const ORIGIN_STRIDE = 5;
const DAY_MS = 86_400_000;
const FIVE_MIN_MS = 300_000;

export interface ForecastArgs {
  trace?: string;
  column?: string;
  scale?: number;
  json: boolean;
}

export interface SeriesEvalOptions {
  /** Season in steps (1 day). */
  season: number;
  horizons: readonly number[];
  /** Points the models see (the analyzer's window). */
  window: number;
  /** Points before the first origin. */
  warmup: number;
  /** Origins every `stride` points. */
  stride: number;
  /** Parameter sets whose selectors run beside the default one, for the cross-validation (default none). */
  configs?: readonly ForecastParams[];
  /** Blocks of origins in time, for the cross-validation (default 4). */
  blocks?: number;
}

export interface ModelScore {
  mase: number;
  smape: number;
  n: number;
}

export interface SeriesEval {
  points: number;
  origins: number;
  /** In-sample seasonal naive MAE over the warm-up, and its lag. */
  scale: number;
  scaleLag: number;
  /** Per model, per horizon. */
  scores: Record<string, Record<number, ModelScore>>;
  /** Per horizon, the share of origins at which the selector used each model. */
  selectorChoice: Record<number, Record<string, number>>;
  /** Per config of `configs`, the selector's errors per horizon and block of origins. */
  blockErrors: BlockErrors[];
}

/** A Holt–Winters forecaster that fits once per point count and reuses the fit for every horizon. */
export class SharedHoltWinters {
  /** Set by the caller to the number of points seen before anyone asks for a forecast. */
  t = 0;
  fits = 0;
  #at = -1;
  #model: HoltWintersModel | null = null;

  readonly fn: Forecaster = (series, horizon, opts = {}) => {
    if (this.#at !== this.t) {
      this.#model = fitHoltWinters(series, opts);
      this.#at = this.t;
      this.fits++;
    }
    return this.#model === null ? null : this.#model.forecast(horizon, opts.level);
  };
}

/** awo's default forecasters bound to `season`, with Holt–Winters shared through `hw`. */
export function analyzerModels(season: number, hw: SharedHoltWinters): NamedForecaster[] {
  return defaultForecasters(season).map((m) => (m.name === 'holt-winters' ? { name: m.name, fn: (s, h, o = {}) => hw.fn(s, h, { ...o, season: o.season ?? season }) } : m));
}

/**
 * The selector the analyzer's `SeriesState` builds for a forecast rule with a numeric season
 * (with `params`, the same with other tunable parameters).
 */
export function analyzerSelector(models: NamedForecaster[], horizon: number, season: number, window: number, params: ForecastParams = FORECAST_DEFAULTS): ModelSelector {
  const online = defaultOnlineForecasters(season, { alpha: params.profileAlpha, maxSlots: params.maxSlots });
  return new ModelSelector(models, horizon, { season, maxWindow: window, refitEvery: season > 200 ? 5 : 1, online, halfLife: params.halfLife });
}

/**
 * Wraps forecasters so that, at one point count `t`, each model is fitted once per horizon and the
 * result shared by every selector and the stand-alone score (all pass the same window).
 */
export class SharedForecasts {
  t = 0;
  #at = -1;
  #cache = new Map<string, Forecast | null>();

  wrap(models: readonly NamedForecaster[]): NamedForecaster[] {
    return models.map((m) => ({
      name: m.name,
      fn: (series, h, opts = {}) => {
        if (this.#at !== this.t) {
          this.#cache.clear();
          this.#at = this.t;
        }
        const key = `${m.name}:${h}`;
        if (!this.#cache.has(key)) this.#cache.set(key, m.fn(series, h, opts));
        return this.#cache.get(key) ?? null;
      },
    }));
  }
}

/** Rolling-origin evaluation of one series (observed points only; see the module comment). */
export function evaluateSeries(ys: readonly number[], o: SeriesEvalOptions): SeriesEval {
  const n = ys.length;
  const hw = new SharedHoltWinters();
  const shared = new SharedForecasts();
  const models = shared.wrap(analyzerModels(o.season, hw));
  const selectors = o.horizons.map((h) => analyzerSelector(models, h, o.season, o.window));
  const configs = o.configs ?? [];
  const cvSelectors = configs.map((c) => o.horizons.map((h) => analyzerSelector(models, h, o.season, o.window, c)));
  const online = defaultOnlineForecasters(o.season).map((m) => ({ name: m.name, perH: o.horizons.map((h): OnlineForecaster => m.create(h)) }));
  const names = ['naive', 'seasonal-naive', 'seasonal-naive-1w', ...models.map((m) => m.name).filter((m) => !['naive', 'seasonal-naive'].includes(m)), ...online.map((m) => m.name), 'selector'];
  const acc = new Map(names.map((m) => [m, o.horizons.map(() => new ErrorAccumulator())]));
  const blocks = Math.max(2, Math.floor(o.blocks ?? 4));
  const firstOrigin = Math.ceil(o.warmup / o.stride) * o.stride;
  const blockOf = (seen: number) => Math.min(blocks - 1, Math.floor(((seen - firstOrigin) * blocks) / Math.max(1, n - firstOrigin)));
  const blockErrors = configs.map(() => new BlockErrors(o.horizons.length, blocks));
  const choice = o.horizons.map(() => new Map<string, number>());
  const week = 7 * o.season;
  let origins = 0;
  for (let t = 0; t < n; t++) {
    const y = ys[t] as number;
    hw.t = t + 1;
    shared.t = t + 1;
    for (const s of selectors) s.observe(y);
    for (const list of cvSelectors) for (const s of list) s.observe(y);
    for (const m of online) for (const f of m.perH) f.observe(y);
    const seen = t + 1;
    if (seen < o.warmup || seen % o.stride !== 0 || seen >= n) continue;
    origins++;
    const window = ys.slice(Math.max(0, seen - o.window), seen);
    o.horizons.forEach((h, i) => {
      const target = seen - 1 + h;
      if (target >= n) return;
      const actual = ys[target] as number;
      const add = (name: string, value: number | undefined) => {
        if (value !== undefined) acc.get(name)?.[i]?.add(actual, value);
      };
      if (seen >= week) add('seasonal-naive-1w', ys[seen - week + ((h - 1) % week)]);
      for (const m of models) add(m.name, m.fn(window, h, {})?.value);
      for (const m of online) add(m.name, m.perH[i]?.forecast(h)?.value);
      cvSelectors.forEach((list, c) => {
        const v = list[i]?.forecast()?.value;
        if (v !== undefined) blockErrors[c]?.add(i, blockOf(seen), actual, v);
      });
      const f = selectors[i]?.forecast();
      if (f) {
        add('selector', f.value);
        choice[i]?.set(f.model, (choice[i]?.get(f.model) ?? 0) + 1);
      }
    });
  }
  const inSample = ys.slice(0, o.warmup);
  const scaleLag = inSample.length > o.season ? o.season : 1;
  const scale = seasonalNaiveScale(inSample, scaleLag);
  const scores: SeriesEval['scores'] = {};
  for (const [name, perH] of acc) {
    scores[name] = Object.fromEntries(perH.map((a, i) => [o.horizons[i] as number, { mase: round(a.mase(scale), 3), smape: round(a.smape(), 2), n: a.n }]));
  }
  const selectorChoice = Object.fromEntries(
    choice.map((m, i) => {
      const total = [...m.values()].reduce((a, b) => a + b, 0);
      return [o.horizons[i] as number, Object.fromEntries([...m].map(([k, v]) => [k, round(v / Math.max(1, total), 3)]))];
    }),
  );
  return { points: n, origins, scale, scaleLag, scores, selectorChoice, blockErrors };
}

export interface TraceReport {
  name: string;
  path: string;
  column: string;
  scale: number;
  stepSec: number;
  resampledFromSec?: number;
  points: number;
  missingSteps: number;
  seasonSteps: number;
  warmup: number;
  origins: number;
  maseScale: { lagSteps: number; mae: number };
  models: SeriesEval['scores'];
  selectorChoice: SeriesEval['selectorChoice'];
}

interface TraceSpec {
  name: string;
  path: string;
  column?: string;
  scale?: number;
}

/** The trace the analyzer would see: summed to 5-minute steps when the step divides 5 minutes. */
export function atFiveMinutes(trace: Trace): { trace: Trace; resampledFrom?: number } {
  if (trace.stepMs < FIVE_MIN_MS && FIVE_MIN_MS % trace.stepMs === 0) return { trace: resampleTrace(trace, FIVE_MIN_MS / trace.stepMs, 'sum'), resampledFrom: trace.stepMs / 1000 };
  return { trace };
}

export async function forecastBench(argv: ForecastArgs, io: BenchIo) {
  const specs: TraceSpec[] = argv.trace
    ? [{ name: argv.trace.split('/').pop() ?? argv.trace, path: argv.trace, column: argv.column, scale: argv.scale }]
    : [
        { name: 'nasa-http-1995 (5 min)', path: NASA_PER_MINUTE },
        { name: 'nab elb_request_count_8c0756', path: NAB_ELB },
        { name: 'nab Twitter_volume_AAPL', path: NAB_TWITTER_AAPL },
      ];
  const started = performance.now();
  const traces: TraceReport[] = [];
  const cvParts: TraceBlocks[] = [];
  const blocks = 4;
  for (const spec of specs) {
    const t0 = performance.now();
    const raw = await readTrace(spec.path, { column: spec.column, scale: spec.scale });
    const { trace, resampledFrom } = atFiveMinutes(raw);
    const ys = observedValues(trace).values;
    const season = Math.max(2, Math.round(DAY_MS / trace.stepMs));
    const warmup = Math.min(7 * season, Math.floor(ys.length / 2));
    io.progress(`forecast: ${spec.name}: ${ys.length} points of ${trace.stepMs / 1000}s, season ${season}, warm-up ${warmup}…`);
    const ev = evaluateSeries(ys, { season, horizons: HORIZONS, window: ANALYZER_WINDOW, warmup, stride: ORIGIN_STRIDE, configs: FORECAST_GRID, blocks });
    cvParts.push({ scale: ev.scale, errors: ev.blockErrors });
    io.progress(`forecast: ${spec.name}: ${ev.origins} origins in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    traces.push({
      name: spec.name,
      path: spec.path,
      column: trace.column,
      scale: trace.scale,
      stepSec: trace.stepMs / 1000,
      ...(resampledFrom !== undefined ? { resampledFromSec: resampledFrom } : {}),
      points: ev.points,
      missingSteps: missingSteps(trace),
      seasonSteps: season,
      warmup,
      origins: ev.origins,
      maseScale: { lagSteps: ev.scaleLag, mae: round(ev.scale, 3) },
      models: ev.scores,
      selectorChoice: ev.selectorChoice,
    });
  }
  const modelNames = Object.keys(traces[0]?.models ?? {});
  const meanMase = Object.fromEntries(
    modelNames.map((m) => [m, Object.fromEntries(HORIZONS.map((h) => [h, round(traces.reduce((s, t) => s + (t.models[m]?.[h]?.mase ?? Number.NaN), 0) / traces.length, 3)]))]),
  );
  const cv = blockedRollingOrigin(cvParts, FORECAST_GRID.length, HORIZONS.length, blocks);
  const perH = (rows: number[][]) => Object.fromEntries(HORIZONS.map((h, i) => [h, round(rows.reduce((s, r) => s + (r[i] ?? Number.NaN), 0) / rows.length, 3)]));
  const crossValidated = {
    method: `blocked rolling origin: each trace's origins cut into ${blocks} blocks in time; blocks 2..${blocks} each scored with the parameters that had the lowest mean MASE (all traces and horizons) on the blocks before it`,
    grid: FORECAST_GRID,
    chosenPerBlock: cv.chosen.map((c) => FORECAST_GRID[c]),
    selector: perH(cv.mase),
    selectorDefaultsSameBlocks: perH(cv.defaultsMase),
    perTrace: Object.fromEntries(traces.map((t, k) => [t.name, { cv: Object.fromEntries(HORIZONS.map((h, i) => [h, round(cv.mase[k]?.[i] ?? Number.NaN, 3)])), defaults: Object.fromEntries(HORIZONS.map((h, i) => [h, round(cv.defaultsMase[k]?.[i] ?? Number.NaN, 3)])) }])),
    final: FORECAST_GRID[cv.final],
    defaults: FORECAST_DEFAULTS,
  };
  const result = {
    horizons: [...HORIZONS],
    season: '1 day (MASE scale: in-sample seasonal naive MAE at lag 1 day over the warm-up)',
    window: ANALYZER_WINDOW,
    originStride: ORIGIN_STRIDE,
    gaps: 'missing steps skipped (the analyzer gets no point for them)',
    traces,
    meanMase,
    crossValidated,
    seconds: round((performance.now() - started) / 1000, 1),
  };
  if (io.json) io.out(JSON.stringify(result));
  else {
    for (const t of traces) {
      io.out(`\n${t.name}: ${t.points} points of ${t.stepSec}s${t.resampledFromSec ? ` (summed from ${t.resampledFromSec}s)` : ''}, ${t.origins} origins, MASE scale ${t.maseScale.mae} (lag ${t.maseScale.lagSteps})`);
      io.out(
        table(
          Object.entries(t.models).map(([m, perH]) => ({
            model: m,
            ...Object.fromEntries(HORIZONS.map((h) => [`MASE h=${h}`, perH[h]?.mase ?? ''])),
            ...Object.fromEntries(HORIZONS.map((h) => [`sMAPE h=${h}`, perH[h]?.smape ?? ''])),
          })),
        ),
      );
      io.out(`selector's choice: ${HORIZONS.map((h) => `h=${h} ${JSON.stringify(t.selectorChoice[h])}`).join('; ')}`);
    }
    io.out('\nmean MASE over the traces:');
    io.out(table(Object.entries(meanMase).map(([m, perH]) => ({ model: m, ...Object.fromEntries(HORIZONS.map((h) => [`h=${h}`, perH[h] ?? ''])) }))));
    io.out(`\ncross-validated selector (${crossValidated.method}):`);
    io.out(
      table([
        { selector: 'in-sample, defaults, all origins', ...Object.fromEntries(HORIZONS.map((h) => [`h=${h}`, meanMase['selector']?.[h] ?? ''])) },
        { selector: `defaults, blocks 2..${blocks}`, ...Object.fromEntries(HORIZONS.map((h) => [`h=${h}`, crossValidated.selectorDefaultsSameBlocks[h] ?? ''])) },
        { selector: `cross-validated, blocks 2..${blocks}`, ...Object.fromEntries(HORIZONS.map((h) => [`h=${h}`, crossValidated.selector[h] ?? ''])) },
      ]),
    );
    io.out(`chosen per block: ${JSON.stringify(crossValidated.chosenPerBlock)}; on all blocks: ${JSON.stringify(crossValidated.final)} (defaults ${JSON.stringify(FORECAST_DEFAULTS)})`);
    io.out(`(${result.seconds}s)`);
  }
  return result;
}
