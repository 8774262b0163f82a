/**
 * Blocked rolling-origin cross-validation of the forecasters' tunable parameters (the selector's
 * error half-life, the seasonal profiles' weight). Each trace's forecast origins are cut into
 * blocks in time; for every block after the first, the parameter set with the lowest mean MASE on
 * the earlier blocks (of every trace and horizon) is chosen and the block is scored with it. The
 * cross-validated MASE of a trace and horizon is that of the blocks after the first, each scored
 * by a set chosen only on data before it. A final choice on all blocks gives the defaults to ship.
 */
import { DEFAULT_HALF_LIFE, PROFILE_DEFAULTS } from '@awo/analyzer';

/** The tunable parameters of the forecasters. */
export interface ForecastParams {
  /** The selector's error half-life, in scored points. */
  halfLife: number;
  /** Weight of the newest visit in a seasonal profile's slot. */
  profileAlpha: number;
  /** Most slots of a seasonal profile (neighbouring steps share one beyond it). */
  maxSlots: number;
}

/** The analyzer's defaults. */
export const FORECAST_DEFAULTS: ForecastParams = { halfLife: DEFAULT_HALF_LIFE, profileAlpha: PROFILE_DEFAULTS.alpha, maxSlots: PROFILE_DEFAULTS.maxSlots };

/**
 * The bounded grid searched (the defaults first): the profiles' weight × slots, and the selector's
 * half-life moved alone from the defaults (it has never mattered much, so it gets no full cross).
 */
export const FORECAST_GRID: readonly ForecastParams[] = [
  FORECAST_DEFAULTS,
  ...[0.025, 0.05, 0.1].flatMap((profileAlpha) => [96, 168, 336].map((maxSlots) => ({ halfLife: DEFAULT_HALF_LIFE, profileAlpha, maxSlots }))),
  ...[50, 100, 200, 400].map((halfLife) => ({ ...FORECAST_DEFAULTS, halfLife })),
].filter((p, i, all) => all.findIndex((q) => q.halfLife === p.halfLife && q.profileAlpha === p.profileAlpha && q.maxSlots === p.maxSlots) === i);

/** Absolute errors of one selector, per horizon and block. */
export class BlockErrors {
  readonly abs: Float64Array;
  readonly n: Float64Array;
  constructor(
    readonly horizons: number,
    readonly blocks: number,
  ) {
    this.abs = new Float64Array(horizons * blocks);
    this.n = new Float64Array(horizons * blocks);
  }

  add(h: number, block: number, actual: number, forecast: number): void {
    if (!Number.isFinite(actual) || !Number.isFinite(forecast)) return;
    this.abs[h * this.blocks + block]! += Math.abs(actual - forecast);
    this.n[h * this.blocks + block]! += 1;
  }

  /** MAE over the blocks in [from, to) at horizon index h (NaN without errors). */
  mae(h: number, from: number, to: number): number {
    let a = 0;
    let n = 0;
    for (let b = from; b < to; b++) {
      a += this.abs[h * this.blocks + b]!;
      n += this.n[h * this.blocks + b]!;
    }
    return n === 0 ? Number.NaN : a / n;
  }
}

/** One trace's part: its MASE scale and, per config of the grid, its block errors. */
export interface TraceBlocks {
  scale: number;
  errors: readonly BlockErrors[];
}

/** Result of {@link blockedRollingOrigin}. */
export interface ForecastCv {
  blocks: number;
  /** Per block after the first, the index in the grid chosen on the blocks before it. */
  chosen: number[];
  /** Per trace, per horizon index: the cross-validated MASE (blocks after the first). */
  mase: number[][];
  /** Per trace, per horizon index: the defaults' MASE on the same blocks. */
  defaultsMase: number[][];
  /** The grid index with the lowest mean MASE on every block (the final choice). */
  final: number;
}

function meanMase(traces: readonly TraceBlocks[], c: number, horizons: number, from: number, to: number): number {
  let sum = 0;
  let n = 0;
  for (const t of traces) {
    for (let h = 0; h < horizons; h++) {
      const v = (t.errors[c]?.mae(h, from, to) ?? Number.NaN) / t.scale;
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
  }
  return n === 0 ? Number.POSITIVE_INFINITY : sum / n;
}

/** Chooses a config per block from the blocks before it and scores it (see the module comment). */
export function blockedRollingOrigin(traces: readonly TraceBlocks[], configs: number, horizons: number, blocks: number): ForecastCv {
  const argmin = (from: number, to: number) => {
    let best = 0;
    let bestValue = Number.POSITIVE_INFINITY;
    for (let c = 0; c < configs; c++) {
      const v = meanMase(traces, c, horizons, from, to);
      if (v < bestValue - 1e-12) {
        best = c;
        bestValue = v;
      }
    }
    return best;
  };
  const chosen: number[] = [];
  for (let b = 1; b < blocks; b++) chosen.push(argmin(0, b));
  const mase = traces.map((t) =>
    Array.from({ length: horizons }, (_, h) => {
      let a = 0;
      let n = 0;
      chosen.forEach((c, k) => {
        const e = t.errors[c]!;
        a += e.abs[h * blocks + k + 1]!;
        n += e.n[h * blocks + k + 1]!;
      });
      return n === 0 ? Number.NaN : a / n / t.scale;
    }),
  );
  const defaultsMase = traces.map((t) => Array.from({ length: horizons }, (_, h) => (t.errors[0]?.mae(h, 1, blocks) ?? Number.NaN) / t.scale));
  return { blocks, chosen, mase, defaultsMase, final: argmin(0, blocks) };
}
