import type { PoolSim } from './sim.js';

export interface OracleOptions {
  minReplicas: number;
  maxReplicas: number;
}

/** Whether a closed minute met the target: its p95 (nearest rank) is within the target. */
export function minuteMet(r: { n: number; over: number }): boolean {
  return r.over <= r.n - Math.ceil(0.95 * r.n);
}

/**
 * `oracle`: knows the future. At the start of each minute it tries pool sizes on that minute's
 * actual jobs (arrivals and service times, from a snapshot of the simulator) and keeps the
 * smallest that meets the target in that minute without leaving a job waiting past the target at
 * its end (which would count again in the next minute): the search starts at the previous size, gallops
 * (1, 2, 4 … workers) in the right direction and finishes by bisection, assuming more workers
 * never wait longer. Added workers were started `startupDelay` s ahead: ready at the minute's
 * start, their start-up time charged as cost. Removed workers leave as in every policy (starting
 * ones cancelled, idle ones at once, busy ones after their job). Greedy minute by minute, so it is
 * a close lower bound of the cost of meeting the target every minute, not a proven optimum.
 */
export class Oracle {
  readonly name = 'oracle';
  trials = 0;
  #prev: { size: number; jobs: number } | undefined;

  constructor(readonly options: OracleOptions) {}

  /**
   * Picks the minute's pool and runs `sim` (already fed with the minute's `jobs` jobs) to `t1`.
   * The search starts from the previous minute's size scaled by the change in the job count.
   */
  planMinute(sim: PoolSim, t1: number, jobs: number): number {
    const { minReplicas: min, maxReplicas: max } = this.options;
    const snap = sim.snapshot();
    const ok = (c: number): boolean => {
      this.trials++;
      sim.restore(snap);
      sim.setTarget(c, true);
      sim.advance(t1);
      const r = sim.closeMinute();
      // Leaving no job past the target waiting at the minute's end keeps the next minute feasible.
      return minuteMet(r) && r.waitingOver === 0;
    };
    const guess = this.#prev && this.#prev.jobs > 0 ? Math.round((this.#prev.size * jobs) / this.#prev.jobs) : sim.target;
    const start = Math.min(max, Math.max(min, guess));
    let best: number;
    if (ok(start)) {
      // Known good: start. Walk down until a size fails, then bisect.
      let good = start;
      let step = 1;
      let bad = min - 1;
      while (good > min) {
        const c = Math.max(min, good - step);
        if (ok(c)) {
          good = c;
          step *= 2;
        } else {
          bad = c;
          break;
        }
      }
      best = bisect(bad, good, ok);
    } else {
      let bad = start;
      let step = 1;
      let good = -1;
      while (bad < max) {
        const c = Math.min(max, bad + step);
        if (ok(c)) {
          good = c;
          break;
        }
        bad = c;
        step *= 2;
      }
      best = good < 0 ? max : bisect(bad, good, ok);
    }
    sim.restore(snap);
    sim.setTarget(best, true);
    sim.advance(t1);
    this.#prev = { size: best, jobs };
    return best;
  }

  describe(): Record<string, unknown> {
    return { how: 'per minute, the smallest pool meeting the target on the known jobs and leaving no job waiting past it; workers pre-started (start-up charged)', trials: this.trials };
  }
}

/** The smallest good size in (bad, good], `good` known good and `bad` known bad (or below the range). */
function bisect(bad: number, good: number, ok: (c: number) => boolean): number {
  let lo = bad;
  let hi = good;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
