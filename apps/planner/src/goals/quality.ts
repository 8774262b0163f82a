import type { QualityGoalConfig } from '@awo/shared';
import { decideQuality } from '../quality.js';
import { QualityGoalState } from '../quality-state.js';
import { newestTs, type GoalKind } from './types.js';

/** Quality: reroutes the workflow while the data is bad, and reverts once it is clean (`decideQuality`). */
export const qualityGoal: GoalKind<QualityGoalConfig> = {
  create(config, env) {
    const state = new QualityGoalState(config);
    return {
      config,
      series: state.series,
      observe: (series, value, ts, id) => state.observe(series, value, ts, id),
      accept(i, traceparent) {
        if (i.kind !== 'data-quality' || !state.watches(i.series)) return false;
        state.addSignal({ series: i.series, check: i.check, value: i.value, limit: i.limit, violated: i.violated, ts: i.ts, id: i.id }, traceparent);
        return true;
      },
      cause: () => state.lastSignal,
      evaluate(plan, now) {
        const decision = decideQuality(config, env.workflow, { now, plan, metrics: state.latest, signals: state.signals }, state.memory);
        state.lastDecision = { at: now, action: decision.action, reason: decision.reason };
        const attributes = { 'awo.decision.action': decision.action };
        if (decision.changes.length === 0) return { attributes };
        return { attributes, proposal: { changes: decision.changes, reason: decision.reason, insightIds: decision.insightIds, summary: { action: decision.action }, sampleTs: newestTs(state.lastSignal?.ts, ...[...state.latest.values()].map((o) => o.ts)) } };
      },
      detail: () => ({ name: config.name, kind: state.kind, lastBadAt: state.memory.lastBadAt, lastDecision: state.lastDecision }),
    };
  },
};
