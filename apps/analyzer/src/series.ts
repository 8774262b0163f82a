import { CombinedDetector, type CombinedDetection, type Detection, type Detector } from './detect/index.js';
import { DETECTORS, type DetectorName } from './detect/registry.js';
import { defaultForecasters, detectSeason, ModelSelector, Ring, type Forecast } from './forecast/index.js';

export interface ForecastRule {
  series: string;
  horizonMs: number;
  stepMs: number;
  season: number | 'auto' | undefined;
  models: string[] | undefined;
}

export interface AnomalyRule {
  series: string;
  detectors: DetectorName[];
  threshold: number | undefined;
}

/** A message that fed a series, kept so insights can name and link what caused them. */
export interface Cause {
  id: string;
  traceparent?: string;
}

const CAUSES = 8;

/**
 * Everything the analyzer keeps for one series: a bounded window, the model selector (which
 * learns which forecaster fits by its rolling backtest error), the anomaly detector, and the
 * last few messages that fed it. Memory grows with the points seen: the window and the
 * detectors' buffers grow up to their bounds as points arrive, the window is kept only for a
 * forecast rule, and the detector is made with the first point.
 */
export class SeriesState {
  readonly window: Ring;
  readonly causes: Cause[] = [];
  #selector: ModelSelector | undefined;
  #season: number | undefined;
  #sinceSeasonCheck = 0;
  #detector: Detector | undefined;
  readonly horizon: number;

  constructor(
    readonly name: string,
    windowSize: number,
    readonly forecast: ForecastRule | undefined,
    private anomaly: AnomalyRule | undefined,
  ) {
    this.window = new Ring(windowSize);
    this.horizon = forecast ? Math.max(1, Math.ceil(forecast.horizonMs / forecast.stepMs)) : 1;
    if (forecast && typeof forecast.season === 'number') this.#season = forecast.season;
    if (forecast) this.#selector = this.#newSelector();
  }

  #newSelector(): ModelSelector {
    const models = defaultForecasters(this.#season).filter((m) => !this.forecast?.models || this.forecast.models.includes(m.name as never));
    return new ModelSelector(models, this.horizon, { season: this.#season, maxWindow: this.window.capacity, refitEvery: this.#season && this.#season > 200 ? 5 : 1 });
  }

  /** Hot reload: new detector settings; the detector is built again from them on the next point. */
  retune(anomaly: AnomalyRule): void {
    this.anomaly = anomaly;
    this.#detector = undefined;
  }

  /** Adds a point (timestamp in epoch ms); returns the detection when the series has an anomaly rule. */
  observe(value: number, cause: Cause, timestamp?: number): (Detection & Partial<Pick<CombinedDetection, 'by'>>) | undefined {
    // Only the season check reads the window: a series without a forecast rule keeps none.
    if (this.forecast) this.window.push(value);
    this.causes.push(cause);
    if (this.causes.length > CAUSES) this.causes.shift();
    if (this.forecast?.season === 'auto') this.#checkSeason();
    this.#selector?.observe(value);
    if (this.anomaly) this.#detector ??= detectorFor(this.anomaly);
    return this.#detector?.update(value, timestamp);
  }

  /** With `season: auto`, looks for the season by autocorrelation now and then. */
  #checkSeason(): void {
    if (++this.#sinceSeasonCheck < Math.max(30, this.window.capacity / 8)) return;
    this.#sinceSeasonCheck = 0;
    const series = this.window.toArray();
    if (series.length < 48) return;
    // Up to half the window, so that two whole seasons fit: a daily season at 5-minute steps
    // (288) is found in the default window of 720.
    const season = detectSeason(series, { minLag: 4, maxLag: Math.floor(series.length / 2) });
    if (season !== undefined && season !== this.#season) {
      this.#season = season;
      // A new season changes what the seasonal models mean: start the backtest afresh, seeded
      // with the window so forecasts are available at once.
      this.#selector = this.#newSelector();
      for (const v of series) this.#selector.observe(v);
    }
  }

  get season(): number | undefined {
    return this.#season;
  }

  /** The current best model's forecast `horizon` steps ahead, and its backtest error. */
  forecastNow(): { forecast: Forecast; error: number | undefined } | undefined {
    const forecast = this.#selector?.forecast();
    if (!forecast) return undefined;
    return { forecast, error: this.#selector?.errors()[forecast.model]?.mae };
  }

  modelErrors(): Record<string, { mae: number; n: number }> {
    return this.#selector?.errors() ?? {};
  }
}

/** The rule's detectors from the registry, combined when it lists more than one. */
function detectorFor(rule: AnomalyRule): Detector {
  const detectors: Detector[] = rule.detectors.map((d) => DETECTORS[d](rule));
  return detectors.length === 1 ? (detectors[0] as Detector) : new CombinedDetector({ detectors });
}

/** `*` matches any run of characters; everything else literally. */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}
