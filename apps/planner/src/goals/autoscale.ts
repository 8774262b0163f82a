import type { AutoscaleGoalConfig } from '@awo/shared';
import { decideAutoscale } from '../autoscale.js';
import { capacityCeiling } from '../capacity.js';
import { AutoscaleGoalState } from '../goal-state.js';
import { newestTs, type GoalKind } from './types.js';

/** Autoscale: sizes a step's parameter for the arrival forecast (`decideAutoscale`). */
export const autoscaleGoal: GoalKind<AutoscaleGoalConfig> = {
  create(config, env) {
    const state = new AutoscaleGoalState(config);
    return {
      config,
      series: state.series,
      observe: (series, value, ts, id, labels) => state.observe(series, value, ts, id, labels),
      accept(i, traceparent) {
        if (i.kind !== 'forecast' || config.arrivalSeries !== i.series) return false;
        if (state.forecast && state.forecast.ts > i.ts) return false;
        state.forecast = { value: i.value, upper: i.upper, ts: i.ts, horizonMs: i.horizonMs, model: i.model, id: i.id, traceparent };
        return true;
      },
      cause: () => state.forecast,
      evaluate(plan, now) {
        const raw = plan.steps[config.step]?.params[config.param];
        const current = typeof raw === 'number' ? raw : config.min;
        const capacity = state.capacity.fit();
        const ceiling = capacityCeiling(capacity);
        const decision = decideAutoscale(
          config,
          {
            now,
            current,
            forecast: state.forecast,
            arrival: state.latest.get(config.arrivalSeries),
            backlog: state.latest.get(config.backlogSeries),
            metric: state.latest.get(config.metric),
            throughput: state.throughput.perWorker(),
            interval: env.evaluateInterval,
            ...(ceiling ? { ceiling } : {}),
          },
          state.memory,
        );
        state.lastDecision = { at: now, desired: decision.desired, reason: decision.reason };
        const attributes = {
          'awo.decision.desired': decision.desired,
          'awo.decision.current': current,
          'awo.decision.basis': decision.basis,
          ...(capacity.ok ? { 'awo.capacity.sigma': capacity.fit.sigma, 'awo.capacity.kappa': capacity.fit.kappa, ...(capacity.fit.peak !== undefined ? { 'awo.capacity.peak': capacity.fit.peak } : {}) } : {}),
        };
        if (decision.desired === current) return { attributes };
        return {
          attributes,
          proposal: {
            changes: [{ op: 'set', step: config.step, param: config.param, from: raw ?? null, to: decision.desired }],
            reason: decision.reason,
            insightIds: decision.insightIds,
            committed: (at) => (state.memory.lastChangeAt = at),
            summary: { from: current, to: decision.desired },
            sampleTs: newestTs(state.forecast?.ts, ...[...state.latest.values()].map((o) => o.ts)),
          },
        };
      },
      detail: () => {
        const capacity = state.capacity.fit();
        return {
          name: config.name,
          kind: state.kind,
          throughput: state.throughput.perWorker(),
          learned: state.throughput.learned,
          capacity: capacity.ok ? { ...capacity.fit, points: state.capacity.points(), refused: state.capacity.refused } : { reason: capacity.reason, points: state.capacity.points(), refused: state.capacity.refused },
          lastDecision: state.lastDecision,
        };
      },
    };
  },
};
