export { WorkflowRunner, mergeOutputs, type WorkflowCounters } from './runner.js';
export { loadHandler, type HandlerContext, type HandlerResult, type RecordHandler } from './handlers.js';
export { recordId, recordJobId, recordJobSchema, type RecordJob } from './job.js';
export { PlanVersions } from './plans.js';
export { entrySteps, handlerOf, routeAfter, runnableSteps, stepConfig, stepQueue, unknownSteps, type Route } from './route.js';
