export { PlannerAgent } from './planner.js';
export { decideAutoscale, type AutoscaleInputs, type AutoscaleMemory, type Decision, type Observation, type ForecastInput } from './autoscale.js';
export { HEADROOM_DEFAULTS, normalCdf, SloHeadroom, waitTail, waitWorkers, type HeadroomParams, type HeadroomStatus } from './headroom.js';
export { ThroughputModel } from './throughput.js';
export { AutoscaleGoalState } from './goal-state.js';
export { decideQuality, isRerouted, rerouteChanges, revertChanges, type QualityDecision, type QualityInputs, type QualityMemory, type QualitySignal } from './quality.js';
export { QualityGoalState } from './quality-state.js';
export { createGoal, GOAL_KINDS, type Cause, type Evaluation, type Goal, type GoalEnv, type GoalKind, type Proposal } from './goals/index.js';
export { PlanNotifier } from './notify.js';
