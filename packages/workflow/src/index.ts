export { WorkflowRunner, mergeOutputs, recordBytes, type WorkflowCounters } from './runner.js';
export { loadHandler, type HandlerContext, type HandlerResult, type RecordHandler } from './handlers.js';
export { recordId, recordJobId, recordJobOptions, recordJobSchema, type RecordJob } from './job.js';
export { PlanVersions } from './plans.js';
export { entrySteps, handlerOf, routeAfter, runnableSteps, stepConfig, stepQueue, unknownSteps, type Route } from './route.js';
export { RunLog, planRoute, parseCursor as parseRunCursor, attemptSchema, runSchema, runHeaderSchema, stepStatsSchema, LATENCY_BUCKETS_MS, OUTCOMES, RUN_STATUSES, type Attempt, type Run, type StepStats, type RecordAttempt } from './runs.js';
